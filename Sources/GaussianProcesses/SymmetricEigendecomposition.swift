import CBLAS

/// `A = Q Λ Qᵀ` of a real symmetric matrix by LAPACK's divide-and-conquer `dsyevd`.
///
/// Complexity: O(n³).
public struct SymmetricEigendecomposition: Sendable {
    /// Eigenvalues in ascending order.
    public let eigenvalues: [Double]
    /// Orthonormal eigenvectors as the columns of a row-major `n × n` matrix.
    public let eigenvectors: [Double]
    public var size: Int { eigenvalues.count }

    /// Decomposes the row-major symmetric `n × n` matrix `matrix` (its lower triangle is read).
    public init(symmetric matrix: [Double], size n: Int) throws {
        guard n >= 1, matrix.count == n * n else {
            throw GaussianProcessError.invalidArgument("eigendecomposition needs an n×n matrix")
        }
        guard matrix.allSatisfy(\.isFinite) else { throw GaussianProcessError.nonFinite("matrix to decompose") }
        var a = matrix
        var w = [Double](repeating: 0, count: n)
        let info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "L")), Int32(n), &a, Int32(n), &w)
        guard info == 0 else { throw GaussianProcessError.lapackFailure(routine: "dsyevd", info: Int(info)) }
        eigenvalues = w
        eigenvectors = a
    }

    var vectors: DenseMatrix { DenseMatrix(rows: size, columns: size, elements: eigenvectors) }
}
