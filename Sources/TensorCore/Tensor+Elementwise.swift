/// Elementwise arithmetic with NumPy broadcasting, and elementwise functions.
///
/// Broadcasting aligns shapes at their trailing dimensions; a dimension of size 1 (or a missing
/// leading dimension) is repeated to match the other operand.
extension Tensor {
    /// The broadcast shape of two shapes.
    /// - Throws: `TensorError.incompatibleShapes` when a pair of dimensions differs and neither is 1.
    @inlinable
    public static func broadcastShape(_ a: [Int], _ b: [Int]) throws -> [Int] {
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { result[i] = da }
            else if da == 1 { result[i] = db }
            else { throw TensorError.incompatibleShapes(operation: "broadcast", a, b) }
        }
        return result
    }

    /// Strides of `shape` seen inside `outputShape`: 0 on broadcast dimensions.
    @inlinable
    static func broadcastStrides(of shape: [Int], in outputShape: [Int]) -> [Int] {
        let own = contiguousStrides(for: shape)
        let offset = outputShape.count - shape.count
        var result = [Int](repeating: 0, count: outputShape.count)
        for axis in 0..<shape.count where shape[axis] != 1 {
            result[axis + offset] = own[axis]
        }
        return result
    }

    /// Applies `operation` elementwise with broadcasting.
    @inlinable
    public static func broadcasting(
        _ a: Tensor, _ b: Tensor, _ operation: (Scalar, Scalar) -> Scalar
    ) -> Tensor {
        if a.shape == b.shape {
            return Tensor(shape: a.shape) { out in
                a.scalars.withUnsafeBufferPointer { pa in
                    b.scalars.withUnsafeBufferPointer { pb in
                        for i in 0..<out.count { out[i] = operation(pa[i], pb[i]) }
                    }
                }
            }
        }
        let outputShape: [Int]
        do { outputShape = try broadcastShape(a.shape, b.shape) } catch {
            preconditionFailure("\(error)")
        }
        if b.count == 1 && outputShape == a.shape {
            let value = b.scalars[0]
            return Tensor(shape: a.shape) { out in
                a.scalars.withUnsafeBufferPointer { pa in
                    for i in 0..<out.count { out[i] = operation(pa[i], value) }
                }
            }
        }
        if a.count == 1 && outputShape == b.shape {
            let value = a.scalars[0]
            return Tensor(shape: b.shape) { out in
                b.scalars.withUnsafeBufferPointer { pb in
                    for i in 0..<out.count { out[i] = operation(value, pb[i]) }
                }
            }
        }
        let stridesA = broadcastStrides(of: a.shape, in: outputShape)
        let stridesB = broadcastStrides(of: b.shape, in: outputShape)
        let rank = outputShape.count
        let inner = rank == 0 ? 1 : outputShape[rank - 1]
        let innerStrideA = rank == 0 ? 0 : stridesA[rank - 1]
        let innerStrideB = rank == 0 ? 0 : stridesB[rank - 1]
        let rows = inner == 0 ? 0 : outputShape.reduce(1, *) / inner
        return Tensor(shape: outputShape) { out in
            a.scalars.withUnsafeBufferPointer { pa in
                b.scalars.withUnsafeBufferPointer { pb in
                    var index = [Int](repeating: 0, count: max(rank - 1, 0))
                    var offsetA = 0, offsetB = 0
                    for row in 0..<rows {
                        let base = row * inner
                        for j in 0..<inner {
                            out[base + j] = operation(pa[offsetA + j * innerStrideA], pb[offsetB + j * innerStrideB])
                        }
                        // Advance the odometer over the leading dimensions.
                        var axis = rank - 2
                        while axis >= 0 {
                            index[axis] += 1
                            offsetA += stridesA[axis]
                            offsetB += stridesB[axis]
                            if index[axis] < outputShape[axis] { break }
                            offsetA -= stridesA[axis] * outputShape[axis]
                            offsetB -= stridesB[axis] * outputShape[axis]
                            index[axis] = 0
                            axis -= 1
                        }
                    }
                }
            }
        }
    }

    /// Applies `transform` to every element.
    @inlinable
    public func map(_ transform: (Scalar) -> Scalar) -> Tensor {
        Tensor(shape: shape) { out in
            scalars.withUnsafeBufferPointer { input in
                for i in 0..<out.count { out[i] = transform(input[i]) }
            }
        }
    }

    @inlinable public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { broadcasting(lhs, rhs, +) }
    @inlinable public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { broadcasting(lhs, rhs, -) }
    @inlinable public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { broadcasting(lhs, rhs, *) }
    @inlinable public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { broadcasting(lhs, rhs, /) }
    @inlinable public static func + (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 + rhs } }
    @inlinable public static func - (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 - rhs } }
    @inlinable public static func * (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 * rhs } }
    @inlinable public static func * (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.map { lhs * $0 } }
    @inlinable public static func / (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 / rhs } }
    @inlinable public static prefix func - (operand: Tensor) -> Tensor { operand.map { -$0 } }

    /// `self += other` elementwise; shapes must be equal.
    @inlinable
    public mutating func addInPlace(_ other: Tensor, scaledBy factor: Scalar = 1) {
        precondition(shape == other.shape, "addInPlace: shapes \(shape) and \(other.shape) differ")
        scalars.withUnsafeMutableBufferPointer { destination in
            other.scalars.withUnsafeBufferPointer { source in
                for i in 0..<destination.count { destination[i] += factor * source[i] }
            }
        }
    }
}
