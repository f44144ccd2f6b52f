import TensorCore

/// Pointwise unit-Gaussian normalization, `x̂ = (x − μ)/(σ + ε)` with `μ`, `σ` per grid point over the
/// training samples (as in the FNO reference code). Temporary: replaced by the Datasets module's
/// normalizer when it lands.
struct TemporaryNormalizer<Scalar: TensorScalar>: Sendable {
    /// `[1, rest…]` mean and standard deviation.
    var mean: Tensor<Scalar>
    var standardDeviation: Tensor<Scalar>
    var epsilon: Scalar = 1e-5

    /// Statistics over the first axis of `data` (`[N, rest…]`).
    init(fitting data: Tensor<Scalar>) {
        let count = data.shape[0]
        let rest = Array(data.shape.dropFirst())
        let per = rest.reduce(1, *)
        var mean = [Double](repeating: 0, count: per), squares = [Double](repeating: 0, count: per)
        data.scalars.withUnsafeBufferPointer { buffer in
            for n in 0..<count { for i in 0..<per { mean[i] += Double(buffer[n * per + i]) } }
            for i in 0..<per { mean[i] /= Double(max(count, 1)) }
            for n in 0..<count { for i in 0..<per { let d = Double(buffer[n * per + i]) - mean[i]; squares[i] += d * d } }
        }
        // Unbiased, as torch.std.
        let deviation = squares.map { ($0 / Double(max(count - 1, 1))).squareRoot() }
        self.mean = Tensor(uncheckedShape: [1] + rest, scalars: mean.map { Scalar($0) })
        self.standardDeviation = Tensor(uncheckedShape: [1] + rest, scalars: deviation.map { Scalar($0) })
    }

    init(mean: Tensor<Scalar>, standardDeviation: Tensor<Scalar>) {
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    func encode(_ x: Tensor<Scalar>) -> Tensor<Scalar> { (x - mean) / (standardDeviation + epsilon) }
    func decode(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x * (standardDeviation + epsilon) + mean }
}
