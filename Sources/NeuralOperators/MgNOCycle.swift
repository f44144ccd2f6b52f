/// Which MgNO network a configuration builds.
public enum MgNOCycle: String, Codable, Sendable, CaseIterable {
    /// The published network (He, Liu & Xu, ICLR 2024; the official code's `MgConv_DC` / `MgNO_DC`):
    /// the right-hand side is restricted directly (`f ← R f`, `u ← Π u`), every smoothing step has its
    /// own `A` and `S`, the finest level starts with `u = S f` (no `A`), optional post-smoothing on the
    /// way up; every block is `σ(MgConv u + W u + b)` and the network ends with a 1×1 projection.
    /// See ``MultigridConvolution``.
    case paper
    /// PDEKit's earlier network: the residual is restricted (`f ← R(f − A u) + A Π u`), one `A` per
    /// level (level 0 included), and the last block is a `channels → outputs` MgConv plus a 1×1 map
    /// without activation instead of a projection head. Kept so that older checkpoints load (a
    /// configuration without a `cycle` key decodes as this). See ``ResidualRestrictionMultigridConvolution``.
    case residualRestriction
}
