import Dispatch
import RunSupport

/// A sparse matrix in compressed sparse row form (sorted column indices, no duplicates).
///
/// ```
/// row i holds columnIndices[rowOffsets[i] ..< rowOffsets[i+1]] with the matching values;
/// y = A x:   yᵢ = Σ_{k = rowOffsets[i]}^{rowOffsets[i+1]−1} values[k] · x[columnIndices[k]]
/// ```
/// Complexity: SpMV O(nnz), run on two row chunks in parallel when nnz is large;
/// transpose O(nnz + n); symmetry check O(nnz + n).
/// References: Saad 2003, §3.4 and §3.5 (CSR and the matrix-by-vector product).
public struct CSRMatrix: LinearOperator, Sendable, Equatable {
    public let rowCount: Int
    public let columnCount: Int
    /// rowOffsets[i] ..< rowOffsets[i+1] indexes row i; `rowOffsets.count == rowCount + 1`.
    public let rowOffsets: [Int]
    public let columnIndices: [Int]
    public var values: [Double]

    /// Entries beyond which SpMV is split over two threads.
    public static let parallelThreshold = 100_000

    /// Builds from raw CSR arrays; the caller guarantees sorted, unique, in-range columns.
    public init(rowCount: Int, columnCount: Int, rowOffsets: [Int], columnIndices: [Int], values: [Double]) {
        precondition(rowOffsets.count == rowCount + 1, "CSRMatrix: rowOffsets must have rowCount + 1 entries")
        precondition(columnIndices.count == values.count && rowOffsets[rowCount] == values.count, "CSRMatrix: inconsistent arrays")
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.rowOffsets = rowOffsets
        self.columnIndices = columnIndices
        self.values = values
    }

    /// Builds from a dense row-major array, dropping exact zeros.
    public init(dense: [[Double]]) {
        var coo = COOMatrix(rowCount: dense.count, columnCount: dense.first?.count ?? 0)
        for (i, row) in dense.enumerated() {
            precondition(row.count == coo.columnCount, "CSRMatrix(dense:): ragged rows")
            for (j, v) in row.enumerated() where v != 0 { coo.appendUnchecked(row: i, column: j, value: v) }
        }
        self = coo.csr()
    }

    /// The identity matrix of size n.
    public static func identity(_ n: Int) -> CSRMatrix {
        CSRMatrix(rowCount: n, columnCount: n, rowOffsets: Array(0...n), columnIndices: Array(0..<n),
                  values: [Double](repeating: 1, count: n))
    }

    /// Number of stored entries.
    public var entryCount: Int { values.count }
    public var isSquare: Bool { rowCount == columnCount }

    /// a_{ij} (0 when not stored). Complexity O(log(row length)).
    public subscript(row: Int, column: Int) -> Double {
        var lo = rowOffsets[row], hi = rowOffsets[row + 1]
        while lo < hi {
            let mid = (lo + hi) / 2
            if columnIndices[mid] < column { lo = mid + 1 } else { hi = mid }
        }
        return lo < rowOffsets[row + 1] && columnIndices[lo] == column ? values[lo] : 0
    }

    // MARK: SpMV

