import TensorCore

/// Pointwise unit-Gaussian normalization, `x̂ = (x − μ)/(σ + ε)` with `μ`, `σ` per grid point over the
/// training samples (as in the FNO reference code).
///
/// Datasets' `UnitGaussianNormalizer` holds the same statistics for data files; this one also
/// resamples its statistics to another grid (`resampled(to:)`), which zero-shot super-resolution in
/// `TrainedModel` needs, and stores them as tensors in the checkpoint.
public struct PointwiseNormalizer<Scalar: TensorScalar>: Sendable {
    /// `[1, rest…]` mean and standard deviation.
    public var mean: Tensor<Scalar>
    public var standardDeviation: Tensor<Scalar>
    public var epsilon: Scalar = 1e-5

    /// Statistics over the first axis of `data` (`[N, rest…]`).
    public init(fitting data: Tensor<Scalar>) {
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

    public init(mean: Tensor<Scalar>, standardDeviation: Tensor<Scalar>) {
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    public func encode(_ x: Tensor<Scalar>) -> Tensor<Scalar> { (x - mean) / (standardDeviation + epsilon) }
    public func decode(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x * (standardDeviation + epsilon) + mean }
}

extension PointwiseNormalizer {
    /// The statistics on another grid of the same rank (linear interpolation per axis), or self on the same grid.
    public func resampled(to shape: [Int]) -> PointwiseNormalizer {
        let target = [1] + Array(shape.dropFirst())
        if target == mean.shape { return self }
        precondition(target.count == mean.rank && target[1] == mean.shape[1], "normalizer of \(mean.shape) for data \(shape)")
        var resampledMean = mean, resampledDeviation = standardDeviation
        for axis in 2..<target.count where target[axis] != mean.shape[axis] {
            resampledMean = Self.interpolated(resampledMean, axis: axis, to: target[axis])
            resampledDeviation = Self.interpolated(resampledDeviation, axis: axis, to: target[axis])
        }
        return PointwiseNormalizer(mean: resampledMean, standardDeviation: resampledDeviation)
    }

    /// Linear interpolation of `tensor` along `axis` from c to f points.
    ///
    /// A grid with both ends (f − 1 divisible by c − 1, as FNO's Darcy files) maps fine point i to
    /// t = i (c − 1)/(f − 1); otherwise the grid is taken as periodic, t = i c / f, wrapping at the end.
    /// v_f(i) = (1 − w) v_c(⌊t⌋) + w v_c(⌊t⌋ + 1), w = t − ⌊t⌋. Nearest-neighbour copies would turn the
    /// statistics into a staircase whose jumps the H1 norm amplifies (relative H1 1.39 at 2x on the main job's
    /// data, against 0.04 for interpolation).
    static func interpolated(_ tensor: Tensor<Scalar>, axis: Int, to fine: Int) -> Tensor<Scalar> {
        let coarse = tensor.shape[axis]
        var lower = [Int](repeating: 0, count: fine), upper = lower, weights = [Scalar](repeating: 0, count: fine)
        let bothEnds = coarse > 1 && fine > 1 && (fine - 1) % (coarse - 1) == 0
        for i in 0..<fine {
            let t = bothEnds ? Double(i) * Double(coarse - 1) / Double(fine - 1) : Double(i) * Double(coarse) / Double(fine)
            let lo = min(Int(t), coarse - 1)
            lower[i] = lo
            upper[i] = bothEnds ? min(lo + 1, coarse - 1) : (lo + 1) % coarse
            weights[i] = Scalar(t - Double(lo))
        }
        func maps(_ along: [Int]) -> [[Int]] {
            tensor.shape.enumerated().map { index, size in index == axis ? along : Array(0..<size) }
        }
        var weightShape = [Int](repeating: 1, count: tensor.rank)
        weightShape[axis] = fine
        let w = Tensor<Scalar>(uncheckedShape: weightShape, scalars: weights)
        let one = Tensor<Scalar>(uncheckedShape: weightShape, scalars: [Scalar](repeating: 1, count: fine))
        return tensor.gathered(indexMaps: maps(lower)) * (one - w) + tensor.gathered(indexMaps: maps(upper)) * w
    }
}
