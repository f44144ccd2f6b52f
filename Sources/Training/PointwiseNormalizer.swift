import TensorCore

/// Pointwise unit-Gaussian normalization, `x̂ = (x − μ)/(σ + ε)` with `μ`, `σ` per grid point over the
/// training samples (as in the FNO reference code).
///
/// Datasets' `UnitGaussianNormalizer` holds the same statistics for data files; this one also
/// resamples its statistics to another grid (`resampled(to:)`), which zero-shot super-resolution in
/// `TrainedModel` needs, and stores them as tensors in the checkpoint.
struct PointwiseNormalizer<Scalar: TensorScalar>: Sendable {
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

extension PointwiseNormalizer {
    /// The statistics on another grid of the same rank (nearest neighbour), or self on the same grid.
    func resampled(to shape: [Int]) -> PointwiseNormalizer {
        let target = [1] + Array(shape.dropFirst())
        if target == mean.shape { return self }
        precondition(target.count == mean.rank && target[1] == mean.shape[1], "normalizer of \(mean.shape) for data \(shape)")
        let spatial = Array(target.dropFirst(2)), source = Array(mean.shape.dropFirst(2))
        let maps = [[0], Array(0..<target[1])] + zip(spatial, source).map { fine, coarse in
            (0..<fine).map { min(coarse - 1, Int((Double($0) + 0.5) * Double(coarse) / Double(fine))) }
        }
        return PointwiseNormalizer(mean: mean.gathered(indexMaps: maps), standardDeviation: standardDeviation.gathered(indexMaps: maps))
    }
}