    /// y = A x, parallel over two row chunks (balanced by entries) when the matrix is large.
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        precondition(x.count == columnCount && y.count == rowCount, "CSRMatrix.apply: size mismatch")
        rowOffsets.withUnsafeBufferPointer { rp in
            columnIndices.withUnsafeBufferPointer { cp in
                values.withUnsafeBufferPointer { vp in
                    guard let yb = y.baseAddress, rowCount > 0 else { return }
                    let xb = x.baseAddress ?? UnsafePointer(bitPattern: 8)!
                    if values.count < Self.parallelThreshold || ProcessThreads.available < 2 {
                        Self.multiplyRows(0, rowCount, rp.baseAddress!, cp.baseAddress, vp.baseAddress, xb, yb)
                        return
                    }
                    // Split rows so both halves hold about nnz/2 entries.
                    let half = values.count / 2
                    var lo = 0, hi = rowCount
                    while lo < hi { let mid = (lo + hi) / 2; if rp[mid] < half { lo = mid + 1 } else { hi = mid } }
                    let split = lo
                    let R = SendablePointer(UnsafeMutablePointer(mutating: rp.baseAddress!))
                    let C = SendablePointer(UnsafeMutablePointer(mutating: cp.baseAddress!))
                    let V = SendablePointer(UnsafeMutablePointer(mutating: vp.baseAddress!))
                    let X = SendablePointer(UnsafeMutablePointer(mutating: xb))
                    let Y = SendablePointer(yb)
                    let n = rowCount
                    DispatchQueue.concurrentPerform(iterations: 2) { chunk in
                        let (a, b) = chunk == 0 ? (0, split) : (split, n)
                        Self.multiplyRows(a, b, R.pointer, C.pointer, V.pointer, X.pointer, Y.pointer)
                    }
                }
            }
        }
    }

    /// y = A x in single precision (values rounded to Float on the fly; accumulation in Float).
    ///
    /// For learned components that work in Float; serial. Complexity O(nnz).
    public func apply(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        precondition(x.count == columnCount && y.count == rowCount, "CSRMatrix.apply: size mismatch")
        rowOffsets.withUnsafeBufferPointer { rp in
            columnIndices.withUnsafeBufferPointer { cp in
                values.withUnsafeBufferPointer { vp in
                    for i in 0..<rowCount {
                        var s: Float = 0
                        for k in rp[i]..<rp[i + 1] { s += Float(vp[k]) * x[cp[k]] }
                        y[i] = s
                    }
                }
            }
        }
    }

    /// A x for a Float vector.
    public func applied(to x: [Float]) -> [Float] {
        var y = [Float](repeating: 0, count: rowCount)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in apply(xp, into: yp) } }
        return y
    }

    @inline(never)
    @usableFromInline
    static func multiplyRows(_ begin: Int, _ end: Int, _ rp: UnsafePointer<Int>, _ cp: UnsafePointer<Int>?,
                             _ vp: UnsafePointer<Double>?, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        guard let cp, let vp else { for i in begin..<end { y[i] = 0 }; return }
        for i in begin..<end {
            var s = 0.0
            for k in rp[i]..<rp[i + 1] { s += vp[k] * x[cp[k]] }
            y[i] = s
        }
    }

    // MARK: Structure

    /// Aᵀ in CSR form (equivalently, A in CSC form).
    public func transposed() -> CSRMatrix {
        var counts = [Int](repeating: 0, count: columnCount + 1)
        for c in columnIndices { counts[c + 1] += 1 }
        for j in 0..<columnCount { counts[j + 1] += counts[j] }
        var next = counts
        var cols = [Int](repeating: 0, count: entryCount)
        var vals = [Double](repeating: 0, count: entryCount)
        for i in 0..<rowCount {
            for k in rowOffsets[i]..<rowOffsets[i + 1] {
                let j = columnIndices[k]
                cols[next[j]] = i; vals[next[j]] = values[k]
                next[j] += 1
            }
        }
        return CSRMatrix(rowCount: columnCount, columnCount: rowCount, rowOffsets: counts, columnIndices: cols, values: vals)
    }

    /// True when A is square and |a_ij − a_ji| ≤ tolerance · max|a| for every stored entry.
    ///
    /// Each stored a_ij is compared with its mirror a_ji (binary search in row j, 0 when not stored),
    /// which covers the union of the patterns of A and Aᵀ without building Aᵀ (no allocation: a
    /// direct solver checks every matrix of a sequence).
    public func isSymmetric(relativeTolerance: Double = 0) -> Bool {
        guard isSquare else { return false }
        let bound = relativeTolerance * values.reduce(0) { max($0, abs($1)) }
        return rowOffsets.withUnsafeBufferPointer { offsets in
            columnIndices.withUnsafeBufferPointer { columns in
                values.withUnsafeBufferPointer { entries in
                    for i in 0..<rowCount {
                        for k in offsets[i]..<offsets[i + 1] {
                            let j = columns[k]
                            if j == i { continue }
                            var lo = offsets[j], hi = offsets[j + 1]
                            while lo < hi {
                                let mid = (lo + hi) / 2
                                if columns[mid] < i { lo = mid + 1 } else { hi = mid }
                            }
                            let mirror = lo < offsets[j + 1] && columns[lo] == i ? entries[lo] : 0
                            if abs(entries[k] - mirror) > bound { return false }
                        }
                    }
                    return true
                }
            }
        }
    }

    /// The main diagonal (zeros where not stored).
    public func diagonal() -> [Double] {
        (0..<min(rowCount, columnCount)).map { self[$0, $0] }
    }

    /// A + σ I (adds stored diagonal entries where missing).
    public func addingToDiagonal(_ shift: Double) -> CSRMatrix {
        precondition(isSquare, "addingToDiagonal: matrix is not square")
        var coo = COOMatrix(rowCount: rowCount, columnCount: columnCount)
        coo.reserveCapacity(entryCount + rowCount)
        for i in 0..<rowCount {
            for k in rowOffsets[i]..<rowOffsets[i + 1] { coo.appendUnchecked(row: i, column: columnIndices[k], value: values[k]) }
            coo.appendUnchecked(row: i, column: i, value: shift)
        }
        return coo.csr()
    }

    /// A + D for a diagonal D given as a vector.
    public func addingToDiagonal(_ shifts: [Double]) -> CSRMatrix {
        precondition(isSquare && shifts.count == rowCount, "addingToDiagonal: size mismatch")
        var coo = COOMatrix(rowCount: rowCount, columnCount: columnCount)
        coo.reserveCapacity(entryCount + rowCount)
        for i in 0..<rowCount {
            for k in rowOffsets[i]..<rowOffsets[i + 1] { coo.appendUnchecked(row: i, column: columnIndices[k], value: values[k]) }
            coo.appendUnchecked(row: i, column: i, value: shifts[i])
        }
        return coo.csr()
    }

    /// Throws when a stored value is NaN or infinite.
    public func validateFinite() throws {
        for i in 0..<rowCount {
            for k in rowOffsets[i]..<rowOffsets[i + 1] where !values[k].isFinite {
                throw SparseMatrixError.nonFiniteValue(row: i, column: columnIndices[k])
            }
        }
    }

    /// The dense matrix (row-major rows), for tests and small problems.
    public func dense() -> [[Double]] {
        var d = [[Double]](repeating: [Double](repeating: 0, count: columnCount), count: rowCount)
        for i in 0..<rowCount { for k in rowOffsets[i]..<rowOffsets[i + 1] { d[i][columnIndices[k]] += values[k] } }
        return d
    }

    /// C = A B (Gustavson's row-by-row product with a dense accumulator).
    ///
    /// Complexity: O(flops + rowCount + B.columnCount).
    public func multiplied(by b: CSRMatrix) -> CSRMatrix {
        precondition(columnCount == b.rowCount, "CSRMatrix.multiplied: inner dimensions differ")
        var offsets = [Int](repeating: 0, count: rowCount + 1)
        var cols: [Int] = [], vals: [Double] = []
        var accumulator = [Double](repeating: 0, count: b.columnCount)
        var marker = [Int](repeating: -1, count: b.columnCount)
        var touched: [Int] = []
        for i in 0..<rowCount {
            touched.removeAll(keepingCapacity: true)
            for k in rowOffsets[i]..<rowOffsets[i + 1] {
                let a = values[k], r = columnIndices[k]
                for q in b.rowOffsets[r]..<b.rowOffsets[r + 1] {
                    let j = b.columnIndices[q]
                    if marker[j] != i { marker[j] = i; accumulator[j] = 0; touched.append(j) }
                    accumulator[j] += a * b.values[q]
                }
            }
            touched.sort()
            for j in touched { cols.append(j); vals.append(accumulator[j]) }
            offsets[i + 1] = cols.count
        }
        return CSRMatrix(rowCount: rowCount, columnCount: b.columnCount, rowOffsets: offsets, columnIndices: cols, values: vals)
    }
}
