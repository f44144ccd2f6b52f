import TestSupport
import SparseSolvers
#if canImport(Glibc)
import Glibc
#endif

/// Deterministic pseudo-random numbers (SplitMix64) so tests are reproducible.
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z = z ^ (z >> 31)
        return Double(z >> 11) / Double(1 << 53) * 2 - 1
    }
    mutating func vector(_ n: Int) -> [Double] { (0..<n).map { _ in next() } }
}

func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { maxOrNaN($0, abs($1.0 - $1.1)) }
}

func relativeError(_ x: [Double], _ reference: [Double]) -> Double {
    var d = 0.0, r = 0.0
    for i in 0..<x.count { d += (x[i] - reference[i]) * (x[i] - reference[i]); r += reference[i] * reference[i] }
    return (d / max(r, 1e-300)).squareRoot()
}

func trueRelativeResidual(_ a: any LinearOperator, _ x: [Double], _ b: [Double]) -> Double {
    VectorOperations.norm(VectorOperations.residual(a, x, b)) / VectorOperations.norm(b)
}

/// A smooth manufactured solution x*ᵢ = sin(3i/n) + 0.5 cos(7i/n) + 0.1 (independent of any solver).
func manufacturedSolution(_ n: Int) -> [Double] {
    (0..<n).map { i in let t = Double(i) / Double(n); return sin(3 * t) + 0.5 * cos(7 * t) + 0.1 }
}
