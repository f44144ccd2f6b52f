/// Sums, means, extrema and norms, over all elements or along axes.
extension Tensor {
    /// Sum of all elements (accumulated in the tensor's precision, pairwise by blocks).
    @inlinable
    public func sum() -> Scalar {
        scalars.withUnsafeBufferPointer { buffer in
            var total: Scalar = 0
            var start = 0
            while start < buffer.count {
                let end = Swift.min(start + 4096, buffer.count)
                var partial: Scalar = 0
                for i in start..<end { partial += buffer[i] }
                total += partial
                start = end
            }
            return total
        }
    }

    /// Mean of all elements.
    @inlinable
    public func mean() -> Scalar { count == 0 ? 0 : sum() / Scalar(count) }

    /// Largest element.
    @inlinable
    public func maximum() -> Scalar { scalars.max() ?? -.infinity }

    /// Smallest element.
    @inlinable
    public func minimum() -> Scalar { scalars.min() ?? .infinity }

    /// Euclidean norm of all elements, `sqrt(Σ xᵢ²)`.
    @inlinable
    public func l2Norm() -> Scalar {
        scalars.withUnsafeBufferPointer { buffer in
            var total: Scalar = 0
            for value in buffer { total += value * value }
            return total.squareRoot()
        }
    }

    /// Sum along one axis.
    ///
    /// Viewing the tensor as `[outer, n, inner]` around `axis`, the result is `[outer, inner]`
    /// (or `[outer, 1, inner]` with `keepingDimension`).
    @inlinable
    public func sum(alongAxis axis: Int, keepingDimension: Bool = false) -> Tensor {
        let axis = normalizedAxis(axis)
        let n = shape[axis]
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        var resultShape = shape
        if keepingDimension { resultShape[axis] = 1 } else { resultShape.remove(at: axis) }
        return Tensor(shape: resultShape) { out in
            scalars.withUnsafeBufferPointer { input in
                for o in 0..<outer {
                    let destination = o * inner
                    for j in 0..<inner { out[destination + j] = 0 }
                    for k in 0..<n {
                        let source = (o * n + k) * inner
                        for j in 0..<inner { out[destination + j] += input[source + j] }
                    }
                }
            }
        }
    }

    /// Sum along several axes.
    @inlinable
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let normalized = Set(axes.map { normalizedAxis($0) }).sorted(by: >)
        var result = self
        for axis in normalized { result = result.sum(alongAxis: axis, keepingDimension: keepingDimensions) }
        return result
    }

    /// Mean along one axis.
    @inlinable
    public func mean(alongAxis axis: Int, keepingDimension: Bool = false) -> Tensor {
        let n = shape[normalizedAxis(axis)]
        return sum(alongAxis: axis, keepingDimension: keepingDimension) * (1 / Scalar(n))
    }

    /// Sums a broadcast result back to `targetShape` (the adjoint of broadcasting to this shape).
    @inlinable
    public func summed(toShape targetShape: [Int]) -> Tensor {
        if shape == targetShape { return self }
        precondition(targetShape.count <= rank, "summed(toShape:): \(targetShape) has higher rank than \(shape)")
        var result = self
        let leading = rank - targetShape.count
        for _ in 0..<leading { result = result.sum(alongAxis: 0) }
        for axis in 0..<targetShape.count where targetShape[axis] == 1 && result.shape[axis] != 1 {
            result = result.sum(alongAxis: axis, keepingDimension: true)
        }
        precondition(result.shape == targetShape, "summed(toShape:): cannot reduce \(shape) to \(targetShape)")
        return result
    }
}
