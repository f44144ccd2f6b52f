import CBLAS
import DenseLinearAlgebra
import SparseSolvers

/// Ritz pairs of a symmetric operator from the Lanczos process with full reorthogonalization.
///
/// ```
/// v₁ = s/‖s‖,  β₀ = 0
/// for j = 1 … m:  w = A vⱼ − βⱼ₋₁ vⱼ₋₁;  αⱼ = vⱼᵀ w;  w ← w − αⱼ vⱼ
///                 w ← w − V (Vᵀ w)   (twice: full reorthogonalization against v₁ … vⱼ)
///                 βⱼ = ‖w‖;  vⱼ₊₁ = w/βⱼ            (stop early when βⱼ ≤ 1e-12 · max|α|: invariant subspace)
/// Tₘ = tridiag(β, α, β) = S Θ Sᵀ   (SymmetricTridiagonalEigendecomposition, LAPACK dstev)
/// Ritz values θᵢ, Ritz vectors yᵢ = Vₘ sᵢ   (ascending θ)
/// ```
/// Kaneda et al. build their training right-hand sides from these vectors: the extreme Ritz pairs
/// converge first, so a moderate m already resolves the low end of the spectrum that a preconditioner
/// most needs to learn.
///
/// Complexity: m products with A plus O(n m²) for the reorthogonalization and O(n m²) for Y = V S;
/// memory n m doubles for V (n = 32³, m = 256: 64 MB).
/// References: C. Lanczos, J. Res. NBS 45, 1950; B. N. Parlett, *The Symmetric Eigenvalue Problem*,
/// SIAM 1998, ch. 13; Kaneda et al., "A Deep Conjugate Direction Method for Iteratively Solving Linear
/// Systems", ICML 2023, §4 (training data).
public struct RitzBasis: Sendable {
    /// Vector length n.
    public let length: Int
    /// Ritz values θ₁ ≤ … ≤ θ_k.
    public let values: [Double]
    /// Ritz vectors, column-major n × k (unit 2-norm, mutually orthogonal).
    public let vectors: [Double]
    public var count: Int { values.count }

    /// Ritz vector i (0-based, ascending θ).
    public func vector(_ i: Int) -> [Double] { Array(vectors[(i * length)..<((i + 1) * length)]) }

    /// Computes up to `dimension` Ritz pairs of the symmetric operator `a` from the Krylov space of `start`.
    public static func lanczos(_ a: any LinearOperator, start: [Double], dimension m: Int) throws -> RitzBasis {
        let n = a.rowCount
        guard a.columnCount == n, start.count == n else {
            throw LearnedSolverError.invalidConfiguration("Lanczos: operator is \(a.rowCount)×\(a.columnCount), start vector has length \(start.count)")
        }
        guard m >= 1, m <= n else { throw LearnedSolverError.invalidConfiguration("Krylov dimension must be in 1…\(n), got \(m)") }
        let startNorm = VectorOperations.norm(start)
        guard startNorm > 0, startNorm.isFinite else { throw LearnedSolverError.emptyKrylovSpace }
        var basis = [Double](repeating: 0, count: n * m)
        var alpha: [Double] = [], beta: [Double] = []
        var v = start.map { $0 / startNorm }
        var previous = [Double](repeating: 0, count: n)
        var w = [Double](repeating: 0, count: n)
        var largest = 0.0
        let n32 = Int32(n)
        for j in 0..<m {
            basis.withUnsafeMutableBufferPointer { bp in
                for i in 0..<n { bp[i + j * n] = v[i] }
            }
            // w = A vⱼ − βⱼ₋₁ vⱼ₋₁
            a.apply(v, into: &w)
            if j > 0 { VectorOperations.axpy(-beta[j - 1], previous, &w) }
            // αⱼ = vⱼᵀ w;  w ← w − αⱼ vⱼ
            let a_j = VectorOperations.dot(v, w)
            alpha.append(a_j)
            largest = max(largest, abs(a_j))
            VectorOperations.axpy(-a_j, v, &w)
            // full reorthogonalization, twice: w ← w − V (Vᵀ w)
            _ = GramSchmidt.orthogonalize(&w, againstFirst: j + 1, rowsOf: basis, reorthogonalization: .always)
            if j == m - 1 { break }
            let b_j = VectorOperations.norm(w)
            guard b_j.isFinite else { throw LearnedSolverError.invalidConfiguration("Lanczos produced a non-finite vector") }
            if b_j <= 1e-12 * max(largest, 1e-300) { break }   // invariant subspace found
            beta.append(b_j)
            previous = v
            v = w.map { $0 / b_j }
        }
        // Tₖ = S Θ Sᵀ
        let k = alpha.count
        let t = try SymmetricTridiagonalEigendecomposition(diagonal: alpha, offDiagonal: Array(beta.prefix(k - 1)))
        let s = t.eigenvectors!.elements   // row-major S = column-major Sᵀ
        // Y = Vₖ S  (column-major n × k; S enters transposed because its buffer is Sᵀ column-major)
        var y = [Double](repeating: 0, count: n * k)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, n32, Int32(k), Int32(k), 1, basis, n32, s, Int32(k), 0, &y, n32)
        return RitzBasis(length: n, values: t.eigenvalues, vectors: y)
    }
}
