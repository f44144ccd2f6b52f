import TensorCore
import RunSupport
import AutoDiff
import NeuralLayers

/// One MgNO block: `u ← σ(MgConv(u) + W u + b)` with `W` a pointwise (1×1) channel map.
public struct MgNOBlock<Scalar: TensorScalar>: Layer {
    public let multigrid: MultigridConvolution<Scalar>
    /// `W u + b` (1×1 convolution with bias).
    public let pointwise: Convolution<Scalar>
    public let activation: Activation

    public init(inputChannels: Int, outputChannels: Int, configuration: MgNOConfiguration, activation: Activation,
                generator: inout SeededRandomNumberGenerator) {
        multigrid = MultigridConvolution(inputChannels: inputChannels, outputChannels: outputChannels,
                                         smoothingSteps: configuration.smoothingSteps,
                                         spatialDimensions: configuration.spatialDimensions,
                                         paddingMode: configuration.paddingMode, generator: &generator)
        pointwise = Convolution(inputChannels: inputChannels, outputChannels: outputChannels,
                                kernelSize: [Int](repeating: 1, count: configuration.spatialDimensions),
                                initializer: .uniform(bound: 1 / Double(inputChannels).squareRoot()),
                                generator: &generator)
        self.activation = activation
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        activation.applyFused(multigrid(input) + pointwise(input))
    }

    public func visitParameters(prefix: String, _ visit: (String, Parameter<Scalar>) -> Void) {
        multigrid.visitParameters(prefix: parameterPath(prefix, "mgconv"), visit)
        pointwise.visitParameters(prefix: parameterPath(prefix, "pointwise"), visit)
    }
}

/// MgNO, the multigrid neural operator (He, Liu & Xu, "MgNO: Efficient Parameterization of Linear
/// Operators via Multigrid", ICLR 2024).
///
/// ```
/// u₀ = a (input, c_in channels)
/// u_l = σ(MgConv_l(u_{l−1}) + W_l u_{l−1} + b_l),   l = 1…L−1
/// u_L = MgConv_L(u_{L−1}) + W_L u_{L−1} + b_L      (c_out channels, no activation)
/// ```
/// Each `MgConv` is one V-cycle (``MultigridConvolution``), so every linear map in the network is
/// parameterised by a multigrid hierarchy of 3×3 convolutions; there is no lifting or projection
/// layer. Boundary conditions enter through the padding of the 3×3 convolutions (see
/// ``MgNOConfiguration/paddingMode``). Inputs are `[batch, c_in, spatial…]`; spatial sizes that are
/// not multiples of `2^(levels−1)` are padded at the end and the output cropped back
/// (``MgNOGridPolicy/padAndCrop``), or refused (``MgNOGridPolicy/requireDivisible``).
public struct MgNO<Scalar: TensorScalar>: Layer {
    public let configuration: MgNOConfiguration
    public let blocks: [MgNOBlock<Scalar>]

    public init(configuration: MgNOConfiguration, generator: inout SeededRandomNumberGenerator) throws(MgNOError) {
        try configuration.validate(budget: MemoryBudget())
        self.configuration = configuration
        var blocks: [MgNOBlock<Scalar>] = []
        for l in 0..<configuration.layers {
            let last = l == configuration.layers - 1
            blocks.append(MgNOBlock(inputChannels: l == 0 ? configuration.inputChannels : configuration.channels,
                                    outputChannels: last ? configuration.outputChannels : configuration.channels,
                                    configuration: configuration,
                                    activation: last ? .identity : configuration.activation, generator: &generator))
        }
        self.blocks = blocks
    }

    /// Checks an input shape against the configuration and grid policy.
    public func validate(inputShape shape: [Int]) throws(MgNOError) {
        let d = configuration.spatialDimensions
        guard shape.count == d + 2, shape[1] == configuration.inputChannels, shape.allSatisfy({ $0 > 0 }) else {
            throw .inputShapeMismatch(expected: "[batch, \(configuration.inputChannels), \(d) spatial axes]", got: shape)
        }
        let spatial = Array(shape.suffix(d)), divisor = configuration.gridDivisor
        if configuration.gridPolicy == .requireDivisible && spatial.contains(where: { $0 % divisor != 0 }) {
            throw .gridNotDivisible(size: spatial, divisor: divisor)
        }
    }

    /// Applies the network after checking the input shape (throws instead of trapping).
    public func apply(_ input: Variable<Scalar>) throws(MgNOError) -> Variable<Scalar> {
        try validate(inputShape: input.shape)
        return callAsFunction(input)
    }

    /// Applies the network; traps on a shape ``validate(inputShape:)`` would reject.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        do { try validate(inputShape: input.shape) } catch { preconditionFailure("\(error)") }
        let d = configuration.spatialDimensions, divisor = configuration.gridDivisor
        let spatial = Array(input.shape.suffix(d))
        let extra = spatial.map { ($0 + divisor - 1) / divisor * divisor - $0 }
        var u = input
        let padded = extra.contains { $0 > 0 }
        if padded {
            u = u.padded(before: [Int](repeating: 0, count: d + 2), after: [0, 0] + extra,
                         mode: configuration.paddingMode)
        }
        for block in blocks { u = block(u) }
        if padded {
            u = u.sliced([nil, nil] + spatial.map { Optional(0..<$0) })
        }
        return u
    }

    public func visitParameters(prefix: String, _ visit: (String, Parameter<Scalar>) -> Void) {
        for (l, block) in blocks.enumerated() { block.visitParameters(prefix: parameterPath(prefix, "blocks.\(l)"), visit) }
    }
}
