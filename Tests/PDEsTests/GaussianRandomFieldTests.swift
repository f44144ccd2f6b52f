import Foundation
import Testing
import PDEs
import TensorCore

@Suite struct GaussianRandomFieldTests {
    /// Sample covariance at a few node pairs against the truncated KL kernel Σ λ_k φ_k(x) φ_k(y),
    /// summed independently here (no transform), within 5 standard errors.
    func checkCovariance(_ field: GaussianRandomField, samples: Int, pairs: [(Int, Int)],
                         kernel: ([Double], [Double]) -> Double) {
        var generator = SeededRandomNumberGenerator(seed: 7)
        var sums = [Double](repeating: 0, count: pairs.count)
        for _ in 0..<samples {
            let u = field.sample(using: &generator)
            for (i, (p, q)) in pairs.enumerated() { sums[i] += u[p] * u[q] }
        }
        for (i, (p, q)) in pairs.enumerated() {
            let x = field.grid.point(p), y = field.grid.point(q)
            let cxy = kernel(x, y), cxx = kernel(x, x), cyy = kernel(y, y)
            let estimate = sums[i] / Double(samples)
            let standardError = ((cxx * cyy + cxy * cxy) / Double(samples)).squareRoot()
            #expect(abs(estimate - cxy) < 5 * standardError, "pair \(p),\(q): \(estimate) vs \(cxy) ± \(standardError)")
        }
    }

    @Test func periodicSpectrumMatchesEigenvalues1D() throws {
        // E|û_k|² / n² = λ_k for the unnormalized DFT of the samples (naive DFT here).
        let n = 16, samples = 3000
        let field = try GaussianRandomField(grid: .unit(dimension: 1, size: n, layout: .periodic),
                                            alpha: 2, tau: 5, sigma: 25)
        var generator = SeededRandomNumberGenerator(seed: 3)
        var power = [Double](repeating: 0, count: n / 2 + 1)
        for _ in 0..<samples {
            let u = field.sample(using: &generator)
            for k in 0...(n / 2) {
                var re = 0.0, im = 0.0
                for j in 0..<n { let t = -2 * Double.pi * Double(k * j) / Double(n); re += u[j] * cos(t); im += u[j] * sin(t) }
                power[k] += (re * re + im * im) / Double(n * n)
            }
        }
        #expect(power[0] / Double(samples) < 1e-20)  // zero mean: no constant mode
        for k in 1...(n / 2) {
            let expected = field.eigenvalue([k])
            let ratio = power[k] / Double(samples) / expected
            // |ĉ|²/λ ~ χ²₂/2 (χ²₁ at Nyquist): relative std 1/√M (√(2/M)).
            let tolerance = 5 * (k == n / 2 ? 2.0 : 1.0).squareRoot() / Double(samples).squareRoot()
            #expect(abs(ratio - 1) < tolerance, "k = \(k): ratio \(ratio)")
        }
        // Independently: λ_k = 625 (4π²k² + 25)^(−2).
        #expect(abs(field.eigenvalue([3]) - 625 / pow(4 * .pi * .pi * 9 + 25, 2)) < 1e-15)
    }

    @Test func periodicCovariance2DOddAndEvenSizes() throws {
        let grid = try UniformGrid(sizes: [6, 5], layout: .periodic, lengths: [1, 2])
        let field = try GaussianRandomField(grid: grid, alpha: 1.5, tau: 2, sigma: 3)
        let kernel: ([Double], [Double]) -> Double = { x, y in
            var s = 0.0
            for m0 in 0..<6 { for m1 in 0..<5 {
                let k0 = m0 <= 3 ? m0 : m0 - 6, k1 = m1 <= 2 ? m1 : m1 - 5
                s += field.eigenvalue([k0, k1]) * cos(2 * .pi * (Double(k0) * (x[0] - y[0]) + Double(k1) * (x[1] - y[1]) / 2)) / 2
            } }
            return s
        }
        checkCovariance(field, samples: 4000, pairs: [(0, 0), (0, 1), (0, 7), (3, 20), (11, 11), (4, 29)], kernel: kernel)
    }

