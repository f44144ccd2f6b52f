import Foundation
import RunSupport
import TensorCore
import AutoDiff
import NeuralLayers

/// A Fourier neural operator in 1, 2 or 3 dimensions, channels first: `[B, C_in, n₁, …, n_d] → [B, C_out, n₁, …, n_d]`.
///
/// ```
/// v₀ = P([a, x])                                   lifting (grid coordinates x appended)
/// v_{l+1} = σ( K_l v_l + W_l v_l )                 K_l spectral convolution, W_l 1×1 convolution
///           (with a channel MLP:  v ← MLP_l(v) + g_l ⊙ v_l,  g_l a soft gate)
/// u = Q(v_L)                                       projection
/// ```
/// σ is skipped after the last block. With domain padding, `v₀` is zero-padded at the end (or at
/// both ends, `FNODomainPaddingPlacement`) of every spatial axis and `v_L` cropped back. All maps act on Fourier modes or pointwise, so a model trained
/// at one resolution applies unchanged at a finer one (zero-shot super-resolution).
///
/// References: Li et al., "Fourier Neural Operator for Parametric Partial Differential Equations",
/// ICLR 2021; Kossaifi et al., "A Library for Learning Neural Operators" (neuraloperator), 2024.
public struct FourierNeuralOperator<Scalar: TensorScalar>: Layer {
    public let configuration: FNOConfiguration
    public let lifting: ChannelMLP<Scalar>
    public let spectralLayers: [SpectralConvolution<Scalar>]
    public let skipLayers: [PointwiseConvolution<Scalar>]
    public let channelMLPs: [ChannelMLP<Scalar>]
    /// Soft gates `[C]` of the channel-MLP skips (empty without channel MLPs).
    public let gates: [Parameter<Scalar>]
    public let projection: ChannelMLP<Scalar>

    /// Builds a model with weights drawn from `generator`.
    public init(_ configuration: FNOConfiguration, generator: inout SeededRandomNumberGenerator) throws(FNOError) {
        try configuration.validate(budget: MemoryBudget())
        self.configuration = configuration
        let c = configuration
        let liftedInput = c.inputChannels + (c.appendGrid ? c.spatialDimensions : 0)
        lifting = ChannelMLP(inputChannels: liftedInput, outputChannels: c.width, hiddenChannels: c.liftingChannels,
                             layerCount: c.liftingChannels > 0 ? 2 : 1, activation: c.activation, generator: &generator)
        var spectral: [SpectralConvolution<Scalar>] = [], skips: [PointwiseConvolution<Scalar>] = []
        var mlps: [ChannelMLP<Scalar>] = [], gates: [Parameter<Scalar>] = []
        for _ in 0..<c.layerCount {
            spectral.append(SpectralConvolution(inputChannels: c.width, outputChannels: c.width, modes: c.modes,
                                                useBias: c.spectralBias, generator: &generator))
            skips.append(PointwiseConvolution(inputChannels: c.width, outputChannels: c.width, useBias: !c.spectralBias,
                                              generator: &generator))
            if c.useChannelMLP {
                let hidden = max(1, Int((Double(c.width) * c.channelMLPExpansion).rounded()))
                mlps.append(ChannelMLP(inputChannels: c.width, outputChannels: c.width, hiddenChannels: hidden,
                                       layerCount: 2, activation: c.activation, generator: &generator))
                gates.append(Parameter(.ones([c.width])))
            }
        }
        spectralLayers = spectral
        skipLayers = skips
        channelMLPs = mlps
        self.gates = gates
        projection = ChannelMLP(inputChannels: c.width, outputChannels: c.outputChannels, hiddenChannels: c.projectionChannels,
                                layerCount: c.projectionChannels > 0 ? 2 : 1, activation: c.activation, generator: &generator)
    }

    /// Zero padding added to each spatial axis of size `n` (before plus after), placed by
    /// `configuration.domainPaddingPlacement` (see ``padding(spatialSize:)``).
    public func paddingWidths(spatialSize: [Int]) -> [Int] {
        let padding = self.padding(spatialSize: spatialSize)
        return zip(padding.before, padding.after).map { $0 + $1 }
    }

