import TensorCore
import AutoDiff

/// A Fourier layer's spectral convolution over the last 1, 2 or 3 axes (channels first).
///
/// For `x: [B, C_in, n₁, …, n_d]`, with `F` the real FFT over the spatial axes and `R_k ∈ ℂ^{C_in×C_out}`
/// learned weights on the retained low modes `K` (the lowest `m_i` positive and negative
/// frequencies along every axis but the last, the lowest `m_d` along the last, which the half
/// spectrum stores once):
/// ```
/// y = F⁻¹( k ↦ 1_K(k) · F(x)_k R_k ) + b
/// ```
/// The output has the input's spatial size, whatever it is (resolution-independent: the same
/// weights apply on a finer grid, which is what zero-shot super-resolution uses).
/// Weights are stored as `[2m₁, …, 2m_{d−1}, m_d, C_in, C_out, 2]` (interleaved complex).
/// On a grid with an odd leading axis, `modeConvention` says where the products land
/// (`SpectralModeConvention`: PDEKit's own, or neuraloperator's, one frequency lower).
///
/// Complexity: two FFTs per channel plus one `[B, C_in] × [C_in, C_out]` complex GEMM per mode.
/// Reference: Li et al., "Fourier Neural Operator for Parametric Partial Differential Equations",
/// ICLR 2021, eqs. (4)–(5).
public struct SpectralConvolution<Scalar: TensorScalar>: Layer {
    /// Complex mode weights `[2m₁, …, 2m_{d−1}, m_d, C_in, C_out, 2]`.
    public let weight: Parameter<Scalar>
    /// Per-output-channel bias `[C_out]`, or nil.
    public let bias: Parameter<Scalar>?
    /// Retained modes per spatial axis (`m₁ … m_d`).
    public let modes: [Int]
    public let inputChannels: Int
    public let outputChannels: Int
    /// Where the products land on grids with an odd leading axis.
    public let modeConvention: SpectralModeConvention

    /// - Parameters:
    ///   - modes: Modes kept per spatial axis (1 to 3 entries); an axis of size `n` needs `2m ≤ n`
    ///     (last axis: `m ≤ n/2 + 1`).
    ///   - useBias: Add a learned per-channel bias (as neuraloperator's SpectralConv does).
    ///   - modeConvention: Where the products land on grids with an odd leading axis.
    ///   - generator: Weights are `N(0, σ²)` per real and imaginary part, `σ = √(1/(C_in + C_out))`,
    ///     so that a complex weight has variance `2/(C_in + C_out)` (Glorot's).
    public init(inputChannels: Int, outputChannels: Int, modes: [Int], useBias: Bool = true,
                modeConvention: SpectralModeConvention = .pdekit, generator: inout SeededRandomNumberGenerator) {
        precondition((1...3).contains(modes.count) && modes.allSatisfy { $0 > 0 }, "SpectralConvolution: modes \(modes)")
        self.modes = modes
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.modeConvention = modeConvention
        let modeShape = modes.enumerated().map { $0.offset == modes.count - 1 ? $0.element : 2 * $0.element }
        let deviation = Scalar((1 / Double(inputChannels + outputChannels)).squareRoot())
        weight = Parameter(.normal(modeShape + [inputChannels, outputChannels, 2], standardDeviation: deviation, using: &generator))
        bias = useBias ? Parameter(.zeros([outputChannels])) : nil
    }

    /// Number of spatial axes.
    public var spatialDimensions: Int { modes.count }

    /// Whether a grid of `spatialSize` can carry this layer's modes.
    public func supports(spatialSize: [Int]) -> Bool { Self.supports(modes: modes, spatialSize: spatialSize) }

    /// Whether a grid of `spatialSize` can carry `modes`: `2m ≤ n` along every axis but the last, `m ≤ n/2 + 1` along it.
    public static func supports(modes: [Int], spatialSize: [Int]) -> Bool {
        guard spatialSize.count == modes.count else { return false }
        for axis in 0..<modes.count {
            if axis == modes.count - 1 { if modes[axis] > spatialSize[axis] / 2 + 1 { return false } }
            else if 2 * modes[axis] > spatialSize[axis] { return false }
        }
        return true
    }

    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        let output = withoutBias(input)
        guard let bias else { return output }
        return output + bias.variable.reshaped([outputChannels] + [Int](repeating: 1, count: spatialDimensions))
    }

    /// `F⁻¹(1_K · (F x) R)` without the bias, products placed by `modeConvention` (an FNO block adds
    /// the bias in its skip GEMM).
    public func withoutBias(_ input: Variable<Scalar>) -> Variable<Scalar> {
        let d = spatialDimensions
        precondition(input.rank == d + 2 && input.shape[1] == inputChannels,
                     "SpectralConvolution expects [B, \(inputChannels), \(d) spatial axes], got \(input.shape)")
        let spatial = Array(input.shape.suffix(d))
        precondition(supports(spatialSize: spatial), "SpectralConvolution: grid \(spatial) too small for modes \(modes)")
        let shifts = modeConvention.outputFrequencyShifts(spatialSize: spatial)
        return shifts.allSatisfy({ $0 == 0 })
            ? Variable.spectralConvolution(input, weights: flatWeights, modes: modes)
            : shiftedSpectralConvolution(input, spatialSize: spatial, outputFrequencyShifts: shifts)
    }

    /// `F⁻¹(S(1_K · (F x) R))` with `S` moving the products by `shifts[axis]` frequencies along each
    /// axis (`Y_{k+s} = Z_k`, periodic in the axis's size), composed of differentiable operations
    /// (full real FFTs, the mode product, a gather and the inverse FFT, which takes the Hermitian part
    /// of the edge planes as neuraloperator's `irfftn` does), so every derivative is exact.
    func shiftedSpectralConvolution(_ input: Variable<Scalar>, spatialSize spatial: [Int], outputFrequencyShifts shifts: [Int]) -> Variable<Scalar> {
        let d = spatialDimensions
        var spectralSizes = spatial
        spectralSizes[d - 1] = spatial[d - 1] / 2 + 1
        let offsets = Tensor<Scalar>.retainedModeOffsets(spectralSizes: spectralSizes, modes: modes)
        let mixed = Variable.spectralMixing(input.rfft(dimensionCount: d), flatWeights, modeOffsets: offsets)
        var indexMaps = mixed.shape.map { Array(0..<$0) }
        for axis in 0..<d where shifts[axis] != 0 {
            let n = spectralSizes[axis]
            indexMaps[2 + axis] = (0..<n).map { k in ((k - shifts[axis]) % n + n) % n }
        }
        return mixed.gathered(indexMaps: indexMaps).irfft(dimensionCount: d, lastSize: spatial[d - 1])
    }

    /// The weights as `[K, C_in, C_out, 2]`, one complex matrix per retained mode (a tracked view of `weight`).
    public var flatWeights: Variable<Scalar> {
        weight.variable.reshaped([weight.value.count / (2 * inputChannels * outputChannels), inputChannels, outputChannels, 2])
    }

    public func visitParameters(prefix: String, _ visit: (String, Parameter<Scalar>) -> Void) {
        visit(parameterPath(prefix, "weight"), weight)
        if let bias { visit(parameterPath(prefix, "bias"), bias) }
    }
}
