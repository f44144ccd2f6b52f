/// Reshape, permute, concatenate and broadcast.
extension Tensor {
    /// The same elements with a new shape. One dimension may be `-1` (inferred).
    /// - Throws: `TensorError.elementCountMismatch` when the counts differ.
    @inlinable
    public func reshaped(to newShape: [Int]) throws -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            guard known > 0, count % known == 0 else {
                throw TensorError.elementCountMismatch(shape: newShape, count: count)
            }
            resolved[inferred] = count / known
        }
        return try Tensor(shape: resolved, scalars: scalars)
    }

    /// `reshaped(to:)` for shapes computed by code (traps on mismatch).
    @inlinable
    public func reshaped(_ newShape: [Int]) -> Tensor {
        do { return try reshaped(to: newShape) } catch { preconditionFailure("\(error)") }
    }

    /// Reorders the axes: result axis `i` is source axis `permutation[i]`.
    @inlinable
    public func permuted(_ permutation: [Int]) -> Tensor {
        precondition(permutation.sorted() == Array(0..<rank), "permuted: \(permutation) is not a permutation of 0..<\(rank)")
        if permutation == Array(0..<rank) { return self }
        let sourceStrides = strides
        let outputShape = permutation.map { shape[$0] }
        let permutedStrides = permutation.map { sourceStrides[$0] }
        let last = rank - 1
        let inner = outputShape[last]
        let innerStride = permutedStrides[last]
        let rows = inner == 0 ? 0 : count / inner
        return Tensor(shape: outputShape) { out in
            scalars.withUnsafeBufferPointer { input in
                var index = [Int](repeating: 0, count: last)
                var offset = 0
                for row in 0..<rows {
                    let base = row * inner
                    for j in 0..<inner { out[base + j] = input[offset + j * innerStride] }
                    var axis = last - 1
                    while axis >= 0 {
                        index[axis] += 1
                        offset += permutedStrides[axis]
                        if index[axis] < outputShape[axis] { break }
                        offset -= permutedStrides[axis] * outputShape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
    }

    /// The inverse of a permutation.
    @inlinable
    public static func inversePermutation(_ permutation: [Int]) -> [Int] {
        var inverse = [Int](repeating: 0, count: permutation.count)
        for (i, p) in permutation.enumerated() { inverse[p] = i }
        return inverse
    }

    /// Swaps the last two axes (a batched matrix transpose).
    @inlinable
    public func transposedLastTwo() -> Tensor {
        precondition(rank >= 2, "transposedLastTwo needs rank ≥ 2")
        var permutation = Array(0..<rank)
        permutation.swapAt(rank - 1, rank - 2)
        return permuted(permutation)
    }

    /// Concatenates tensors along an axis.
    /// - Throws: `TensorError.incompatibleShapes` when the other dimensions differ.
    @inlinable
    public static func concatenated(_ tensors: [Tensor], alongAxis axis: Int) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError.invalidShape([]) }
        let axis = first.normalizedAxis(axis)
        for tensor in tensors {
            var a = tensor.shape, b = first.shape
            guard a.count == b.count else { throw TensorError.incompatibleShapes(operation: "concatenate", a, b) }
            a[axis] = 0; b[axis] = 0
            guard a == b else { throw TensorError.incompatibleShapes(operation: "concatenate", tensor.shape, first.shape) }
        }
        var outputShape = first.shape
        outputShape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
        let outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[(axis + 1)...].reduce(1, *)
        let outputBlock = outputShape[axis] * inner
        return Tensor(shape: outputShape) { out in
            var offset = 0
            for tensor in tensors {
                let block = tensor.shape[axis] * inner
                tensor.scalars.withUnsafeBufferPointer { input in
                    for o in 0..<outer {
                        for j in 0..<block { out[o * outputBlock + offset + j] = input[o * block + j] }
                    }
                }
                offset += block
            }
        }
    }

    /// Repeats size-1 (and missing leading) dimensions to reach `targetShape`.
    @inlinable
    public func broadcast(toShape targetShape: [Int]) -> Tensor {
        if shape == targetShape { return self }
        return Tensor.broadcasting(self, Tensor.zeros(targetShape)) { value, _ in value }
    }
}