    /// Zero padding before and after each spatial axis of size `n`. `.endSmoothLength`: at least
    /// `round(n · domainPadding)` after, rounded up so that the padded length has no prime factor
    /// above 7 (FFTW is several times slower on lengths with a large prime factor: 85 + 9 = 94 = 2 · 47
    /// becomes 96 = 2⁵ · 3). `.end`: exactly `round_half_even(n · domainPadding)` after; `.symmetric`:
    /// that many before and after (neuraloperator's rounding, Python's `round`).
    public func padding(spatialSize: [Int]) -> (before: [Int], after: [Int]) {
        let fraction = configuration.domainPadding
        switch configuration.domainPaddingPlacement {
        case .endSmoothLength:
            let after = spatialSize.map { n -> Int in
                let minimum = Int((Double(n) * fraction).rounded())
                guard minimum > 0 else { return 0 }
                return Self.smoothLength(atLeast: n + minimum) - n
            }
            return ([Int](repeating: 0, count: spatialSize.count), after)
        case .end, .symmetric:
            let widths = spatialSize.map { Int((fraction * Double($0)).rounded(.toNearestOrEven)) }
            let before = configuration.domainPaddingPlacement == .symmetric ? widths : [Int](repeating: 0, count: widths.count)
            return (before, widths)
        }
    }

    /// The smallest length `m ≥ n` whose prime factors are all in {2, 3, 5, 7}.
    public static func smoothLength(atLeast n: Int) -> Int {
        var candidate = max(n, 1)
        while true {
            var rest = candidate
            for factor in [2, 3, 5, 7] { while rest % factor == 0 { rest /= factor } }
            if rest == 1 { return candidate }
            candidate += 1
        }
    }

    /// Checks that `shape` (`[B, C_in, n₁, …, n_d]`) fits the model.
    public func validate(inputShape shape: [Int]) throws(FNOError) {
        let c = configuration, d = c.spatialDimensions
        let expected = "[batch, \(c.inputChannels), \(d) spatial axes] with axes of at least \(c.modes.enumerated().map { $0.offset == d - 1 ? max(1, 2 * ($0.element - 1)) : 2 * $0.element })"
        guard shape.count == d + 2, shape[1] == c.inputChannels, shape[0] > 0 else {
            throw .inputShapeMismatch(expected: expected, found: shape)
        }
        let spatial = Array(shape.suffix(d))
        let padded = zip(spatial, paddingWidths(spatialSize: spatial)).map { $0 + $1 }
        guard spatial.allSatisfy({ $0 > 0 }), spectralLayers[0].supports(spatialSize: padded) else {
            throw .inputShapeMismatch(expected: expected, found: shape)
        }
    }

    /// Grid coordinates as `[B, d, n₁, …, n_d]`: `x_i = i/(n − 1)` (`.closedInterval`) or `i/n` (`.periodic`).
    public static func gridCoordinates(batch: Int, spatialSize: [Int], convention: FNOGridConvention = .closedInterval) -> Tensor<Scalar> {
        let d = spatialSize.count
        let count = spatialSize.reduce(1, *)
        let strides = Tensor<Scalar>.contiguousStrides(for: spatialSize)
        var one = [Scalar](repeating: 0, count: d * count)
        for axis in 0..<d {
            let n = spatialSize[axis]
            let scale: Scalar
            switch convention {
            case .closedInterval: scale = n > 1 ? 1 / Scalar(n - 1) : 0
            case .periodic: scale = 1 / Scalar(n)
            }
            for flat in 0..<count {
                one[axis * count + flat] = Scalar((flat / strides[axis]) % n) * scale
            }
        }
        var all: [Scalar] = []
        all.reserveCapacity(batch * d * count)
        for _ in 0..<batch { all.append(contentsOf: one) }
        return Tensor(uncheckedShape: [batch, d] + spatialSize, scalars: all)
    }

