/// Axis-separable gathers and their adjoints: one kernel behind slicing, strided slicing,
/// padding in every `PaddingMode`, and embedding a block into a larger zero tensor.
///
/// An index map gives, for each axis and each output position along it, the source position
/// along that axis or `-1` for "zero here":
/// ```
/// out[i₀, …, i_d] = x[m₀[i₀], …, m_d[i_d]]     (0 if any m_k[i_k] = −1)
/// ```
/// The adjoint scatter-adds: `x̄[m₀[i₀], …] += ḡ[i₀, …]`. Gather and scatter are each other's
/// adjoints, so automatic differentiation through them closes.
extension Tensor {
    /// Gathers along every axis through `indexMaps` (one map per axis).
    @inlinable
    public func gathered(indexMaps: [[Int]]) -> Tensor {
        precondition(indexMaps.count == rank, "gathered: \(indexMaps.count) index maps for rank \(rank)")
        let outputShape = indexMaps.map(\.count)
        let sourceStrides = strides
        if rank == 0 { return self }
        let last = rank - 1
        let inner = outputShape[last]
        let rows = inner == 0 ? 0 : outputShape.reduce(1, *) / inner
        let innerMap = indexMaps[last]
        return Tensor(shape: outputShape) { out in
            scalars.withUnsafeBufferPointer { input in
                var index = [Int](repeating: 0, count: last)
                for row in 0..<rows {
                    var offset = 0
                    var valid = true
                    for axis in 0..<last {
                        let source = indexMaps[axis][index[axis]]
                        if source < 0 { valid = false; break }
                        offset += source * sourceStrides[axis]
                    }
                    let base = row * inner
                    if valid {
                        for j in 0..<inner {
                            let source = innerMap[j]
                            out[base + j] = source < 0 ? 0 : input[offset + source]
                        }
                    } else {
                        for j in 0..<inner { out[base + j] = 0 }
                    }
                    var axis = last - 1
                    while axis >= 0 {
                        index[axis] += 1
                        if index[axis] < outputShape[axis] { break }
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
    }

    /// The adjoint of `gathered(indexMaps:)`: scatter-adds this tensor into a tensor of `sourceShape`.
    @inlinable
    public func scatterAdded(indexMaps: [[Int]], sourceShape: [Int]) -> Tensor {
        precondition(indexMaps.map(\.count) == shape, "scatterAdded: index maps do not match shape \(shape)")
        if rank == 0 { return self }
        let sourceStrides = Tensor.contiguousStrides(for: sourceShape)
        let last = rank - 1
        let inner = shape[last]
        let rows = inner == 0 ? 0 : count / inner
        let innerMap = indexMaps[last]
        var result = Tensor.zeros(sourceShape)
        result.scalars.withUnsafeMutableBufferPointer { out in
            scalars.withUnsafeBufferPointer { input in
                var index = [Int](repeating: 0, count: last)
                for row in 0..<rows {
                    var offset = 0
                    var valid = true
                    for axis in 0..<last {
                        let source = indexMaps[axis][index[axis]]
                        if source < 0 { valid = false; break }
                        offset += source * sourceStrides[axis]
                    }
                    if valid {
                        let base = row * inner
                        for j in 0..<inner where innerMap[j] >= 0 {
                            out[offset + innerMap[j]] += input[base + j]
                        }
                    }
                    var axis = last - 1
                    while axis >= 0 {
                        index[axis] += 1
                        if index[axis] < shape[axis] { break }
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return result
    }

    /// Index maps that select `ranges[axis]` on each axis (a full range where `nil`).
    @inlinable
    public func sliceIndexMaps(_ ranges: [Range<Int>?]) -> [[Int]] {
        precondition(ranges.count == rank, "slice: \(ranges.count) ranges for rank \(rank)")
        return (0..<rank).map { axis in
            let range = ranges[axis] ?? 0..<shape[axis]
            precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis],
                         "slice: range \(range) out of bounds for axis \(axis) of size \(shape[axis])")
            return Array(range)
        }
    }

    /// The sub-tensor `x[r₀, r₁, …]` (a copy).
    @inlinable
    public func sliced(_ ranges: [Range<Int>?]) -> Tensor { gathered(indexMaps: sliceIndexMaps(ranges)) }

    /// The sub-tensor with `range` on one axis and everything on the others.
    @inlinable
    public func sliced(alongAxis axis: Int, _ range: Range<Int>) -> Tensor {
        var ranges = [Range<Int>?](repeating: nil, count: rank)
        ranges[normalizedAxis(axis)] = range
        return sliced(ranges)
    }

    /// Index maps for padding by `before[axis]` and `after[axis]` elements in `mode`.
    @inlinable
    public func paddingIndexMaps(before: [Int], after: [Int], mode: PaddingMode) -> [[Int]] {
        precondition(before.count == rank && after.count == rank, "pad: widths must have one entry per axis")
        return (0..<rank).map { axis in
            let size = shape[axis]
            precondition(mode == .zero || size > 0, "pad: cannot \(mode)-pad an empty axis")
            precondition(mode != .circular || (before[axis] <= size && after[axis] <= size),
                         "pad: circular padding wider than the axis")
            precondition(mode != .reflect || (before[axis] < size && after[axis] < size),
                         "pad: reflect padding as wide as the axis")
            return (-before[axis]..<(size + after[axis])).map { mode.sourceIndex($0, size: size) }
        }
    }

    /// Pads each axis by `before[axis]` / `after[axis]` elements (negative widths crop).
    @inlinable
    public func padded(before: [Int], after: [Int], mode: PaddingMode = .zero) -> Tensor {
        gathered(indexMaps: paddingIndexMaps(before: before, after: after, mode: mode))
    }
}
