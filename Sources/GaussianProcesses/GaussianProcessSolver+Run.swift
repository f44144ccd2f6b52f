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
    /// step and after the last one (grid values, the values' change of variables, all kernel
    /// hyperparameters, Adam's state, the step, the log; see ``GaussianProcessHyperparameterTask``) and
    /// `metrics.jsonl`; the L-BFGS phase then extends that checkpoint with its own state after every
    /// `checkpointEvery`-th iteration and at its end (``GaussianProcessLBFGSPhase``). `resume` continues
    /// from the checkpoint, in either phase, bitwise as the uninterrupted run; the configured
    /// `adamIterations` may be larger than the checkpoint's (a run extended from `N` to `2N` steps equals
    /// a `2N`-step run: Adam resumes from the Adam part of the checkpoint), and so may
    /// `lbfgsIterations` when L-BFGS stopped at its iteration limit.
    public func run(progress: ((Progress) -> Void)? = nil, runDirectory: URL? = nil, resume: Bool = false,
                    checkpointEvery: Int = 1) throws -> Result {
        guard checkpointEvery >= 1 else { throw GaussianProcessError.invalidArgument("checkpoints every \(checkpointEvery) steps: need at least 1") }
        let hyperparameters = Array(learnableParameters.dropFirst())
        let innerIterations = axes.count == 1 ? 10 : configuration.innerIterations
        let finalIterations = axes.count == 1 ? 10 : configuration.initialInnerIterations
        let task = GaussianProcessHyperparameterTask(solver: self, innerIterations: innerIterations, progress: progress)
        let usesLoop = !hyperparameters.isEmpty && configuration.adamIterations > 0
        let checkpointURL = runDirectory?.appendingPathComponent(TrainingLoop<GaussianProcessHyperparameterTask>.checkpointName)
        let checkpointExists = resume && !hyperparameters.isEmpty && checkpointURL.map { FileManager.default.fileExists(atPath: $0.path) } == true
        let lbfgsPhase = GaussianProcessLBFGSPhase(solver: self, task: task, hyperparameters: hyperparameters, innerIterations: innerIterations,
                                                   checkpointURL: checkpointURL, interval: checkpointEvery)
        // A checkpoint of the L-BFGS phase for the configured Adam steps resumes there; any other goes to the loop.
        var lbfgsResumePoint: GaussianProcessLBFGSPhase.ResumePoint?
        if checkpointExists, let checkpointURL {
            let archive: SafetensorsArchive
            do { archive = try SafetensorsArchive(contentsOf: checkpointURL) } catch { throw TrainingError.checkpoint("\(checkpointURL.path): \(error)") }
            lbfgsResumePoint = try lbfgsPhase.resumePoint(in: archive, path: checkpointURL.path)
        }
        let resumesAdam = usesLoop && checkpointExists && lbfgsResumePoint == nil
        var loss: Double
        var adamOutcome = usesLoop ? "completed" : "skipped"
        if let lbfgsResumePoint {
            try lbfgsPhase.restore(lbfgsResumePoint)
            adamOutcome = lbfgsResumePoint.adamOutcome
        } else {
            if !resumesAdam {
                loss = try solveValues(iterations: finalIterations)
                task.record(phase: "values", iteration: 1, totalIterations: 1, loss: loss)
            }
            if usesLoop {
                adamOutcome = try runAdam(task: task, runDirectory: runDirectory, resume: resumesAdam, checkpointEvery: checkpointEvery,
                                          innerIterations: innerIterations)
            }
        }
        let adamDone = task.completedSteps
        try GaussianProcessHyperparameterTask.requireFinite(hyperparameters, afterStep: adamDone, learningRate: configuration.hyperparameterLearningRate)
        // Phase 2: L-BFGS on the profiled objective.
        var lbfgsIterationsDone = 0
        var lbfgsOutcome = "skipped"
        if !hyperparameters.isEmpty && configuration.lbfgsIterations > 0 {
            (lbfgsIterationsDone, lbfgsOutcome) = try lbfgsPhase.run(resumingFrom: lbfgsResumePoint, adamOutcome: adamOutcome)
        }
        // Final values for the final kernel.
        loss = try solveValues(iterations: finalIterations)
        // The optimizers stop on a non-finite loss; this last solve is checked here, so that no run
        // reports a finished state with a non-finite final loss.
        guard loss.isFinite else { throw GaussianProcessError.nonFinite("GP-HM objective \(loss) after the final value solve") }
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

    /// Phase 1: Adam on the hyperparameters on Training's loop, values re-solved before each step;
    /// returns the phase's outcome ("completed", or where LAPACK rejected a kernel factor).
    private func runAdam(task: GaussianProcessHyperparameterTask, runDirectory: URL?, resume: Bool, checkpointEvery: Int,
                         innerIterations: Int) throws -> String {
        let loop = try TrainingLoop(
            task: task,
            configuration: TrainingConfiguration(epochs: configuration.adamIterations, batchSize: 1,
                                                 learningRate: configuration.hyperparameterLearningRate, weightDecay: 0,
                                                 schedule: .constant, normalize: false),
            runDirectory: runDirectory, observers: [task])
        loop.shufflesRows = false
        loop.evaluationInterval = checkpointEvery
        loop.bestModelFile = .notWritten   // no validation split: the "best" is the training loss, never loaded
        do {
            try loop.run(resume: resume)
            return "completed"
        } catch {
            guard let stop = error as? GaussianProcessHyperparameterTask.KernelRejected else { throw error }
            // The step made a kernel factor LAPACK rejects: go back to the last good
            // hyperparameters and end the Adam phase, saying so in the outcome.
            if let saved = task.lastGoodParameters { parameterVector = saved }
            _ = try? solveValues(iterations: innerIterations)
            return "stopped at step \(stop.step): LAPACK rejected a kernel factor (\(stop.reason))"
        }
    }
}
