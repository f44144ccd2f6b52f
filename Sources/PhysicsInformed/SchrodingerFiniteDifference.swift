import Foundation
import CBLAS

/// Lowest eigenpairs of `−ψ'' + V ψ = E ψ` on `[a, b]` with `ψ(a) = ψ(b) = 0`, by second-order
/// finite differences and LAPACK's tridiagonal eigensolver (`dstevr`, MRRR).
///
/// With `n` interior nodes `x_i = a + i h`, `h = (b − a)/(n + 1)`:
/// ```
/// (−ψ_{i−1} + 2ψ_i − ψ_{i+1})/h² + V(x_i) ψ_i = E ψ_i     (symmetric tridiagonal T ψ = E ψ)
/// ```
/// `V(x_i)` is replaced by its cell average, so the eigenvalue error stays O(h²) also when V jumps
/// (finite wells and barriers). Eigenvectors are normalized to `h Σ ψ_i² = 1` and signed so that `Σ ψ_i ≥ 0`.
/// Reference: LAPACK Users' Guide, 3rd ed. (1999), `?stevr`; Dhillon & Parlett, LAA 387 (2004).
public enum SchrodingerFiniteDifference {
    public struct Eigenpairs: Sendable {
        /// Interior nodes.
        public let nodes: [Double]
        /// `E_0 ≤ E_1 ≤ …`.
        public let energies: [Double]
        /// `states[k][i] = ψ_k(x_i)`, normalized.
        public let states: [[Double]]
    }

    /// Errors a caller can cause.
    public enum SolveError: Error, CustomStringConvertible {
        case invalidArguments(String)
        case lapackFailure(Int32)
        public var description: String {
            switch self {
            case .invalidArguments(let message): return "finite-difference eigen-solve: \(message)"
            case .lapackFailure(let info): return "finite-difference eigen-solve: LAPACK dstevr failed (info \(info))"
            }
        }
    }

    /// The lowest `count` eigenpairs on `n` interior nodes.
    public static func solve(potential: (Double) -> Double, interval: (lower: Double, upper: Double),
                             interiorNodes n: Int, count: Int) throws(SolveError) -> Eigenpairs {
        guard n >= 3, count >= 1, count <= n, interval.lower < interval.upper else {
            throw .invalidArguments("need ≥ 3 nodes, 1 ≤ count ≤ nodes and a < b (got n = \(n), count = \(count))")
        }
        let h = (interval.upper - interval.lower) / Double(n + 1)
        let nodes = (1...n).map { interval.lower + Double($0) * h }
        // V_i = cell average of V over [x_i − h/2, x_i + h/2] (16-point midpoint rule): keeps the
        // eigenvalue error O(h²) when V jumps inside a cell.
        var diagonal = nodes.map { x -> Double in
            var average = 0.0
            for k in 0..<16 { average += potential(x + (Double(k) + 0.5) / 16 * h - h / 2) }
            return 2 / (h * h) + average / 16
        }
        var offDiagonal = [Double](repeating: -1 / (h * h), count: n)   // n − 1 used; dstevr wants n
        var found: Int32 = 0
        var values = [Double](repeating: 0, count: n)
        var vectors = [Double](repeating: 0, count: n * count)
        var support = [Int32](repeating: 0, count: 2 * count)
        let info = LAPACKE_dstevr(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "I")), Int32(n),
                                  &diagonal, &offDiagonal, 0, 0, 1, Int32(count), 0, &found, &values, &vectors,
                                  Int32(n), &support)
        guard info == 0, found == Int32(count) else { throw .lapackFailure(info) }
        var states: [[Double]] = []
        for k in 0..<count {
            var psi = Array(vectors[(k * n)..<((k + 1) * n)])
            let norm = (h * psi.reduce(0) { $0 + $1 * $1 }).squareRoot()
            let sign: Double = psi.reduce(0, +) >= 0 ? 1 : -1
            psi = psi.map { sign * $0 / norm }
            states.append(psi)
        }
        return Eigenpairs(nodes: nodes, energies: Array(values.prefix(count)), states: states)
    }
}
