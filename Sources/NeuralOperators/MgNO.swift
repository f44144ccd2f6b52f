import TensorCore
import RunSupport
import AutoDiff
import NeuralLayers

/// One MgNO block: `u ← σ(N(MgConv(u) + W u + b))` with `W` a pointwise (1×1) channel map (absent when
/// the configuration has no ``MgNOConfiguration/pointwiseSkip``) and `N` a layer norm (only with
/// ``MgNOConfiguration/blockNormalizationGrid``).
public struct MgNOBlock<Scalar: TensorScalar>: Layer {
    /// The V-cycle of the configuration's ``MgNOCycle``.
    public enum Cycle {
        case paper(MultigridConvolution<Scalar>)
        case residualRestriction(ResidualRestrictionMultigridConvolution<Scalar>)
    }
    public let multigrid: Cycle
    /// `W u + b` (1×1 convolution with bias), or nil.
    public let pointwise: Convolution<Scalar>?
    /// `N` over `[c_out, grid]`, or nil.
    public let normalization: LayerNormalization<Scalar>?
    public let activation: Activation

    public init(inputChannels: Int, outputChannels: Int, configuration c: MgNOConfiguration, activation: Activation,
                generator: inout SeededRandomNumberGenerator) {
        switch c.cycle {
        case .paper, .helmholtz:
            multigrid = .paper(MultigridConvolution(inputChannels: inputChannels, outputChannels: outputChannels, configuration: c,
                                                    generator: &generator))
        case .residualRestriction:
            multigrid = .residualRestriction(ResidualRestrictionMultigridConvolution(
                inputChannels: inputChannels, outputChannels: outputChannels, smoothingSteps: c.smoothingSteps,
                spatialDimensions: c.spatialDimensions, paddingMode: c.paddingMode, generator: &generator))
        }
        pointwise = c.pointwiseSkip
            ? Convolution(inputChannels: inputChannels, outputChannels: outputChannels,
                          kernelSize: [Int](repeating: 1, count: c.spatialDimensions),
                          initializer: .uniform(bound: 1 / Double(inputChannels).squareRoot()), generator: &generator)
            : nil
        normalization = c.blockNormalizationGrid.map { LayerNormalization(shape: [outputChannels] + $0) }
        self.activation = activation
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        var y: Variable<Scalar>
        switch multigrid {
        case .paper(let cycle): y = cycle(input)
        case .residualRestriction(let cycle): y = cycle(input)
        }
        if let pointwise { y = y + pointwise(input) }
        if let normalization { y = normalization(y) }
        return activation.applyFused(y)
    }

    /// Parameters under `<cyclePrefix>`, `<pointwisePrefix>` and `<normalizationPrefix>`.
    public func visitParameters(cyclePrefix: String, pointwisePrefix: String, normalizationPrefix: String = "normalization",
                                _ visit: (String, Parameter<Scalar>) -> Void) {
        switch multigrid {
        case .paper(let cycle): cycle.visitParameters(prefix: cyclePrefix, visit)
        case .residualRestriction(let cycle): cycle.visitParameters(prefix: cyclePrefix, visit)
        }
        pointwise?.visitParameters(prefix: pointwisePrefix, visit)
        normalization?.visitParameters(prefix: normalizationPrefix, visit)
    }

    public func visitParameters(prefix: String, _ visit: (String, Parameter<Scalar>) -> Void) {
        visitParameters(cyclePrefix: parameterPath(prefix, "mgconv"), pointwisePrefix: parameterPath(prefix, "pointwise"), visit)
    }
}

/// MgNO, the multigrid neural operator (He, Liu & Xu, "MgNO: Efficient Parameterization of Linear
/// Operators via Multigrid", ICLR 2024), as the official code builds it (``MgNOCycle/paper``):
///
/// ```
/// u₀ = a (input, c_in channels)
/// u_l = σ(MgConv_l(u_{l−1}) + W_l u_{l−1} + b_l),   l = 1…L      (MgNO_DC; MgNO_NS has no W u + b)
/// output = Q u_L  (+ a with inputResidual)                         (Q: 1×1, channels → c_out, no bias)
/// ```
/// Each `MgConv` is one V-cycle (``MultigridConvolution``); boundary conditions enter through the
/// padding of the 3×3 convolutions (``MgNOConfiguration/paddingMode``). Parameter paths are the
/// official `state_dict` keys (`conv_list.{l}.…`, `linear_list.{l}.weight`, `linear.weight`, or
/// `last_layer.weight` without pointwise skip), so weights saved from the official code load with
/// `loadParameters(from:)`. With ``MgNOCycle/residualRestriction`` it is PDEKit's earlier network
/// (`blocks.{l}.mgconv…`; the last block maps to the outputs without activation, no head).
///
/// Inputs are `[batch, c_in, spatial…]`; spatial sizes that are not multiples of `2^(levels−1)` are
/// padded at the end and the output cropped back (``MgNOGridPolicy/padAndCrop``), or refused
/// (``MgNOGridPolicy/requireDivisible``).
public struct MgNO<Scalar: TensorScalar>: Layer {
    public let configuration: MgNOConfiguration
    public let blocks: [MgNOBlock<Scalar>]
    /// `Q` (``MgNOHead/projection``; not with ``MgNOCycle/residualRestriction``).
    public let projection: Convolution<Scalar>?
    /// The last V-cycle (``MgNOHead/multigrid``).
    public let headCycle: MultigridConvolution<Scalar>?

