/// A sparse matrix in coordinate (triplet) form, the assembly format.
///
/// ```
/// A = Σₖ valuesₖ · e_{rowsₖ} e_{columnsₖ}ᵀ      (duplicates are summed on conversion)
/// ```
/// Complexity: append O(1); conversion to CSR O(nnz + rowCount).
/// References: Saad 2003, §3.4 (storage schemes).
public struct COOMatrix: Sendable, Equatable {
    public let rowCount: Int
    public let columnCount: Int
    public private(set) var rows: [Int] = []
    public private(set) var columns: [Int] = []
    public private(set) var values: [Double] = []

    public init(rowCount: Int, columnCount: Int) {
        precondition(rowCount >= 0 && columnCount >= 0, "COOMatrix: negative size")
        self.rowCount = rowCount
        self.columnCount = columnCount
    }

    /// Builds from triplets, validating indices and values.
    public init(rowCount: Int, columnCount: Int, rows: [Int], columns: [Int], values: [Double]) throws {
        precondition(rows.count == columns.count && rows.count == values.count, "COOMatrix: triplet arrays differ in length")
        self.init(rowCount: rowCount, columnCount: columnCount)
        reserveCapacity(values.count)
        for k in 0..<values.count { try append(row: rows[k], column: columns[k], value: values[k]) }
    }

    public var entryCount: Int { values.count }

    public mutating func reserveCapacity(_ n: Int) {
        rows.reserveCapacity(n); columns.reserveCapacity(n); values.reserveCapacity(n)
    }

    /// Adds a_{row,column} += value (duplicates are summed on conversion).
    public mutating func append(row: Int, column: Int, value: Double) throws {
        guard row >= 0, row < rowCount, column >= 0, column < columnCount else {
            throw SparseMatrixError.indexOutOfRange(row: row, column: column, rowCount: rowCount, columnCount: columnCount)
        }
        guard value.isFinite else { throw SparseMatrixError.nonFiniteValue(row: row, column: column) }
        rows.append(row); columns.append(column); values.append(value)
    }

    /// Appends without validation (programmer-controlled assembly, e.g. stencils).
    public mutating func appendUnchecked(row: Int, column: Int, value: Double) {
        precondition(row >= 0 && row < rowCount && column >= 0 && column < columnCount, "COOMatrix: index out of range")
        rows.append(row); columns.append(column); values.append(value)
    }

    /// Converts to CSR with sorted column indices, summing duplicates (explicit zeros are kept).
    public func csr() -> CSRMatrix {
        let nnz = values.count
        var counts = [Int](repeating: 0, count: rowCount + 1)
        for r in rows { counts[r + 1] += 1 }
        for i in 0..<rowCount { counts[i + 1] += counts[i] }
        var next = counts
        var cols = [Int](repeating: 0, count: nnz)
        var vals = [Double](repeating: 0, count: nnz)
        for k in 0..<nnz {
            let p = next[rows[k]]
            cols[p] = columns[k]; vals[p] = values[k]
            next[rows[k]] += 1
        }
        // Sort each row by column and sum duplicates, compacting in place.
        var offsets = [Int](repeating: 0, count: rowCount + 1)
        var out = 0
        var order: [Int] = []
        for i in 0..<rowCount {
            let start = counts[i], end = counts[i + 1]
            order.removeAll(keepingCapacity: true)
            order.append(contentsOf: start..<end)
            order.sort { cols[$0] < cols[$1] }
            let rowCols = order.map { cols[$0] }, rowVals = order.map { vals[$0] }
            var k = 0
            while k < rowCols.count {
                let c = rowCols[k]
                var s = 0.0
                while k < rowCols.count && rowCols[k] == c { s += rowVals[k]; k += 1 }
                cols[out] = c; vals[out] = s; out += 1
            }
            offsets[i + 1] = out
        }
        cols.removeLast(nnz - out); vals.removeLast(nnz - out)
        return CSRMatrix(rowCount: rowCount, columnCount: columnCount, rowOffsets: offsets, columnIndices: cols, values: vals)
    }
}
