import TensorCore

extension UnitGaussianNormalizer where Scalar == Float {
    /// Pointwise statistics of data seen one chunk of samples at a time, equal bit for bit to
    /// `init(fitting:)` (`.pointwise`, `.unbiased`, `.epsilon(1e-5)`) on all the chunks stacked: sums in
    /// Double in sample order, the mean first, then the squared deviations in a second pass.
    public struct StreamingFit {
        let sampleShape: [Int]
        var sums: [Double], squares: [Double]
        var samples = 0
        var meanDone = false

        /// Statistics of samples shaped `sampleShape` (`[C, grid…]`).
        public init(sampleShape: [Int]) {
            self.sampleShape = sampleShape
            let size = sampleShape.reduce(1, *)
            sums = [Double](repeating: 0, count: size)
            squares = [Double](repeating: 0, count: size)
        }

        /// First pass: adds the samples of `chunk` (`[n] + sampleShape`, finite) to the mean.
        public mutating func accumulateMean(_ chunk: Tensor<Float>) {
            precondition(!meanDone && Array(chunk.shape.dropFirst()) == sampleShape, "chunk \(chunk.shape) after the mean or not of \(sampleShape)")
            let size = sums.count
            chunk.scalars.withUnsafeBufferPointer { values in
                for row in 0..<chunk.shape[0] { for i in 0..<size { sums[i] += Double(values[row * size + i]) } }
            }
            samples += chunk.shape[0]
        }

        /// Ends the first pass.
        public mutating func finishMean() {
            for i in sums.indices { sums[i] /= Double(max(samples, 1)) }
            meanDone = true
        }

        /// Second pass: the same chunks again, in the same order.
        public mutating func accumulateDeviations(_ chunk: Tensor<Float>) {
            precondition(meanDone, "deviations before the mean")
            let size = sums.count
            chunk.scalars.withUnsafeBufferPointer { values in
                for row in 0..<chunk.shape[0] {
                    for i in 0..<size {
                        let deviation = Double(values[row * size + i]) - sums[i]
                        squares[i] += deviation * deviation
                    }
                }
            }
        }

        /// The normalizer, statistics shaped `[1] + sampleShape`.
        public var normalizer: UnitGaussianNormalizer<Float> {
            let divisor = Double(max(samples - 1, 1))
            return UnitGaussianNormalizer(mean: Tensor(uncheckedShape: [1] + sampleShape, scalars: sums.map { Float($0) }),
                                          standardDeviation: Tensor(uncheckedShape: [1] + sampleShape, scalars: squares.map { Float(($0 / divisor).squareRoot()) }),
                                          epsilon: 1e-5)
        }
    }
}