    /// Applies the network (building a graph when recording).
    ///
    /// - Precondition: ``validate(inputShape:)`` accepts `input.shape`; rank and channels are checked
    ///   here (a trap), the grid is not. Inputs a user supplies go through a checked entry first:
    ///   ``predict(_:)``, or `TrainedModel.predict` / `evaluate`, the trainers and the C API.
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        let c = configuration, d = c.spatialDimensions
        precondition(input.rank == d + 2 && input.shape[1] == c.inputChannels,
                     "FourierNeuralOperator expects [B, \(c.inputChannels), \(d) spatial axes], got \(input.shape)")
        let batch = input.shape[0]
        let spatial = Array(input.shape.suffix(d))
        var x = input
        if c.appendGrid {
            x = Variable.concatenated([x, Variable(Self.gridCoordinates(batch: batch, spatialSize: spatial, convention: c.gridConvention))], alongAxis: 1)
        }
        x = lifting(x)
        let padding = self.padding(spatialSize: spatial)
        let isPadded = (padding.before + padding.after).contains { $0 > 0 }
        if isPadded {
            x = x.padded(before: [0, 0] + padding.before, after: [0, 0] + padding.after)
        }
        for index in 0..<c.layerCount {
            let isLast = index == c.layerCount - 1
            let blockInput = x
            // v ← σ(K v + W v + c): the spectral convolution enters the skip GEMM as its addend.
            let spectral = spectralLayers[index], skip = skipLayers[index]
            let kernelPart = Variable.spectralConvolution(x, weights: spectral.flatWeights, modes: c.modes)
            let bias: Variable<Scalar>?
            switch (spectral.bias, skip.bias) {
            case let (a?, b?): bias = a.variable + b.variable
            case let (a?, nil): bias = a.variable
            case let (nil, b?): bias = b.variable
            case (nil, nil): bias = nil
            }
            x = Variable.pointwiseAffine(x, weight: skip.weight.variable, bias: bias, addend: kernelPart)
            if !isLast { x = c.activation.applyFused(x) }
            if c.useChannelMLP {
                // v ← MLP(v) + g ⊙ v_in: the gated skip enters the MLP's last GEMM as its addend.
                let mlp = channelMLPs[index]
                var h = x
                for (layerIndex, layer) in mlp.layers.enumerated() {
                    if layerIndex < mlp.layers.count - 1 {
                        h = c.activation.applyFused(Variable.pointwiseAffine(h, weight: layer.weight.variable, bias: layer.bias?.variable))
                    } else {
                        h = Variable.pointwiseAffine(h, weight: layer.weight.variable, bias: layer.bias?.variable,
                                                     addend: blockInput, addendGate: gates[index].variable)
                    }
                }
                x = h
                if !isLast { x = c.activation.applyFused(x) }
            }
        }
        if isPadded {
            x = x.sliced([nil, nil] + zip(padding.before, spatial).map { $0..<($0 + $1) })
        }
        return projection(x)
    }

    public func visitParameters(prefix: String, _ visit: (String, Parameter<Scalar>) -> Void) {
        lifting.visitParameters(prefix: parameterPath(prefix, "lifting"), visit)
        for index in 0..<configuration.layerCount {
            let block = parameterPath(prefix, "blocks.\(index)")
            spectralLayers[index].visitParameters(prefix: parameterPath(block, "spectral"), visit)
            skipLayers[index].visitParameters(prefix: parameterPath(block, "skip"), visit)
            if configuration.useChannelMLP {
                channelMLPs[index].visitParameters(prefix: parameterPath(block, "mlp"), visit)
                visit(parameterPath(block, "gate"), gates[index])
            }
        }
        projection.visitParameters(prefix: parameterPath(prefix, "projection"), visit)
    }

    /// Applies the model to a constant input after checking its shape (inference; no graph is built).
    public func predict(_ input: Tensor<Scalar>) throws(FNOError) -> Tensor<Scalar> {
        try validate(inputShape: input.shape)
        return inference(input)
    }
}
