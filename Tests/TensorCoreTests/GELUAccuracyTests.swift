import Foundation
import Testing
import TensorCore
import TestSupport

/// The fused GELU `x Φ(x)` and its pullback `g (Φ(x) + x φ(x))` against libm in Double:
/// the Float vector kernel to a few float ulps relative (also in the lower tail, where `1 + erf`
/// would cancel), and the Double path consistent with its own finite differences, so that Float64
/// gradient checks can run through GELU. scripts/kernel-levels-check.sh runs this at every SIMD level.
@Suite struct GELUAccuracyTests {
    /// Φ(x) in Double from libm's erfc (accurate in both tails).
    static func exactCDF(_ x: Double) -> Double { erfc(-x / 2.0.squareRoot()) / 2 }
    static func exactPDF(_ x: Double) -> Double { exp(-x * x / 2) / (2 * Double.pi).squareRoot() }

    /// Every Float on a grid of step 2⁻¹⁰ over [−13, 13] and a spread of magnitudes.
    static let floatInputs: [Float] = {
        var xs = stride(from: -13.0, through: 13.0, by: 1.0 / 1024).map { Float($0) }
        for e in -40...3 { let v = Float(sign: .plus, exponent: e, significand: 1.37); xs += [v, -v] }
        return xs
    }()

    @Test func floatForwardIsAccurateToAFewUlps() {
        let xs = Self.floatInputs
        let y = Tensor<Float>(xs).gaussianErrorLinearUnit()
        var worst = 0.0
        for (i, x) in xs.enumerated() {
            let exact = Double(x) * Self.exactCDF(Double(x))
            guard abs(exact) >= 1e-36 else {                    // float underflow range: absolute only
                #expect(abs(Double(y.scalars[i]) - exact) <= 1e-37, "gelu(\(x))")
                continue
            }
            worst = maxOrNaN(worst, abs(Double(y.scalars[i]) - exact) / abs(exact))
        }
        // 8 ulps of Float (2⁻²³ ≈ 1.19e-7); the Abramowitz–Stegun erf used before gave 5e-5 at x = −3.
        #expect(worst <= 8 * 0x1p-23, "largest relative error \(worst)")
    }

    @Test func floatPullbackIsAccurateToAFewUlps() {
        let xs = Self.floatInputs
        var generator = SeededRandomNumberGenerator(seed: 25)
        let g = Tensor<Float>.normal([xs.count], using: &generator)
        let y = Tensor<Float>.gaussianErrorLinearUnitPullback(Tensor<Float>(xs), cotangent: g)
        var worst = 0.0
        for (i, x) in xs.enumerated() {
            let v = Double(x), cdf = Self.exactCDF(v), pdf = Self.exactPDF(v)
            let exact = Double(g.scalars[i]) * (cdf + v * pdf)
            // Relative to the size of the two terms: Φ + xφ crosses zero near x = −0.75.
            let scale = abs(Double(g.scalars[i])) * (cdf + abs(v) * pdf)
            guard scale >= 1e-36 else { #expect(abs(Double(y.scalars[i]) - exact) <= 1e-37, "gelu'(\(x))"); continue }
            worst = maxOrNaN(worst, abs(Double(y.scalars[i]) - exact) / scale)
        }
        #expect(worst <= 8 * 0x1p-23, "largest relative error \(worst)")
    }

    @Test func floatSpecialValues() {
        let y = Tensor<Float>([.nan, .infinity, -200, 200, 0, -0.0]).gaussianErrorLinearUnit().scalars
        #expect(y[0].isNaN)
        #expect(y[1] == .infinity)
        #expect(y[2] == 0 && y[3] == 200 && y[4] == 0 && y[5] == 0)
        let g = Tensor<Float>.gaussianErrorLinearUnitPullback(Tensor<Float>([.nan, 200, -200]), cotangent: .ones([3])).scalars
        #expect(g[0].isNaN)
        #expect(g[1] == 1 && g[2] == 0)
    }

    /// The Double pullback is the derivative of the Double forward: central differences (step 1e-5,
    /// truncation ~1e-11) agree to 1e-9, which an erf approximated to 1e-7 cannot.
    @Test func doublePullbackDifferentiatesTheDoubleForward() {
        let xs = stride(from: -9.0, through: 9.0, by: 0.0137).map { $0 }
        let h = 1e-5
        let plus = Tensor<Double>(xs.map { $0 + h }).gaussianErrorLinearUnit()
        let minus = Tensor<Double>(xs.map { $0 - h }).gaussianErrorLinearUnit()
        let pullback = Tensor<Double>.gaussianErrorLinearUnitPullback(Tensor<Double>(xs), cotangent: .ones([xs.count]))
        let forward = Tensor<Double>(xs).gaussianErrorLinearUnit()
        var worstDerivative = 0.0, worstValue = 0.0
        for i in xs.indices {
            let numeric = (plus.scalars[i] - minus.scalars[i]) / (2 * h)
            worstDerivative = maxOrNaN(worstDerivative, abs(numeric - pullback.scalars[i]))
            let erfForm = xs[i] * (1 + erf(xs[i] / 2.0.squareRoot())) / 2
            worstValue = maxOrNaN(worstValue, abs(forward.scalars[i] - erfForm) / max(abs(erfForm), 1))
        }
        #expect(worstDerivative <= 1e-9, "\(worstDerivative)")
        #expect(worstValue <= 1e-15, "\(worstValue)")
    }
}
