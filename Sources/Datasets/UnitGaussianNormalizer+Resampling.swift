import TensorCore

extension UnitGaussianNormalizer {
    /// The statistics for data of `shape` (`[N, C, grid…]`) on another grid of the same rank, by
    /// linear interpolation along every grid axis (axis ≥ 2) whose size differs; self on the same grid.
    /// Axes the statistics reduced (size 1: per channel, global) broadcast and stay 1.
    ///
    /// Relation to a direct fit on the other grid: where μ and σ are affine along an axis (fields
    /// `c_n (1 + x) + e x`, say) the two agree to rounding; for smooth statistics they differ by at most
    /// h²/8 · max|f''| (the linear interpolation error, h the coarse spacing) at interior points.
    ///
    /// - Precondition: `shape` has the statistics' rank and channel count (a model checks its input first).
    public func resampled(to shape: [Int]) -> UnitGaussianNormalizer {
        precondition(shape.count == mean.rank && shape.count >= 2 && (mean.shape[1] == 1 || shape[1] == mean.shape[1]),
                     "normalizer of \(mean.shape) for data \(shape)")
        var target = mean.shape
        for axis in 2..<target.count where target[axis] != 1 { target[axis] = shape[axis] }
        if target == mean.shape { return self }
        var resampledMean = mean, resampledDeviation = standardDeviation
        for axis in 2..<target.count where target[axis] != mean.shape[axis] {
            resampledMean = Self.interpolated(resampledMean, axis: axis, to: target[axis])
            resampledDeviation = Self.interpolated(resampledDeviation, axis: axis, to: target[axis])
        }
        return UnitGaussianNormalizer(mean: resampledMean, standardDeviation: resampledDeviation, epsilon: epsilon)
    }

    /// Linear interpolation of `tensor` along `axis` from c to f points.
    ///
    /// A grid with both ends (f − 1 divisible by c − 1, as FNO's Darcy files) maps fine point i to
    /// t = i (c − 1)/(f − 1); otherwise the grid is taken as periodic, t = i c / f, wrapping at the end.
    /// v_f(i) = (1 − w) v_c(⌊t⌋) + w v_c(⌊t⌋ + 1), w = t − ⌊t⌋. Nearest-neighbour copies would turn the
    /// statistics into a staircase whose jumps the H1 norm amplifies (relative H1 1.39 at 2x on the main
    /// job's data, against 0.04 for interpolation).
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
