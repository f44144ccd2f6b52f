import Foundation
import Testing
import TensorCore
import AutoDiff
import NeuralLayers

/// L-BFGS never reports a NaN or infinite loss or gradient as convergence.
@Suite struct LBFGSNonFiniteTests {
    /// `Σ (θ − 3)²`, scaled by `factor` (NaN makes the loss and the gradient NaN).
    func shiftedSquare(_ point: Parameter<Double>, factor: Double = 1) -> Double {
        let loss = ((point.variable - 3).squared() * factor).sum()
        loss.backward()
        return loss.value.scalar
    }

    @Test func nanAtTheStartIsNonFinite() {
        let point = Parameter(Tensor<Double>([0, 1]))
        let report = LBFGS<Double>().minimize([point], maximumIterations: 50) { shiftedSquare(point, factor: .nan) }
        #expect(report.outcome == .nonFinite)
        #expect(!report.outcome.isConvergence)
        #expect(report.iterations == 0)
        #expect(point.value.scalars == [0, 1], "parameters must stay at the start")
    }

    @Test func nanGradientWithAFiniteLossIsNonFinite() {
        let point = Parameter(Tensor<Double>([0, 1]))
        let report = LBFGS<Double>().minimize([point], maximumIterations: 50) {
            _ = shiftedSquare(point)
            point.node.gradient = Tensor(uncheckedShape: [2], scalars: [.nan, .nan])
            return 1
        }
        #expect(report.outcome == .nonFinite)
    }

    @Test func nanAfterSomeIterationsIsNonFinite() {
        // Rosenbrock from (−1.2, 1) needs tens of iterations; after 12 evaluations the objective is
        // NaN everywhere. The run must not end as "gradient tolerance" (the old max-abs dropped
        // NaN) but as nonFinite, with the parameters at the last finite point.
        let point = Parameter(Tensor<Double>([-1.2, 1]))
        var evaluations = 0
        let report = LBFGS<Double>().minimize([point], maximumIterations: 200) {
            evaluations += 1
            let v = point.variable
            let x = v.sliced(alongAxis: 0, 0..<1), y = v.sliced(alongAxis: 0, 1..<2)
            let loss = ((1 - x).squared() + (y - x * x).squared() * 100).sum() * (evaluations > 12 ? Double.nan : 1)
            loss.backward()
            return loss.value.scalar
        }
        #expect(report.outcome == .nonFinite, "outcome \(report.outcome) after \(report.iterations) iterations")
        #expect(report.iterations >= 1)
        #expect(point.value.scalars.allSatisfy { $0.isFinite }, "parameters must be the last finite point: \(point.value.scalars)")
        #expect(report.finalLoss.isFinite && report.finalLoss < 24.2, "final loss \(report.finalLoss) (start 24.2)")
    }

    @Test func aNaNRegionIsAvoidedNotReportedAsConvergence() {
        // The minimum θ = 3 lies inside a region where the loss is NaN (θ > 2): L-BFGS backtracks
        // out of it and stays at finite points (it may stop on the loss-change tolerance at the edge).
        let point = Parameter(Tensor<Double>([0]))
        let report = LBFGS<Double>().minimize([point], maximumIterations: 100) {
            shiftedSquare(point, factor: point.value.scalars[0] > 2 ? .nan : 1)
        }
        #expect(report.outcome != .gradientTolerance, "outcome \(report.outcome)")
        #expect(point.value.scalars[0] <= 2 && point.value.scalars[0] > 1.9, "ended at \(point.value.scalars[0])")
        #expect(report.lossHistory.allSatisfy { $0.isFinite })
    }
}
