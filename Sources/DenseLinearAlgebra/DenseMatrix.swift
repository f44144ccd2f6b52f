/// A dense `Float64` matrix stored **row-major**: entry `(i, j)` of an `m × n` matrix is
/// `elements[i · n + j]`. This is the one dense layout of PDEKit's linear algebra.
///
/// Why row-major: every matrix PDEKit builds from data is already row-major (C order) — TensorCore
/// tensors, grid fields `U ∈ ℝ^{N₁×N₂}`, POD snapshot matrices `[samples, points]`, kernel Gram
/// matrices — so those buffers become matrices without a copy. A set of `k` vectors of length `n`
/// (a Krylov basis, Ritz vectors) is the `k × n` matrix whose **rows** are the vectors, so each vector
/// stays contiguous for BLAS-1/2. LAPACK itself is column-major: the routines here either pass the
/// buffer as the column-major transpose when the maths allows it (the QR of `Aᵀ` is the LQ of `A`),
/// or let LAPACKE's row-major interface transpose, an O(mn) copy next to O(mn·min(m, n)) work.
///
/// Products are not defined here: GEMM's home is BLAS (`TensorCore.BLASRuntime` for threaded use);
/// this target holds the factorizations and eigensolvers. The accessors are `@inlinable`: callers index
/// entries in their own loops, so `a[i, j]` must compile to a load, not a cross-module call.
public struct DenseMatrix: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    /// Row-major entries, `rows · columns` of them.
    public var elements: [Double]

    /// Wraps row-major `elements` (a caller's programming error if the count differs).
    @inlinable
    public init(rows: Int, columns: Int, elements: [Double]) {
        precondition(rows >= 0 && columns >= 0 && elements.count == rows * columns, "DenseMatrix: element count mismatch")
        self.rows = rows; self.columns = columns; self.elements = elements
    }

    /// The `rows × columns` zero matrix.
    @inlinable
    public init(zeros rows: Int, _ columns: Int) {
        self.init(rows: rows, columns: columns, elements: Array(repeating: 0, count: rows * columns))
    }

    /// The `n × n` identity.
    @inlinable
    public static func identity(_ n: Int) -> DenseMatrix {
        var m = DenseMatrix(zeros: n, n)
        for i in 0..<n { m.elements[i * n + i] = 1 }
        return m
    }

    @inlinable
    public subscript(_ i: Int, _ j: Int) -> Double {
        get { elements[i * columns + j] }
        set { elements[i * columns + j] = newValue }
    }

    /// `Aᵀ`.
    @inlinable
    public var transposed: DenseMatrix {
        var t = DenseMatrix(zeros: columns, rows)
        for i in 0..<rows { for j in 0..<columns { t.elements[j * rows + i] = elements[i * columns + j] } }
        return t
    }

    /// Row `i` as an array.
    @inlinable
    public func row(_ i: Int) -> [Double] { Array(elements[(i * columns)..<((i + 1) * columns)]) }

    /// Column `j` as an array.
    @inlinable
    public func column(_ j: Int) -> [Double] { (0..<rows).map { elements[$0 * columns + j] } }

    /// True when no entry is NaN or ±∞.
    @inlinable
    public var isFinite: Bool { elements.allSatisfy(\.isFinite) }
}
