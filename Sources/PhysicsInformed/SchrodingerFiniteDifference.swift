import Foundation
import DenseLinearAlgebra

/// Lowest eigenpairs of `−ψ'' + V ψ = E ψ` on `[a, b]` with `ψ(a) = ψ(b) = 0`, by second-order
/// finite differences and the lowest pairs of a tridiagonal eigenproblem (`SymmetricTridiagonalEigendecomposition`,
/// LAPACK `dstevr`, MRRR).
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
        case lapack(LAPACKError)
        public var description: String {
            switch self {
            case .invalidArguments(let message): return "finite-difference eigen-solve: \(message)"
            case .lapack(let error): return "finite-difference eigen-solve: \(error)"
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
        let diagonal = nodes.map { x -> Double in
            var average = 0.0
            for k in 0..<16 { average += potential(x + (Double(k) + 0.5) / 16 * h - h / 2) }
            return 2 / (h * h) + average / 16
        }
        let offDiagonal = [Double](repeating: -1 / (h * h), count: n - 1)
        let pairs: SymmetricTridiagonalEigendecomposition
        do {
            pairs = try SymmetricTridiagonalEigendecomposition(diagonal: diagonal, offDiagonal: offDiagonal, selection: .lowest(count))
        } catch {
            throw .lapack(error)
        }
        let vectors = pairs.eigenvectors!   // n × count, eigenvectors as columns
        var states: [[Double]] = []
        for k in 0..<count {
            var psi = vectors.column(k)
            let norm = (h * psi.reduce(0) { $0 + $1 * $1 }).squareRoot()
            let sign: Double = psi.reduce(0, +) >= 0 ? 1 : -1
            psi = psi.map { sign * $0 / norm }
            states.append(psi)
        }
        return Eigenpairs(nodes: nodes, energies: pairs.eigenvalues, states: states)
    }
}
