import Foundation
import TensorCore
import AutoDiff
import NeuralLayers

/// One multi-channel multigrid V-cycle used as a learnable linear operator: `MgConv` of MgNO (He,
/// Liu & Xu, ICLR 2024), as the official code's `MgConv_DC` / `MgConv` compute it.
///
/// The input `f` (`c_in` channels) plays the role of a right-hand side and the output `u` (`c_out`
/// channels) of an approximate solution of `A u = f`. Levels `ℓ = 0…J−1` (finest first; level `ℓ`
/// has `⌈N / 2^ℓ⌉` points per axis):
/// ```
/// level 0:    f⁰ = f,  u = S^{0,0} ∗ f                               (no A before the first step)
/// level ℓ>0:  f^ℓ = R^ℓ ∗₂ f^{ℓ−1},  u = Π^ℓ ∗₂ u^{ℓ−1}                (the right-hand side itself)
/// pre-smoothing (the remaining steps of level ℓ, each with its own A and S):
///             u ← u + S^{ℓ,i} ∗ (f^ℓ − A^{ℓ,i} ∗ u)
/// keep u^ℓ; then upward, ℓ = J−2 … 0:
///             u^ℓ ← N^ℓ(u^ℓ + P^ℓ ∗ᵀ₂ u^{ℓ+1})                         (N^ℓ: optional layer norm)
///             post-smoothing steps: u^ℓ ← u^ℓ + S ∗ (f^ℓ − A ∗ u^ℓ), again each with its own A and S
/// output u⁰
/// ```
/// `A` (`c_out → c_in`) and `S` (`c_in → c_out`) are 3×3 convolutions (padding 1 in the boundary
/// `paddingMode`, optional biases); `R` (`c_in → c_in`) and `Π` (`c_out → c_out`) 3×3 stride-2
/// convolutions (padding 1, same mode, no bias); `P` (`c_out → c_out`) a stride-2 transposed
/// convolution with kernel 4 (or 3 for odd fine grids), padding 1, zero boundary, no bias.
///
/// With ``MgNOCycle/helmholtz`` (the official `MgConv_helm`) level `ℓ` carries `(ℓ+1)·c_in` and
/// `(ℓ+1)·c_out` channels (`R`, `Π` and `P` change the count), the transfers have no padding (a grid
/// of `n` points restricts to `⌊(n−1)/2⌋`; `P` of kernel 3 or 4 maps it back for odd or even `n`),
/// and `A`, `S` have biases.
///
/// Per 24→24 cycle with the Darcy schedule (7 pre-smoothing steps over 6 levels) this is about
/// 26.3 c²N² multiply-adds against 41.3 for ``ResidualRestrictionMultigridConvolution``.
///
/// Parameters are named with the official code's `state_dict` keys (`layer{ℓ}.{k}.S.weight`,
/// `layer{ℓ}.0.Pi.weight`, `post_smooth_layer{ℓ}.{i}.A.weight`, `RTlayers.{ℓ}.weight`,
/// `norm_layer_list.{ℓ}.weight`), so a PyTorch checkpoint saved as safetensors loads directly.
public struct MultigridConvolution<Scalar: TensorScalar>: Layer {
    /// One smoothing step `u ← u + S ∗ (f − A ∗ u)`; without `A` it is the first step `u = S ∗ f`.
    public struct SmoothingStep {
        public let systemOperator: Convolution<Scalar>?
        public let smoother: Convolution<Scalar>

        func apply(_ u: Variable<Scalar>?, _ f: Variable<Scalar>) -> Variable<Scalar> {
            guard let u, let a = systemOperator else { return smoother(f) }
            return u + smoother(f - a(u))
        }
    }

    /// Pre-smoothing steps per level (`preSmoothing[0][0]` applies no `A`; it has none except in `.helmholtz`).
    public let preSmoothing: [[SmoothingStep]]
    /// Post-smoothing steps per level (the coarsest has none).
    public let postSmoothing: [[SmoothingStep]]
    /// `R^{ℓ+1}` (right-hand-side restriction), `levels − 1` of them.
    public let rightHandSideRestrictions: [Convolution<Scalar>]
    /// `Π^{ℓ+1}` (iterate restriction), `levels − 1` of them.
    public let solutionRestrictions: [Convolution<Scalar>]
    /// `P^ℓ`, `levels − 1` of them.
    public let prolongations: [ConvolutionTranspose<Scalar>]
    /// `N^ℓ`, `levels − 1` of them, or empty.
    public let normalizations: [LayerNormalization<Scalar>]

