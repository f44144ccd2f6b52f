import TestSupport
import Foundation
import Testing
import TensorCore
import PhysicsInformed

/// The Float64 SIMD kernels of the jet path against libm and a reference triple loop.
@Suite struct NarrowLayerKernelTests {
    /// Distance in units in the last place (monotone integer map of the doubles).
    static func ulps(_ a: Double, _ b: Double) -> UInt64 {
        func key(_ x: Double) -> Int64 {
            let bits = Int64(bitPattern: x.bitPattern)
            return bits < 0 ? Int64.min &- bits : bits
        }
        let d = key(a) &- key(b)
        return d.magnitude
    }

    /// tanh within 4 ulp of libm from subnormals to beyond the saturation at |x| ≈ 19.06, both signs,
    /// with exact ±0, ±1 at ±∞ and NaN passed through.
    @Test func tanhMatchesLibm() {
        var x: [Double] = [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNormalMagnitude, 1e-300,
                           19.06, 19.07, 40, 710, 1e300, .greatestFiniteMagnitude, 0.17328679513998632, 0.34657359027997264]
        var generator = SeededRandomNumberGenerator(seed: 11)
        for _ in 0..<200_000 {
            let u = generator.nextUnitInterval()
            let magnitude = generator.nextUnitInterval() < 0.5 ? pow(10, -320 + 325 * u) : 25 * u
            x.append(generator.nextUnitInterval() < 0.5 ? -magnitude : magnitude)
        }
        let y = NarrowLayerKernels.tanh(x)
        var worst: UInt64 = 0
        for (xi, yi) in zip(x, y) {
            let reference = Foundation.tanh(xi)
            worst = max(worst, Self.ulps(yi, reference))
            #expect(yi.sign == reference.sign)
        }
        #expect(worst <= 4, "max ulp \(worst)")
        #expect(y[0] == 0 && y[0].sign == .plus && y[1] == 0 && y[1].sign == .minus)
        #expect(y[2] == 1 && y[3] == -1)
        #expect(NarrowLayerKernels.tanh([.nan, 1, 2])[0].isNaN)
    }

    /// Both products against a triple loop, on shapes that exercise partial row blocks (m mod 4),
    /// partial column tiles (n mod 8, one and two tiles), k = 1, and the parallel split (≥ 2²⁰ multiply–adds).
    @Test(arguments: [(1, 1, 1), (7, 20, 20), (45, 3, 50), (130, 50, 17), (257, 9, 1), (6000, 20, 20), (2000, 33, 40)])
    func productsMatchTripleLoop(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var generator = SeededRandomNumberGenerator(seed: UInt64(m * 131 + n * 7 + k))
        let a = (0..<(m * k)).map { _ in generator.nextUnitInterval() - 0.5 }
        let b = (0..<(k * n)).map { _ in generator.nextUnitInterval() - 0.5 }
        let g = (0..<(m * n)).map { _ in generator.nextUnitInterval() - 0.5 }
        let c = NarrowLayerKernels.multiply(a, b, m: m, n: n, k: k)
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for q in 0..<k { sum += a[i * k + q] * b[q * n + j] }
                worst = maxOrNaN(worst, abs(sum - c[i * n + j]))
            }
        }
        #expect(worst <= 1e-13 * Double(k), "A B: max error \(worst)")
        let w = NarrowLayerKernels.multiplyTransposed(a, g, m: m, n: n, k: k)
        worst = 0
        for i in 0..<k {
            for j in 0..<n {
                var sum = 0.0
                for r in 0..<m { sum += a[r * k + i] * g[r * n + j] }
                worst = maxOrNaN(worst, abs(sum - w[i * n + j]))
            }
        }
        #expect(worst <= 1e-13 * Double(m), "Aᵀ B: max error \(worst)")
    }
}
