import Foundation
import Testing
import GaussianProcesses

/// Closed-form kernel derivatives against central finite differences of the kernel itself.
@Suite struct KernelTests {
    func kernels() throws -> [StationaryKernel] {
        [
            try StationaryKernel(family: .squaredExponential, logWeights: [0.3], frequencies: [0], logLengthscales: [log(0.7)]),
            try StationaryKernel(family: .matern52, logWeights: [-0.2], frequencies: [0], logLengthscales: [log(0.4)]),
            try StationaryKernel(family: .spectralMixture, logWeights: [0, -1, 0.5], frequencies: [0.5, 1.7, 3.1],
                                 logLengthscales: [log(0.9), log(0.3), log(2)]),
            try StationaryKernel(family: .studentTMixture, logWeights: [0, -1], frequencies: [1.2, 2.5],
                                 logLengthscales: [log(0.6), log(1.5)]),
        ]
    }

    @Test func derivativesMatchFiniteDifferences() throws {
        let lags = [-1.3, -0.45, -0.07, 0.031, 0.2, 0.61, 1.9]
        let h = 1e-5
        for kernel in try kernels() {
            let center = kernel.values(atLags: lags)
            let plus = kernel.values(atLags: lags.map { $0 + h })
            let minus = kernel.values(atLags: lags.map { $0 - h })
            for i in 0..<lags.count {
                let first = (plus.value[i] - minus.value[i]) / (2 * h)
                let second = (plus.first[i] - minus.first[i]) / (2 * h)
                let scale = 1 + abs(center.second[i])
                #expect(abs(first - center.first[i]) < 1e-7 * scale, "\(kernel.family) k' at \(lags[i])")
                #expect(abs(second - center.second[i]) < 1e-6 * scale, "\(kernel.family) k'' at \(lags[i])")
            }
        }
    }

    @Test func valuesMatchTheDefiningFormulas() throws {
        let d = 0.37
        let se = try StationaryKernel(family: .squaredExponential, logWeights: [log(2)], frequencies: [0], logLengthscales: [log(0.5)])
        #expect(abs(se.values(atLags: [d]).value[0] - 2 * exp(-d * d / (2 * 0.25))) < 1e-14)
        let matern = try StationaryKernel(family: .matern52, logWeights: [0], frequencies: [0], logLengthscales: [log(0.5)])
        let r = sqrt(5) * d / 0.5
        #expect(abs(matern.values(atLags: [d]).value[0] - (1 + r + r * r / 3) * exp(-r)) < 1e-14)
        let sm = try StationaryKernel(family: .spectralMixture, logWeights: [0, log(0.5)], frequencies: [1, 3], logLengthscales: [0, log(2)])
        let expected = exp(-d * d / 2) * cos(2 * .pi * d) + 0.5 * exp(-d * d / 8) * cos(6 * .pi * d)
        #expect(abs(sm.values(atLags: [d]).value[0] - expected) < 1e-14)
        // Matérn-5/2 is twice differentiable at the origin: k''(0) = −(5/3ℓ²) w.
        #expect(abs(matern.values(atLags: [0]).second[0] + 5.0 / (3 * 0.25)) < 1e-12)
    }

    @Test func jeffreysPruningReportsSurvivors() throws {
        let k = try StationaryKernel(family: .spectralMixture, logWeights: [0, -20, -3], frequencies: [1, 2, 3], logLengthscales: [0, 0, 0])
        #expect(k.survivingComponents(relativeThreshold: 1e-3).map(\.frequency) == [1, 3])
        #expect(throws: GaussianProcessError.self) {
            try StationaryKernel(family: .squaredExponential, logWeights: [0, 0], frequencies: [0, 0], logLengthscales: [0, 0])
        }
    }
}