    public var levels: Int { preSmoothing.count }
    public var inputChannels: Int { preSmoothing[0][0].smoother.inputChannels }
    public var outputChannels: Int { preSmoothing[0][0].smoother.outputChannels }

    /// - Parameters:
    ///   - preSmoothingSteps: per level, finest first (each ≥ 1); its count is the level count.
    ///   - postSmoothingSteps: per level (each ≥ 0, the coarsest 0); nil: none.
    ///   - prolongationKernelSizes: per transfer (3 or 4); nil: 4.
    ///   - normalizationGrid: finest grid of the layer norms; nil: none.
    ///   - cycle: `.paper`, or `.helmholtz` (`MgConv_helm`: `(ℓ+1)`-fold channels on level `ℓ`, transfers
    ///     without padding, an unused `A` on the first step; `bias` is then always on).
    /// Weights are drawn uniformly in `±1/√fan-in` (PyTorch's default for convolutions).
    public init(inputChannels: Int, outputChannels: Int, preSmoothingSteps: [Int], postSmoothingSteps: [Int]? = nil,
                spatialDimensions: Int = 2, paddingMode: PaddingMode = .zero, bias: Bool = false,
                prolongationKernelSizes: [Int]? = nil, normalizationGrid: [Int]? = nil, cycle: MgNOCycle = .paper,
                generator: inout SeededRandomNumberGenerator) {
        let levels = preSmoothingSteps.count
        let post = postSmoothingSteps ?? [Int](repeating: 0, count: levels)
        precondition(levels >= 1 && preSmoothingSteps.allSatisfy { $0 >= 1 } && post.count == levels
                     && post.allSatisfy { $0 >= 0 } && post.last == 0, "invalid smoothing schedule")
        precondition(cycle != .residualRestriction, "the residual-restriction cycle is ResidualRestrictionMultigridConvolution")
        let helmholtz = cycle == .helmholtz
        precondition(!helmholtz || (post.allSatisfy { $0 == 0 } && normalizationGrid == nil), "MgConv_helm has no post-smoothing or norms")
        let d = spatialDimensions
        let k3 = [Int](repeating: 3, count: d)
        let volume3 = Int(pow(3.0, Double(d)))
        let transferPadding = helmholtz ? 0 : 1
        let bias = bias || helmholtz
        func conv(_ cin: Int, _ cout: Int, stride: Int, bias: Bool) -> Convolution<Scalar> {
            Convolution(inputChannels: cin, outputChannels: cout, kernelSize: k3, stride: [stride],
                        padding: [stride == 1 ? 1 : transferPadding], paddingMode: paddingMode, useBias: bias,
                        initializer: .uniform(bound: 1 / Double(cin * volume3).squareRoot()), generator: &generator)
        }
        // Channels of the right-hand side and of the iterate on level ℓ.
        func channels(_ level: Int) -> (f: Int, u: Int) {
            helmholtz ? ((level + 1) * inputChannels, (level + 1) * outputChannels) : (inputChannels, outputChannels)
        }
        func step(level: Int, first: Bool) -> SmoothingStep {
            let (cf, cu) = channels(level)
            let s = conv(cf, cu, stride: 1, bias: bias)
            return SmoothingStep(systemOperator: first && !helmholtz ? nil : conv(cu, cf, stride: 1, bias: bias), smoother: s)
        }
        var pre: [[SmoothingStep]] = [], postSteps: [[SmoothingStep]] = []
        var restrictionsR: [Convolution<Scalar>] = [], restrictionsPi: [Convolution<Scalar>] = []
        var prolongations: [ConvolutionTranspose<Scalar>] = [], normalizations: [LayerNormalization<Scalar>] = []
        for level in 0..<levels {
            if level > 0 {
                let (fineF, fineU) = channels(level - 1), (coarseF, coarseU) = channels(level)
                restrictionsPi.append(conv(fineU, coarseU, stride: 2, bias: false))
                restrictionsR.append(conv(fineF, coarseF, stride: 2, bias: false))
            }
            pre.append((0..<preSmoothingSteps[level]).map { step(level: level, first: level == 0 && $0 == 0) })
            postSteps.append((0..<post[level]).map { _ in step(level: level, first: false) })
        }
        for transfer in 0..<(levels - 1) {
            let k = prolongationKernelSizes?[transfer] ?? 4
            let p = ConvolutionTranspose<Scalar>(inputChannels: channels(transfer + 1).u, outputChannels: channels(transfer).u,
                                                 kernelSize: [Int](repeating: k, count: d), stride: [2], padding: [transferPadding],
                                                 useBias: false, generator: &generator)
            // Rescale Kaiming-uniform (±√(6/fan)) to PyTorch's ±1/√fan with fan = c_out·k^d.
            p.weight.value = p.weight.value * Scalar(1 / 6.0.squareRoot())
            prolongations.append(p)
            if let grid = normalizationGrid {
                let size = grid.map { ($0 + (1 << transfer) - 1) >> transfer }
                normalizations.append(LayerNormalization(shape: [outputChannels] + size))
            }
        }
        preSmoothing = pre
        postSmoothing = postSteps
        rightHandSideRestrictions = restrictionsR
        solutionRestrictions = restrictionsPi
        self.prolongations = prolongations
        self.normalizations = normalizations
    }

