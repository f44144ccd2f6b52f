/// The memory order of the fields a caller passes to `pdekit_operator_apply_layout_*`.
///
/// Row-major is PDEKit's own `[batch][channel][i₀]…[i_{d−1}]`. Column-major is Fortran's
/// `a(i₀, …, i_{d−1}, channel, batch)`: within each field the first grid axis is fastest, so point
/// `(i₀, …, i_{d−1})` sits at `i₀ + n₀(i₁ + n₁(i₂ + …))`; fields follow each other as in row-major.
enum OperatorLayout: Int32 {
    case rowMajor = 0, columnMajor = 1

    /// The layout for a C `int32_t`, or a typed error.
    static func checked(_ value: Int32) throws -> OperatorLayout {
        guard let layout = OperatorLayout(rawValue: value) else {
            throw CAPIError.invalid("layout \(value) is neither PDEKIT_LAYOUT_ROW_MAJOR (0) nor PDEKIT_LAYOUT_COLUMN_MAJOR (1)")
        }
        return layout
    }

    /// Reorders `values` (whole fields of `grid`) between this layout and row-major.
    /// - Parameter toRowMajor: true reads this layout and writes row-major, false the reverse.
    func reordered<Element>(_ values: [Element], grid: [Int], toRowMajor: Bool) -> [Element] {
        guard self == .columnMajor, grid.count > 1 else { return values }
        let points = grid.reduce(1, *)
        guard points > 0, values.count >= points, values.count % points == 0 else { return values }
        var result = values
        // Column-major offset of each row-major point.
        var columnOffsets = [Int](repeating: 0, count: points)
        var index = [Int](repeating: 0, count: grid.count)
        for row in 0..<points {
            var offset = 0
            for axis in stride(from: grid.count - 1, through: 0, by: -1) { offset = offset * grid[axis] + index[axis] }
            columnOffsets[row] = offset
            var axis = grid.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < grid[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        for field in 0..<(values.count / points) {
            let base = field * points
            for row in 0..<points {
                if toRowMajor { result[base + row] = values[base + columnOffsets[row]] }
                else { result[base + columnOffsets[row]] = values[base + row] }
            }
        }
        return result
    }
}

@_cdecl("pdekit_operator_apply_layout_f32")
public func pdekit_operator_apply_layout_f32(_ op: OpaquePointer?, _ input: UnsafePointer<Float>?, _ inputCount: Int64,
                                             _ batch: Int64, _ grid: UnsafePointer<Int64>?, _ gridRank: Int32, _ layout: Int32,
                                             _ output: UnsafeMutablePointer<Float>?, _ outputCount: Int64) -> Int32 {
    applyInLayout(op, input, inputCount, batch, grid, gridRank, layout, output, outputCount)
}

@_cdecl("pdekit_operator_apply_layout_f64")
public func pdekit_operator_apply_layout_f64(_ op: OpaquePointer?, _ input: UnsafePointer<Double>?, _ inputCount: Int64,
                                             _ batch: Int64, _ grid: UnsafePointer<Int64>?, _ gridRank: Int32, _ layout: Int32,
                                             _ output: UnsafeMutablePointer<Double>?, _ outputCount: Int64) -> Int32 {
    applyInLayout(op, input, inputCount, batch, grid, gridRank, layout, output, outputCount)
}

/// The body of both entry points: every argument checked, the caller's layout reordered to row-major,
/// the operator applied in Float, the result reordered back and converted to the caller's precision.
private func applyInLayout<Scalar: BinaryFloatingPoint>(_ op: OpaquePointer?, _ input: UnsafePointer<Scalar>?, _ inputCount: Int64,
                                                        _ batch: Int64, _ grid: UnsafePointer<Int64>?, _ gridRank: Int32, _ layout: Int32,
                                                        _ output: UnsafeMutablePointer<Scalar>?, _ outputCount: Int64) -> Int32 {
    entryPoint {
        let handle = try operatorHandle(op)
        let order = try OperatorLayout.checked(layout)
        let input = try required(input, "input"), output = try required(output, "output")
        let sizes = try handle.grid(grid, rank: gridRank)
        let inputCount = try count(inputCount, "input_count"), outputCount = try count(outputCount, "output_count")
        let values = order.reordered(UnsafeBufferPointer(start: input, count: inputCount).map { Float($0) }, grid: sizes, toRowMajor: true)
        let result = order.reordered(try handle.apply(values, batch: Int(batch), grid: sizes, outputCount: outputCount), grid: sizes, toRowMajor: false)
        for index in 0..<outputCount { output[index] = Scalar(result[index]) }
        return .ok
    }
}
