/// Which MgNO network a configuration builds.
public enum MgNOCycle: String, Codable, Sendable, CaseIterable {
    /// The published network (He, Liu & Xu, ICLR 2024; the official code's `MgConv_DC` / `MgNO_DC`):
    /// the right-hand side is restricted directly (`f ← R f`, `u ← Π u`), every smoothing step has its
    /// own `A` and `S`, the finest level starts with `u = S f` (no `A`), optional post-smoothing on the
    /// way up; every block is `σ(MgConv u + W u + b)` and the network ends with a 1×1 projection.
    /// See ``MultigridConvolution``.
    case paper
    /// The official Helmholtz network's cycle (`MgConv_helm`): the paper's V-cycle, but level `ℓ` has
    /// `(ℓ+1)·c_in` right-hand-side and `(ℓ+1)·c_out` iterate channels, the transfers (`R`, `Π`
    /// stride-2 convolutions, `P` transposed convolutions) have no padding, every `A` and `S` has a
    /// bias, and the first smoothing step also owns an `A` that it never applies (the official module
    /// has it, so the parameter count and `state_dict` include it). No post-smoothing or in-cycle
    /// normalization. See ``MultigridConvolution`` and ``MgNOConfiguration/helmholtz``.
    case helmholtz
    /// PDEKit's earlier network: the residual is restricted (`f ← R(f − A u) + A Π u`), one `A` per
    /// level (level 0 included), and the last block is a `channels → outputs` MgConv plus a 1×1 map
    /// without activation instead of a projection head. Kept so that older checkpoints load (a
    /// configuration without a `cycle` key decodes as this). See ``ResidualRestrictionMultigridConvolution``.
    case residualRestriction
}