    public init(configuration c: MgNOConfiguration, generator: inout SeededRandomNumberGenerator) throws(MgNOError) {
        try c.validate(budget: MemoryBudget())
        configuration = c
        var blocks: [MgNOBlock<Scalar>] = []
        for l in 0..<c.layers {
            let legacyLast = c.cycle == .residualRestriction && l == c.layers - 1
            blocks.append(MgNOBlock(inputChannels: l == 0 ? c.inputChannels : c.channels,
                                    outputChannels: legacyLast ? c.outputChannels : c.channels,
                                    configuration: c, activation: legacyLast ? .identity : c.activation, generator: &generator))
        }
        self.blocks = blocks
        headCycle = c.head == .multigrid
            ? MultigridConvolution(inputChannels: c.channels, outputChannels: c.outputChannels, configuration: c, generator: &generator)
            : nil
        projection = c.cycle != .residualRestriction && c.head == .projection
            ? Convolution(inputChannels: c.channels, outputChannels: c.outputChannels,
                          kernelSize: [Int](repeating: 1, count: c.spatialDimensions), useBias: false,
                          initializer: .uniform(bound: 1 / Double(c.channels).squareRoot()), generator: &generator)
            : nil
    }

    /// Checks an input shape against the configuration and grid policy.
    public func validate(inputShape shape: [Int]) throws(MgNOError) {
        let c = configuration, d = c.spatialDimensions
        guard shape.count == d + 2, shape[1] == c.inputChannels, shape.allSatisfy({ $0 > 0 }) else {
            throw .inputShapeMismatch(expected: "[batch, \(c.inputChannels), \(d) spatial axes]", got: shape)
        }
        try c.validate(grid: Array(shape.suffix(d)))
    }

    /// Applies the network after checking the input shape (throws instead of trapping).
    public func apply(_ input: Variable<Scalar>) throws(MgNOError) -> Variable<Scalar> {
        try validate(inputShape: input.shape)
        return callAsFunction(input)
    }

    /// Applies the model to a constant input after checking its shape (inference; no graph is built),
    /// as ``FourierNeuralOperator/predict(_:)``.
    public func predict(_ input: Tensor<Scalar>) throws(MgNOError) -> Tensor<Scalar> {
        try validate(inputShape: input.shape)
        return inference(input)
    }

    /// Applies the network (building a graph when recording).
    ///
    /// - Precondition: ``validate(inputShape:)`` accepts `input.shape`; it traps otherwise. Inputs a
    ///   user supplies go through a checked entry first: ``apply(_:)``, ``predict(_:)``, or
    ///   `TrainedModel.predict` / `evaluate`, the trainers and the C API (all call `validateInput`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        do { try validate(inputShape: input.shape) } catch { preconditionFailure("\(error)") }
        let c = configuration, d = c.spatialDimensions, divisor = c.gridDivisor
        let spatial = Array(input.shape.suffix(d))
        let extra = c.prolongationKernelSizes == nil ? spatial.map { ($0 + divisor - 1) / divisor * divisor - $0 }
                                                     : [Int](repeating: 0, count: d)
        var u = input
        let padded = extra.contains { $0 > 0 }
        if padded {
            u = u.padded(before: [Int](repeating: 0, count: d + 2), after: [0, 0] + extra, mode: c.paddingMode)
        }
        for block in blocks { u = block(u) }
        if let projection { u = projection(u) }
        if let headCycle { u = headCycle(u) }
        if padded {
            u = u.sliced([nil, nil] + spatial.map { Optional(0..<$0) })
        }
        if c.inputResidual { u = u + input }
        return u
    }

    public func visitParameters(prefix: String, _ visit: (String, Parameter<Scalar>) -> Void) {
        switch configuration.cycle {
        case .paper, .helmholtz:
            for (l, block) in blocks.enumerated() {
                block.visitParameters(cyclePrefix: parameterPath(prefix, "conv_list.\(l)"),
                                      pointwisePrefix: parameterPath(prefix, "linear_list.\(l)"),
                                      normalizationPrefix: parameterPath(prefix, "norm_layer_list.\(l)"), visit)
            }
            projection?.visitParameters(prefix: parameterPath(prefix, configuration.pointwiseSkip ? "linear" : "last_layer"), visit)
            headCycle?.visitParameters(prefix: parameterPath(prefix, "last_layer"), visit)
        case .residualRestriction:
            for (l, block) in blocks.enumerated() { block.visitParameters(prefix: parameterPath(prefix, "blocks.\(l)"), visit) }
        }
    }
}
