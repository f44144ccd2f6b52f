import TensorCore

/// Point-wise standardization over the sample axis, as in the FNO experiments:
/// ```
/// μ(x) = (1/N) Σₙ aₙ(x),   σ(x) = sqrt( (1/(N−1)) Σₙ (aₙ(x) − μ(x))² )
/// encode(a)(x) = (a(x) − μ(x)) / (σ(x) + ε),   decode(z)(x) = z(x) (σ(x) + ε) + μ(x)
/// ```
/// `μ` and `σ` have the shape of one sample; encode and decode accept a single sample or a batch
/// with samples along axis 0. σ uses the unbiased (N − 1) estimate, like `torch.std`; ε = 1e-5.
///
/// References: Li et al., "Fourier Neural Operator for Parametric Partial Differential
/// Equations", ICLR 2021 (utilities: `UnitGaussianNormalizer`).
public struct UnitGaussianNormalizer<Scalar: TensorScalar>: Codable, Sendable, Equatable {
    /// Shape of one sample.
    public let sampleShape: [Int]
    /// Point-wise mean μ, row-major over `sampleShape`.
    public let mean: [Scalar]
    /// Point-wise standard deviation σ.
    public let standardDeviation: [Scalar]
    /// ε added to σ so constant points do not divide by zero.
    public let epsilon: Scalar

    /// Fits μ and σ to `samples` of shape `[N] + sampleShape` (N ≥ 2).
    public init(fitting samples: Tensor<Scalar>, epsilon: Scalar = 1e-5) throws {
        guard let n = samples.shape.first, n >= 2 else {
            throw DatasetError.shapeMismatch(path: "<normalizer>", detail: "fitting a normalizer needs at least 2 samples along axis 0, shape is \(samples.shape)")
        }
        let size = samples.shape.dropFirst().reduce(1, *)
        var mean = [Double](repeating: 0, count: size)
        var squares = [Double](repeating: 0, count: size)
        samples.scalars.withUnsafeBufferPointer { values in
            for sample in 0..<n {
                for point in 0..<size { mean[point] += Double(values[sample * size + point]) }
            }
            for point in 0..<size { mean[point] /= Double(n) }
            for sample in 0..<n {
                for point in 0..<size {
                    let deviation = Double(values[sample * size + point]) - mean[point]
                    squares[point] += deviation * deviation
                }
            }
        }
        self.sampleShape = Array(samples.shape.dropFirst())
        self.mean = mean.map { Scalar($0) }
        self.standardDeviation = squares.map { Scalar(($0 / Double(n - 1)).squareRoot()) }
        self.epsilon = epsilon
    }

    /// (a − μ) / (σ + ε) for one sample or a batch.
    public func encode(_ tensor: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try apply(tensor) { value, mean, scale in (value - mean) / scale }
    }

    /// z (σ + ε) + μ for one sample or a batch.
    public func decode(_ tensor: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try apply(tensor) { value, mean, scale in value * scale + mean }
    }

    private func apply(_ tensor: Tensor<Scalar>, _ transform: (Scalar, Scalar, Scalar) -> Scalar) throws -> Tensor<Scalar> {
        let batched = tensor.shape.count == sampleShape.count + 1 && Array(tensor.shape.dropFirst()) == sampleShape
        guard batched || tensor.shape == sampleShape else {
            throw DatasetError.shapeMismatch(path: "<normalizer>", detail: "tensor of shape \(tensor.shape) does not match samples of shape \(sampleShape)")
        }
        let size = mean.count
        let scale = standardDeviation.map { $0 + epsilon }
        return Tensor(shape: tensor.shape, initializingWith: { output in
            tensor.scalars.withUnsafeBufferPointer { input in
                for index in 0..<input.count {
                    let point = size == 0 ? 0 : index % size
                    output[index] = transform(input[index], mean[point], scale[point])
                }
            }
        })
    }
}
