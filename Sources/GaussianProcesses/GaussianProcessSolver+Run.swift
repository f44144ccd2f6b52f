import Foundation
import TensorCore
import AutoDiff
import NeuralLayers
import DenseLinearAlgebra
import Training

extension GaussianProcessSolver {
    /// Runs the optimization and returns the posterior mean.
    ///
    /// The grid values and the hyperparameters are optimized alternately (a variable-projection
    /// scheme on the same objective): each outer step first minimizes over `U` with the kernel fixed
    /// (`solveValues`), then moves the hyperparameters along `∂L/∂θ` at that `U` — by the envelope
    /// theorem the gradient of the profiled objective `min_U L(U, θ)`. Adam takes `adamIterations`
    /// such steps on Training's ``Training/TrainingLoop`` (one step per epoch, through
    /// ``GaussianProcessHyperparameterTask``), then L-BFGS minimizes the profiled objective
    /// (`lbfgsIterations`); each of its evaluations solves for the values starting from those of its
    /// best evaluation so far, so that the profiled objective does not depend on which trial steps the
    /// line search tried before.
    ///
    /// With a `runDirectory`, the loop writes its checkpoint there after every `checkpointEvery`-th Adam
    /// step and after the last one (grid values,
    /// the values' change of variables, all kernel hyperparameters, Adam's state, the step, the log;
    /// see ``GaussianProcessHyperparameterTask``) and `metrics.jsonl`. `resume` continues from that
    /// checkpoint, bitwise as the uninterrupted run; the configured `adamIterations` may be larger
    /// than the checkpoint's (a run extended from `N` to `2N` steps equals a `2N`-step run). The
    /// L-BFGS phase keeps no state of its own: a run interrupted there restarts it from the end of
    /// the Adam phase, which gives the same result.
    public func run(progress: ((Progress) -> Void)? = nil, runDirectory: URL? = nil, resume: Bool = false,
                    checkpointEvery: Int = 1) throws -> Result {
        guard checkpointEvery >= 1 else { throw GaussianProcessError.invalidArgument("checkpoints every \(checkpointEvery) steps: need at least 1") }
        let hyperparameters = Array(learnableParameters.dropFirst())
        let innerIterations = axes.count == 1 ? 10 : configuration.innerIterations
        let finalIterations = axes.count == 1 ? 10 : configuration.initialInnerIterations
        let task = GaussianProcessHyperparameterTask(solver: self, innerIterations: innerIterations, progress: progress)
        let usesLoop = !hyperparameters.isEmpty && configuration.adamIterations > 0
        let checkpointURL = runDirectory?.appendingPathComponent(TrainingLoop<GaussianProcessHyperparameterTask>.checkpointName)
        let resumes = usesLoop && resume && checkpointURL.map { FileManager.default.fileExists(atPath: $0.path) } == true
        var loss: Double
        if !resumes {
            loss = try solveValues(iterations: finalIterations)
            task.record(phase: "values", iteration: 1, totalIterations: 1, loss: loss)
        }
        var adamOutcome = usesLoop ? "completed" : "skipped"
        if usesLoop {
            // Phase 1: Adam on the hyperparameters, values re-solved before each step.
            let loop = try TrainingLoop(
                task: task,
                configuration: TrainingConfiguration(epochs: configuration.adamIterations, batchSize: 1,
                                                     learningRate: configuration.hyperparameterLearningRate, weightDecay: 0,
                                                     schedule: .constant, normalize: false),
                runDirectory: runDirectory, observers: [task])
            loop.shufflesRows = false
            loop.evaluationInterval = checkpointEvery
            do {
                try loop.run(resume: resumes)
            } catch {
                guard let stop = error as? GaussianProcessHyperparameterTask.KernelRejected else { throw error }
                // The step made a kernel factor LAPACK rejects: go back to the last good
                // hyperparameters and end the Adam phase, saying so in `adamOutcome`.
                if let saved = task.lastGoodParameters { parameterVector = saved }
                _ = try? solveValues(iterations: innerIterations)
                adamOutcome = "stopped at step \(stop.step): LAPACK rejected a kernel factor (\(stop.reason))"
            }
        }
        let adamDone = task.completedSteps
        try GaussianProcessHyperparameterTask.requireFinite(hyperparameters, afterStep: adamDone, learningRate: configuration.hyperparameterLearningRate)
        // Phase 2: L-BFGS on the profiled objective.
        var lbfgsIterationsDone = 0
        var lbfgsOutcome = "skipped"
        if !hyperparameters.isEmpty && configuration.lbfgsIterations > 0 {
            let optimizer = LBFGS<Double>(historySize: configuration.lbfgsHistory, gradientTolerance: 1e-12, lossChangeTolerance: 1e-13)
            var evaluations = 0
            // Every evaluation warm-starts the value solve from the values of the best evaluation so
            // far, never from the last trial: a rejected line-search trial can leave the values in
            // another basin (the nonlinear equation has several solutions), and warm-starting from
            // there made every later evaluation, and the final solve, stay in it.
            var anchor = (loss: Double.infinity, reference: reference, values: whitened.value.scalars)
            var failure: (any Error)? = nil
            let report = optimizer.minimize(hyperparameters, maximumIterations: configuration.lbfgsIterations) {
                evaluations += 1
                reference = anchor.reference
                whitened.value.scalars = anchor.values
                do {
                    _ = try solveValues(iterations: innerIterations)
                    for p in learnableParameters { p.zeroGradient() }
                    let value = try evaluateObjective().total
                    if value < anchor.loss { anchor = (value, reference, whitened.value.scalars) }
                    task.record(phase: "lbfgs", iteration: evaluations, totalIterations: configuration.lbfgsIterations, loss: value)
                    return value
                } catch {
                    // A non-finite point for L-BFGS (a trial step there is shortened), not a zero gradient.
                    failure = error
                    return .nan
                }
            }
            if report.outcome == .nonFinite {
                throw failure ?? GaussianProcessError.nonFinite("GP-HM objective in the L-BFGS phase (evaluation \(evaluations))")
            }
            lbfgsIterationsDone = report.iterations
            lbfgsOutcome = report.outcome.rawValue
            reference = anchor.reference
            whitened.value.scalars = anchor.values
        }
        // Final values for the final kernel.
        loss = try solveValues(iterations: finalIterations)
        task.record(phase: "values", iteration: 1, totalIterations: 1, loss: loss)
        let learned = currentKernels()
        kernels = learned
        let tables = gramMatrices()
        let system = try KroneckerEigensystem(factors: tables.map { try SymmetricEigendecomposition($0.k) })
        let u = reference.apply(DenseMatrix(rows: rows, columns: columns, elements: whitened.value.scalars))
        let alpha = system.solve(u)
        guard alpha.elements.allSatisfy(\.isFinite) else { throw GaussianProcessError.nonFinite("posterior coefficients") }
        return Result(field: try KernelField(axes: axes, kernels: learned, coefficients: alpha.elements),
                      kernels: learned, values: u.elements, lossHistory: task.log.map(\.loss), log: task.log,
                      adamIterations: adamDone, lbfgsIterations: lbfgsIterationsDone, adamOutcome: adamOutcome,
                      lbfgsOutcome: lbfgsOutcome,
                      seconds: task.elapsedSeconds)
    }
}
