import Foundation
import SparseSolvers

/// What a `pdekit_matrix *` points to: a validated CSR matrix plus the map from the caller's entry
/// order to PDEKit's sorted, duplicate-free storage (so `pdekit_matrix_update_values` can take values
/// in the caller's order).
final class MatrixHandle {
    private(set) var matrix: CSRMatrix
    /// storageSlot[k] = index in `matrix.values` that the caller's k-th entry adds into.
    private let storageSlot: [Int]
    /// Bumped on every value update, so solvers know to rebuild factorizations and preconditioners.
    private(set) var version = 0
    let lock = NSLock()

    /// Validates raw CSR arrays (0-based) and builds the matrix; columns may be unsorted within a row,
    /// duplicates are summed.
    init(rows: Int, columns: Int, rowOffsets: [Int], columnIndices: [Int], values: [Double]) throws {
        guard rows >= 1, columns >= 1 else { throw CAPIError.invalid("matrix must have at least one row and column, got \(rows)×\(columns)") }
        let nonzeros = values.count
        guard rowOffsets.count == rows + 1, rowOffsets[0] == 0, rowOffsets[rows] == nonzeros else {
            throw CAPIError.invalid("row_offsets must start at 0 and end at nonzeros (\(nonzeros)); got \(rowOffsets.first ?? -1) … \(rowOffsets.last ?? -1)")
        }
        for row in 0..<rows where rowOffsets[row] > rowOffsets[row + 1] {
            throw CAPIError.invalid("row_offsets decrease at row \(row) (\(rowOffsets[row]) > \(rowOffsets[row + 1]))")
        }
        if let bad = columnIndices.firstIndex(where: { $0 < 0 || $0 >= columns }) {
            throw CAPIError.invalid("column index \(columnIndices[bad]) of entry \(bad) is outside [0, \(columns))")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw CAPIError.invalid("value of entry \(bad) is NaN or infinite")
        }
        // Sort each row's entries by column and merge duplicates, remembering where each input entry went.
        var slot = [Int](repeating: 0, count: nonzeros)
        var offsets = [Int](repeating: 0, count: rows + 1)
        var sortedColumns: [Int] = [], sortedValues: [Double] = []
        sortedColumns.reserveCapacity(nonzeros)
        sortedValues.reserveCapacity(nonzeros)
        for row in 0..<rows {
            let entries = (rowOffsets[row]..<rowOffsets[row + 1]).sorted { (columnIndices[$0], $0) < (columnIndices[$1], $1) }
            for entry in entries {
                if let last = sortedColumns.last, sortedColumns.count > offsets[row], last == columnIndices[entry] {
                    sortedValues[sortedValues.count - 1] += values[entry]
                } else {
                    sortedColumns.append(columnIndices[entry])
                    sortedValues.append(values[entry])
                }
                slot[entry] = sortedValues.count - 1
            }
            offsets[row + 1] = sortedValues.count
        }
        matrix = CSRMatrix(rowCount: rows, columnCount: columns, rowOffsets: offsets, columnIndices: sortedColumns, values: sortedValues)
        storageSlot = slot
    }

    /// Replaces the values (caller's entry order), keeping the pattern.
    func updateValues(_ values: UnsafeBufferPointer<Double>) throws {
        guard values.count == storageSlot.count else {
            throw CAPIError.shape("got \(values.count) values but the matrix was built from \(storageSlot.count) entries")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) { throw CAPIError.invalid("value of entry \(bad) is NaN or infinite") }
        var merged = [Double](repeating: 0, count: matrix.entryCount)
        for (entry, value) in values.enumerated() { merged[storageSlot[entry]] += value }
        matrix.values = merged
        version += 1
    }
}

// MARK: - C entry points

/// The handle behind a C pointer (not retained).
func matrixHandle(_ matrix: OpaquePointer?) throws -> MatrixHandle {
    Unmanaged<MatrixHandle>.fromOpaque(UnsafeRawPointer(try required(matrix, "matrix"))).takeUnretainedValue()
}

/// Shared body of the 64- and 32-bit CSR constructors.
private func createMatrix(rows: Int64, columns: Int64, nonzeros: Int64, rowOffsets: [Int], columnIndices: [Int],
                          values: UnsafePointer<Double>, out: UnsafeMutablePointer<OpaquePointer?>) throws -> CAPIStatus {
    let handle = try MatrixHandle(rows: Int(rows), columns: Int(columns), rowOffsets: rowOffsets, columnIndices: columnIndices,
                                  values: Array(UnsafeBufferPointer(start: values, count: Int(nonzeros))))
    out.pointee = OpaquePointer(Unmanaged.passRetained(handle).toOpaque())
    return .ok
}

