import Foundation
import Testing
import GaussianProcesses
import TensorCore

/// GP-HM never turns a NaN or a failed evaluation into a finished run.
@Suite struct SolverNonFiniteTests {
    func configuration(learningRate: Double) -> GaussianProcessSolver.Configuration {
        var c = GaussianProcessSolver.Configuration()
        c.components = 4
        c.maximumFrequency = 5
        c.initialLengthscale = 0.5
        c.collocationPointsPerAxis = 40
        c.adamIterations = 10
        c.lbfgsIterations = 5
        c.hyperparameterLearningRate = learningRate
        return c
    }

    @Test func aHugeHyperparameterStepIsANonFiniteError() throws {
        // The CLI's defaults on sin(20x) with 60 points: Adam moves each hyperparameter by about the
        // learning rate, and log-weights of +1e300 overflow the kernel. This used to end the Adam
        // phase silently and report the run as finished.
        var c = configuration(learningRate: 1e300)
        c.components = 30
        c.maximumFrequency = 1.25 * 20 / (2 * .pi)
        c.initialLengthscale = 0.3
        c.collocationPointsPerAxis = 60
        c.jeffreysWeight = 3
        let solver = try GaussianProcessSolver(problem: .poissonSine1D(frequency: 20), configuration: c)
        do {
            let result = try solver.run()
            Issue.record("a run with learning rate 1e300 finished: Adam \(result.adamOutcome), L-BFGS \(result.lbfgsOutcome)")
        } catch GaussianProcessError.nonFinite(let what) {
            #expect(what.contains("Adam step 2"), "\(what)")
        }
    }

    @Test func aStepToASingularKernelIsStatedInTheOutcome() throws {
        // Here the step drives the weights to 0 (log-weights −1e300): the kernel is singular, Adam goes
        // back to the last good step and stops, and the result says so instead of "completed".
        let result = try GaussianProcessSolver(problem: .poissonSine1D(frequency: 10, length: .pi),
                                               configuration: configuration(learningRate: 1e300)).run()
        #expect(result.adamOutcome.hasPrefix("stopped at step 2: LAPACK"), "\(result.adamOutcome)")
        #expect(result.adamIterations == 1)
        #expect(result.lossHistory.allSatisfy { $0.isFinite })
    }

    @Test func nanSettingsAreRejectedUpFront() {
        for rate in [Double.nan, .infinity, 0, -1] {
            #expect(throws: GaussianProcessError.self) {
                try GaussianProcessSolver(problem: .poissonSine1D(frequency: 10, length: .pi), configuration: configuration(learningRate: rate))
            }
        }
        var c = configuration(learningRate: 0.05)
        c.jitter = .nan
        #expect(throws: GaussianProcessError.self) { try GaussianProcessSolver(problem: .poissonSine1D(frequency: 10, length: .pi), configuration: c) }
    }

    /// `--maximum-frequency 0` ran to a "converged" L-BFGS outcome with relative error 1: every
    /// component started at frequency 0. Zero, negative and non-finite values are refused by the run
    /// configuration (the CLI's path) and, for a mixture of several components, by the solver.
    @Test func aZeroOrNonFiniteMaximumFrequencyIsRefused() throws {
        let pde = GaussianProcessProblem.poissonSine1D(frequency: 10, length: .pi)
        for value in [0, -1, Double.nan, .infinity] {
            var run = GaussianProcessRunConfiguration()
            run.problem = .poisson1d
            run.frequency = 10
            run.maximumFrequency = value
            #expect(throws: GaussianProcessRunConfiguration.SettingError.self) { try run.validate(for: pde) }
            var c = configuration(learningRate: 0.05)
            c.maximumFrequency = value
            #expect(throws: GaussianProcessError.self) { try GaussianProcessSolver(problem: pde, configuration: c) }
        }
        // One squared-exponential component at frequency 0 is a meaningful kernel and stays accepted.
        var single = configuration(learningRate: 0.05)
        (single.components, single.maximumFrequency) = (1, 0)
        _ = try GaussianProcessSolver(problem: pde, configuration: single)
    }

    /// Boundary data of 1e300 with σ_b = 1e-6 overflow the objective to infinity on the values-only path
    /// (no Adam or L-BFGS phase to stop on it): the run is a nonFinite error, never a Result whose final
    /// loss is infinite.
    @Test func anInfiniteFinalLossIsAnError() throws {
        let pde = try GaussianProcessProblem(name: "huge-boundary", equation: .poisson, lowerBounds: [0], upperBounds: [1],
                                             solution: { _ in 1e300 }, source: { _ in 0 })
        var c = configuration(learningRate: 0.05)
        (c.adamIterations, c.lbfgsIterations) = (0, 0)
        do {
            let result = try GaussianProcessSolver(problem: pde, configuration: c).run()
            Issue.record("finished with losses \(result.lossHistory)")
        } catch GaussianProcessError.nonFinite(let what) {
            #expect(what.contains("objective"), "\(what)")
        }
    }

    @Test func aFiniteRunReportsItsAdamOutcome() throws {
        let result = try GaussianProcessSolver(problem: .poissonSine1D(frequency: 10, length: .pi),
                                               configuration: configuration(learningRate: 0.05)).run()
        #expect(result.adamOutcome == "completed")
        #expect(result.lossHistory.allSatisfy { $0.isFinite })
    }

    @Test func problemNamesOfHugeFrequenciesDoNotTrap() {
        // The name used Int(a), which traps for 1e300 or NaN.
        #expect(GaussianProcessProblem.poissonSine1D(frequency: 1e300).name == "poisson1d-sin1e+300")
        #expect(GaussianProcessProblem.poissonSine2D(frequency: 100).name == "poisson2d-sin100")
        #expect(GaussianProcessProblem.allenCahnSine1D(frequency: .nan).name.hasSuffix("nan"))
    }
}