    /// The cycle of an ``MgNO`` block or head (`.paper` or `.helmholtz`) from `c_in` to `c_out` channels.
    public init(inputChannels: Int, outputChannels: Int, configuration c: MgNOConfiguration, generator: inout SeededRandomNumberGenerator) {
        self.init(inputChannels: inputChannels, outputChannels: outputChannels, preSmoothingSteps: c.smoothingSteps,
                  postSmoothingSteps: c.postSmoothingSteps, spatialDimensions: c.spatialDimensions, paddingMode: c.paddingMode,
                  bias: c.convolutionBias, prolongationKernelSizes: c.prolongationKernelSizes,
                  normalizationGrid: c.layerNormalizationGrid, cycle: c.cycle, generator: &generator)
    }

    /// Applies one V-cycle to `f` (`[batch, c_in, spatial…]`), giving `[batch, c_out, spatial…]`.
    /// The grid must map back through the prolongations (``MgNO`` checks it and throws).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        var rightHandSides: [Variable<Scalar>] = [], iterates: [Variable<Scalar>] = []
        rightHandSides.reserveCapacity(levels)
        iterates.reserveCapacity(levels)
        var f = input
        var u: Variable<Scalar>? = nil
        for level in 0..<levels {
            if level > 0 {
                f = rightHandSideRestrictions[level - 1](f)
                u = solutionRestrictions[level - 1](iterates[level - 1])
            }
            for step in preSmoothing[level] { u = step.apply(u, f) }
            rightHandSides.append(f)
            iterates.append(u!)
        }
        for level in stride(from: levels - 2, through: 0, by: -1) {
            var corrected = iterates[level] + prolongations[level](iterates[level + 1])
            if !normalizations.isEmpty { corrected = normalizations[level](corrected) }
            for step in postSmoothing[level] { corrected = step.apply(corrected, rightHandSides[level]) }
            iterates[level] = corrected
        }
        return iterates[0]
    }

    /// Official parameter paths (see the type's documentation).
    public func visitParameters(prefix: String, _ visit: (String, Parameter<Scalar>) -> Void) {
        func visitStep(_ step: SmoothingStep, _ path: String) {
            step.systemOperator?.visitParameters(prefix: parameterPath(path, "A"), visit)
            step.smoother.visitParameters(prefix: parameterPath(path, "S"), visit)
        }
        for level in 0..<levels {
            let layer = parameterPath(prefix, "layer\(level)")
            if level > 0 {
                solutionRestrictions[level - 1].visitParameters(prefix: parameterPath(layer, "0.Pi"), visit)
                rightHandSideRestrictions[level - 1].visitParameters(prefix: parameterPath(layer, "0.R"), visit)
            }
            for (i, step) in preSmoothing[level].enumerated() { visitStep(step, parameterPath(layer, "\(level == 0 ? i : i + 1)")) }
            for (i, step) in postSmoothing[level].enumerated() {
                visitStep(step, parameterPath(prefix, "post_smooth_layer\(level).\(i)"))
            }
        }
        for (j, p) in prolongations.enumerated() { p.visitParameters(prefix: parameterPath(prefix, "RTlayers.\(j)"), visit) }
        for (j, n) in normalizations.enumerated() { n.visitParameters(prefix: parameterPath(prefix, "norm_layer_list.\(j)"), visit) }
    }
}