    @Test func neumannCovarianceVertexAndCellGrids() throws {
        for layout in [GridLayout.vertexCentred, .cellCentred] {
            let grid = try UniformGrid(sizes: [7, 6], layout: layout)
            let field = try GaussianRandomField(grid: grid, alpha: 2, tau: 3, sigma: 3, zeroMean: false)
            let kernel: ([Double], [Double]) -> Double = { x, y in
                var s = 0.0
                for k0 in 0..<7 { for k1 in 0..<6 {
                    let c = (k0 > 0 ? 2.0 : 1.0) * (k1 > 0 ? 2.0 : 1.0)
                    s += field.eigenvalue([k0, k1]) * c * cos(.pi * Double(k0) * x[0]) * cos(.pi * Double(k0) * y[0])
                        * cos(.pi * Double(k1) * x[1]) * cos(.pi * Double(k1) * y[1])
                } }
                return s
            }
            checkCovariance(field, samples: 4000, pairs: [(0, 0), (0, 1), (8, 8), (8, 15), (41, 41), (5, 36)], kernel: kernel)
        }
    }

    @Test func threeDimensionalCovariancePeriodicAndNeumann() throws {
        let periodic = try GaussianRandomField(grid: .unit(dimension: 3, size: 4, layout: .periodic), alpha: 1, tau: 1, sigma: 4)
        checkCovariance(periodic, samples: 3000, pairs: [(0, 0), (0, 1), (0, 5), (7, 42), (21, 21)]) { x, y in
            var s = 0.0
            for m0 in 0..<4 { for m1 in 0..<4 { for m2 in 0..<4 {
                let k = [m0, m1, m2].map { $0 <= 2 ? $0 : $0 - 4 }
                let phase = 2 * Double.pi * (Double(k[0]) * (x[0] - y[0]) + Double(k[1]) * (x[1] - y[1]) + Double(k[2]) * (x[2] - y[2]))
                s += periodic.eigenvalue(k) * cos(phase)
            } } }
            return s
        }
        let neumann = try GaussianRandomField(grid: .unit(dimension: 3, size: 3, layout: .cellCentred), alpha: 1, tau: 1, sigma: 4,
                                              zeroMean: false)
        checkCovariance(neumann, samples: 3000, pairs: [(0, 0), (0, 1), (4, 13), (26, 26), (2, 24)]) { x, y in
            var s = 0.0
            for k0 in 0..<3 { for k1 in 0..<3 { for k2 in 0..<3 {
                var term = neumann.eigenvalue([k0, k1, k2])
                for (a, k) in [k0, k1, k2].enumerated() {
                    term *= (k > 0 ? 2.0 : 1.0) * cos(.pi * Double(k) * x[a]) * cos(.pi * Double(k) * y[a])
                }
                s += term
            } } }
            return s
        }
    }

    @Test func fnoDarcyScalingAndReproducibility() throws {
        let field = try GaussianRandomField.fnoDarcy(resolution: 29)
        // FNO's GRF.m: √λ_k = τ^(α−1) (π²|k|² + τ²)^(−α/2), α = 2, τ = 3.
        #expect(abs(field.eigenvalue([1, 2]).squareRoot() - 3 / (Double.pi * Double.pi * 5 + 9)) < 1e-15)
        #expect(field.eigenvalue([0, 0]) == 0)
        var g1 = SeededRandomNumberGenerator(seed: 42), g2 = SeededRandomNumberGenerator(seed: 42)
        var g3 = SeededRandomNumberGenerator(seed: 43)
        let a = field.sample(using: &g1), b = field.sample(using: &g2), c = field.sample(using: &g3)
        #expect(a == b)
        #expect(a != c)
        #expect(a.count == 29 * 29)
        // 3-D periodic sampling runs and is reproducible too.
        let field3 = try GaussianRandomField(grid: .unit(dimension: 3, size: 8, layout: .periodic), alpha: 2, tau: 3, sigma: 1)
        var h1 = SeededRandomNumberGenerator(seed: 1), h2 = SeededRandomNumberGenerator(seed: 1)
        #expect(field3.sample(using: &h1) == field3.sample(using: &h2))
    }

    @Test func rejectsBadParameters() throws {
        let grid = try UniformGrid.unit(dimension: 1, size: 8, layout: .periodic)
        #expect(throws: PDEError.self) { try GaussianRandomField(grid: grid, alpha: 0, tau: 1, sigma: 1) }
        #expect(throws: PDEError.self) { try GaussianRandomField(grid: grid, alpha: 2, tau: 0, sigma: 1, zeroMean: false) }
        #expect(throws: PDEError.self) { try UniformGrid(sizes: [1], layout: .vertexCentred) }
    }
}