@_cdecl("pdekit_matrix_create_csr")
public func pdekit_matrix_create_csr(_ rows: Int64, _ columns: Int64, _ nonzeros: Int64,
                                     _ rowOffsets: UnsafePointer<Int64>?, _ columnIndices: UnsafePointer<Int64>?,
                                     _ values: UnsafePointer<Double>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    entryPoint {
        let out = try required(out, "out")
        let offsets = try required(rowOffsets, "row_offsets"), indices = try required(columnIndices, "column_indices")
        let values = try required(values, "values")
        let rowCount = try count(rows, "rows"), nonzeroCount = try count(nonzeros, "nonzeros")
        _ = try count(columns, "columns")
        return try createMatrix(rows: rows, columns: columns, nonzeros: nonzeros,
                                rowOffsets: UnsafeBufferPointer(start: offsets, count: rowCount + 1).map { Int($0) },
                                columnIndices: UnsafeBufferPointer(start: indices, count: nonzeroCount).map { Int($0) },
                                values: values, out: out)
    }
}

@_cdecl("pdekit_matrix_create_csr32")
public func pdekit_matrix_create_csr32(_ rows: Int32, _ columns: Int32, _ nonzeros: Int32,
                                       _ rowOffsets: UnsafePointer<Int32>?, _ columnIndices: UnsafePointer<Int32>?,
                                       _ values: UnsafePointer<Double>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    entryPoint {
        let out = try required(out, "out")
        let offsets = try required(rowOffsets, "row_offsets"), indices = try required(columnIndices, "column_indices")
        let values = try required(values, "values")
        let rowCount = try count(Int64(rows), "rows"), nonzeroCount = try count(Int64(nonzeros), "nonzeros")
        _ = try count(Int64(columns), "columns")
        return try createMatrix(rows: Int64(rows), columns: Int64(columns), nonzeros: Int64(nonzeros),
                                rowOffsets: UnsafeBufferPointer(start: offsets, count: rowCount + 1).map { Int($0) },
                                columnIndices: UnsafeBufferPointer(start: indices, count: nonzeroCount).map { Int($0) },
                                values: values, out: out)
    }
}

@_cdecl("pdekit_matrix_update_values")
public func pdekit_matrix_update_values(_ matrix: OpaquePointer?, _ values: UnsafePointer<Double>?, _ nonzeros: Int64) -> Int32 {
    entryPoint {
        let handle = try matrixHandle(matrix)
        let values = try required(values, "values")
        let n = try count(nonzeros, "nonzeros")
        try handle.lock.withLock { try handle.updateValues(UnsafeBufferPointer(start: values, count: n)) }
        return .ok
    }
}

@_cdecl("pdekit_matrix_multiply")
public func pdekit_matrix_multiply(_ matrix: OpaquePointer?, _ x: UnsafePointer<Double>?, _ xCount: Int64,
                                   _ y: UnsafeMutablePointer<Double>?, _ yCount: Int64) -> Int32 {
    entryPoint {
        let handle = try matrixHandle(matrix)
        let x = try required(x, "x"), y = try required(y, "y")
        let a = handle.lock.withLock { handle.matrix }
        guard xCount == Int64(a.columnCount), yCount == Int64(a.rowCount) else {
            throw CAPIError.shape("x has \(xCount) and y \(yCount) values but the matrix is \(a.rowCount)×\(a.columnCount)")
        }
        a.apply(UnsafeBufferPointer(start: x, count: a.columnCount), into: UnsafeMutableBufferPointer(start: y, count: a.rowCount))
        return .ok
    }
}

@_cdecl("pdekit_matrix_describe")
public func pdekit_matrix_describe(_ matrix: OpaquePointer?, _ rows: UnsafeMutablePointer<Int64>?,
                                   _ columns: UnsafeMutablePointer<Int64>?, _ storedEntries: UnsafeMutablePointer<Int64>?) -> Int32 {
    entryPoint {
        let handle = try matrixHandle(matrix)
        let a = handle.lock.withLock { handle.matrix }
        rows?.pointee = Int64(a.rowCount)
        columns?.pointee = Int64(a.columnCount)
        storedEntries?.pointee = Int64(a.entryCount)
        return .ok
    }
}

@_cdecl("pdekit_matrix_free")
public func pdekit_matrix_free(_ matrix: OpaquePointer?) {
    guard let matrix else { return }
    Unmanaged<MatrixHandle>.fromOpaque(UnsafeRawPointer(matrix)).release()
}
