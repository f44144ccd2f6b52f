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

    /// - Parameters:
    ///   - modes: Modes kept per spatial axis (1 to 3 entries); an axis of size `n` needs `2m ≤ n`
    ///     (last axis: `m ≤ n/2 + 1`).
    ///   - useBias: Add a learned per-channel bias (as neuraloperator's SpectralConv does).
    ///   - generator: Weights are `N(0, σ²)` per real and imaginary part, `σ = √(1/(C_in + C_out))`,
    ///     so that a complex weight has variance `2/(C_in + C_out)` (Glorot's).
    public init(inputChannels: Int, outputChannels: Int, modes: [Int], useBias: Bool = true,
                generator: inout SeededRandomNumberGenerator) {
        precondition((1...3).contains(modes.count) && modes.allSatisfy { $0 > 0 }, "SpectralConvolution: modes \(modes)")
        self.modes = modes
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        let modeShape = modes.enumerated().map { $0.offset == modes.count - 1 ? $0.element : 2 * $0.element }
        let deviation = Scalar((1 / Double(inputChannels + outputChannels)).squareRoot())
        weight = Parameter(.normal(modeShape + [inputChannels, outputChannels, 2], standardDeviation: deviation, using: &generator))
        bias = useBias ? Parameter(.zeros([outputChannels])) : nil
    }

    /// Number of spatial axes.
    public var spatialDimensions: Int { modes.count }

    /// Whether a grid of `spatialSize` can carry this layer's modes.
    public func supports(spatialSize: [Int]) -> Bool {
        guard spatialSize.count == modes.count else { return false }
        for axis in 0..<modes.count {
            if axis == modes.count - 1 { if modes[axis] > spatialSize[axis] / 2 + 1 { return false } }
            else if 2 * modes[axis] > spatialSize[axis] { return false }
        }
        return true
    }

    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        let d = spatialDimensions
        precondition(input.rank == d + 2 && input.shape[1] == inputChannels,
                     "SpectralConvolution expects [B, \(inputChannels), \(d) spatial axes], got \(input.shape)")
        let spatial = Array(input.shape.suffix(d))
        precondition(supports(spatialSize: spatial), "SpectralConvolution: grid \(spatial) too small for modes \(modes)")
        let output = Variable.spectralConvolution(input, weights: flatWeights, modes: modes)
        guard let bias else { return output }
        return output + bias.variable.reshaped([outputChannels] + [Int](repeating: 1, count: d))
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
