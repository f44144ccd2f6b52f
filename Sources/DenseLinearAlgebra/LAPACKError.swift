/// The one error type of PDEKit's dense linear algebra: which LAPACK routine refused, its `info` code,
/// and what that means for the caller.
///
/// LAPACK reports through `info`: `info < 0` means argument `−info` was illegal; `info > 0` has a
/// routine-specific meaning (a zero pivot `U_ii` in `?getrf`, a leading minor that is not positive
/// definite in `?potrf`, eigenvalues that did not converge in `?syevd`/`?stev`/`?gesdd`/`?ggev`).
/// Checks made before calling LAPACK (shape, NaN/∞ input, numerical rank) use `info = 0`.
public struct LAPACKError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// Shape or size the routine cannot take (not square, too large for a 32-bit LAPACK, empty).
        case invalidShape(String)
        /// An input entry is NaN or ±∞.
        case nonFiniteInput
        /// LAPACK rejected argument number `position`.
        case illegalArgument(position: Int)
        /// LU met an exactly zero pivot `U_ii` (1-based `pivot`): the matrix is singular.
        case singular(pivot: Int)
        /// Cholesky: the leading minor of order `order` is not positive definite.
        case notPositiveDefinite(order: Int)
        /// An eigen- or singular-value iteration did not converge (`count` from `info`).
        case noConvergence(count: Int)
        /// QR/LQ: diagonal entry `index` (0-based) of the triangular factor is negligible
        /// (`|r_ii| ≤ 10⁻¹³ max|r_jj|`): the vectors are numerically linearly dependent.
        case rankDeficient(index: Int)
    }

    /// LAPACK routine name without the `LAPACKE_` prefix, e.g. `"dpotrf"`.
    public let routine: String
    /// LAPACK's `info` (0 for checks made before the call).
    public let info: Int
    public let reason: Reason

    public init(routine: String, info: Int, reason: Reason) {
        self.routine = routine; self.info = info; self.reason = reason
    }

    /// Maps a non-zero `info` of `routine` to a reason; `positive` says what `info > 0` means there.
    init(routine: String, info: Int32, positive: (Int) -> Reason) {
        let code = Int(info)
        self.init(routine: routine, info: code, reason: code < 0 ? .illegalArgument(position: -code) : positive(code))
    }

    public var description: String {
        let what: String
        switch reason {
        case .invalidShape(let message): what = message
        case .nonFiniteInput: what = "the input contains NaN or infinity"
        case .illegalArgument(let position): what = "argument \(position) is illegal"
        case .singular(let pivot): what = "the matrix is singular (zero pivot U(\(pivot),\(pivot)))"
        case .notPositiveDefinite(let order): what = "the matrix is not positive definite (leading minor of order \(order))"
        case .noConvergence(let count): what = "the iteration did not converge (\(count) values)"
        case .rankDeficient(let index): what = "the vectors are numerically linearly dependent (diagonal \(index) of the triangular factor)"
        }
        return "LAPACK \(routine): \(what) (info \(info))"
    }
}

/// `n` as LAPACK's 32-bit integer, or a typed error.
func lapackSize(_ n: Int, routine: String) throws(LAPACKError) -> Int32 {
    guard let small = Int32(exactly: n) else {
        throw LAPACKError(routine: routine, info: 0, reason: .invalidShape("dimension \(n) exceeds LAPACK's 32-bit range"))
    }
    return small
}

/// Throws `.nonFiniteInput` when `values` holds NaN or ±∞.
func requireFinite(_ values: [Double], routine: String) throws(LAPACKError) {
    guard values.allSatisfy(\.isFinite) else { throw LAPACKError(routine: routine, info: 0, reason: .nonFiniteInput) }
}

/// Throws `.invalidShape` unless `a` is square and non-empty.
func requireSquare(_ a: DenseMatrix, routine: String) throws(LAPACKError) {
    guard a.rows == a.columns, a.rows >= 1 else {
        throw LAPACKError(routine: routine, info: 0, reason: .invalidShape("needs a non-empty square matrix, got \(a.rows)×\(a.columns)"))
    }
}

/// LAPACK's character arguments.
extension CChar {
    static func lapack(_ letter: Unicode.Scalar) -> CChar { CChar(UInt8(ascii: letter)) }
}
