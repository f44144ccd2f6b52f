import Foundation

/// One-dimensional potentials `V(x)` for the stationary Schrödinger equation (units ħ²/2m = 1),
/// each on a box with infinite walls at its ends.
///
/// ```
/// infiniteWell:                 V = 0 on [0, 1];                    E_n = n²π²,  ψ_n = √2 sin(nπx)
/// finiteWell(depth, width, L):  V = 0 for |x| < w/2, V₀ otherwise, on [−L, L]
/// finiteBarrier(height, width): V = V₀ for |x| < w/2, 0 otherwise, on [−1, 1]
/// ```
/// Reference: Jin, Mattheakis & Protopapas, "Physics-informed neural networks for quantum
/// eigenvalue problems", IJCNN 2022 (and the one-dimensional quantum well set-ups it follows).
public enum QuantumWellPotential: Sendable, Equatable {
    case infiniteWell
    case finiteWell(depth: Double, width: Double, halfDomain: Double)
    case finiteBarrier(height: Double, width: Double)

    /// The box `[a, b]` with walls `ψ(a) = ψ(b) = 0`.
    public var interval: (lower: Double, upper: Double) {
        switch self {
        case .infiniteWell: return (0, 1)
        case .finiteWell(_, _, let halfDomain): return (-halfDomain, halfDomain)
        case .finiteBarrier: return (-1, 1)
        }
    }

    /// Where `V` jumps (inside the box).
    public var discontinuities: [Double] {
        switch self {
        case .infiniteWell: return []
        case .finiteWell(_, let width, _), .finiteBarrier(_, let width): return [-width / 2, width / 2]
        }
    }

    /// `V(x)`.
    public func value(at x: Double) -> Double {
        switch self {
        case .infiniteWell: return 0
        case .finiteWell(let depth, let width, _): return abs(x) < width / 2 ? 0 : depth
        case .finiteBarrier(let height, let width): return abs(x) < width / 2 ? height : 0
        }
    }

    /// The exact energy of state `n` (0-based) when known in closed form or by a scalar root.
    ///
    /// Finite well (even states, walls far away): `k tan(k w/2) = κ`, `k = √E`, `κ = √(V₀ − E)`,
    /// solved by bisection; odd states: `−k cot(k w/2) = κ`. The walls at `±L` shift the energy by
    /// about `e^{−2κ(L − w/2)}`, negligible for the defaults.
    public func exactEnergy(state n: Int) -> Double? {
        switch self {
        case .infiniteWell:
            return Double((n + 1) * (n + 1)) * Double.pi * Double.pi
        case .finiteWell(let depth, let width, _):
            // Bound states alternate even/odd; the n-th lies with k w/2 ∈ (nπ/2, (n+1)π/2).
            let a = width / 2
            func mismatch(_ e: Double) -> Double {
                let k = e.squareRoot(), kappa = (depth - e).squareRoot()
                return n % 2 == 0 ? k * sin(k * a) - kappa * cos(k * a) : -k * cos(k * a) - kappa * sin(k * a)
            }
            var low = pow(Double(n) * Double.pi / 2 / a, 2) + 1e-12
            var high = min(depth, pow(Double(n + 1) * Double.pi / 2 / a, 2)) - 1e-12
            guard low < high, mismatch(low) * mismatch(high) < 0 else { return nil }
            for _ in 0..<200 {
                let middle = (low + high) / 2
                if mismatch(low) * mismatch(middle) <= 0 { high = middle } else { low = middle }
            }
            return (low + high) / 2
        case .finiteBarrier:
            return nil
        }
    }
}
