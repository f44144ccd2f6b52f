import Foundation
import TensorCore
import NeuralLayers
import LearnedSolvers
import RunSupport

/// A whole `pdekit dcdm train` run: the grid problem, the Ritz training vectors (Lanczos), the network,
/// and ``DCDMTrainingTask`` on the ``TrainingLoop`` with the model file and step log of
/// ``DCDMRunObserver``.
///
/// Files: the model at `modelURL` (every `checkpointEvery` steps and at the end); the run directory
/// `<model without extension>.training/` (the loop's checkpoint with Adam's state and the batch stream's
/// position, `metrics.jsonl`); the optional step log. `resume` continues from the run directory's
/// checkpoint (bitwise the uninterrupted run), or from a run of the pre-engine binary: its model file and
/// `<model>.trainer.safetensors` (Adam's state; batches then come from the seed offset by the completed
/// steps, as that binary drew them), or from the model file's weights alone with a fresh Adam state.
public struct DCDMTrainingRun {
    public var grid = 32, dimensions = 3
    public var obstacles = ObstacleGeometry.none
    public var krylovDimension = 160
    /// Optimizer steps in all, counting a resumed run's completed ones.
    public var steps = 300
    public var batchSize = 8
    public var learningRate = 1e-3
    public var loss = DCDMLoss.energy
    /// The architecture of a new network (a resumed run takes the model file's).
    public var network = DCDMNetworkConfiguration(spatialRank: 3)
    public var seed: UInt64 = 0
    public var modelURL: URL
    public var logURL: URL?
    public var checkpointEvery = 50
    public var resume = false

    public init(modelURL: URL) { self.modelURL = modelURL }

    /// The loss or its gradient became NaN or infinite at `step` (one step per epoch of the loop).
    public struct Divergence: Error, CustomStringConvertible, Sendable {
        public let step: Int
        public var description: String { "the loss or its gradient became NaN or infinite at step \(step); lower --learning-rate" }
    }

    /// The loop's run directory beside the model file.
    public var runDirectory: URL { modelURL.deletingPathExtension().appendingPathExtension("training") }
    var legacyStateURL: URL { modelURL.deletingPathExtension().appendingPathExtension("trainer.safetensors") }

    /// Trains; `status` receives one-line messages (Lanczos, losses before and after, resume notes).
    /// - Throws: `LearnedSolverError`, `TrainingError`, ``Divergence`` (names the step whose loss or gradient
    ///   was not finite), memory and file errors.
    public func run(status: (String) -> Void) throws {
        guard steps >= 1, checkpointEvery >= 1 else { throw LearnedSolverError.invalidConfiguration("--steps and --checkpoint-every must be at least 1") }
        let problem = try GridPoissonProblem(size: grid, spatialRank: dimensions, obstacles: obstacles)
        let checkpointURL = runDirectory.appendingPathComponent(TrainingLoop<DCDMTrainingTask>.checkpointName)
        let resumesCheckpoint = resume && FileManager.default.fileExists(atPath: checkpointURL.path)
        let network: DCDMNetwork
        var modelSteps: Int?
        if resume {
            // The architecture comes from the model file; a checkpoint's weights are checked against it.
            let loaded = try DCDMNetwork.load(from: modelURL)
            network = loaded.network
            modelSteps = loaded.metadata["steps"].flatMap { Int($0) }
            guard network.configuration.spatialRank == dimensions else {
                throw LearnedSolverError.rankMismatch(model: network.configuration.spatialRank, problem: dimensions)
            }
        } else {
            network = try DCDMNetwork(self.network)
        }
        guard krylovDimension >= 2, krylovDimension <= problem.fluidCount else {
            throw LearnedSolverError.invalidConfiguration("--krylov-dimension must be in 2…\(problem.fluidCount)")
        }
        let start = ContinuousClock.now
        try MemoryBudget().requireArray(shape: [krylovDimension, problem.pointCount], bytesPerElement: 8, what: "the Lanczos basis")
        status("Lanczos: \(krylovDimension) steps on \(problem.pointCount) unknowns…")
        let basis = try RitzBasis.lanczos(problem.matrix, start: problem.randomRightHandSide(seed: seed &+ 1000), dimension: krylovDimension)
        status(String(format: "Lanczos: %ld Ritz values in [%.3g, %.3g], %.1f s", basis.count, basis.values.first!, basis.values.last!,
                      Self.seconds(since: start)))
        let legacy = resume && !resumesCheckpoint ? try legacyState(modelSteps: modelSteps, status: status) : nil
        let completed = legacy?.completed ?? 0
        let objective = try DCDMObjective(network: network, problem: problem, trainingSet: RitzTrainingSet(basis: basis), batchSize: batchSize,
                                          loss: loss, seed: seed &+ 2000 &+ UInt64(completed))
        let task = DCDMTrainingTask(objective: objective)
        guard completed < steps else {
            status("nothing to do: \(completed) of \(steps) steps already completed")
            return
        }
        let initial = objective.evaluate(count: 16)
        status(String(format: "network: %ld parameters; held-out losses at start: residual %.4f, energy %.4f", network.parameterCount,
                      initial.residual, initial.energy))
        let facts = ["grid": "\(grid)", "dimensions": "\(dimensions)", "obstacles": obstacles.rawValue, "batch_size": "\(batchSize)",
                     "learning_rate": "\(learningRate)", "krylov_dimension": "\(krylovDimension)", "loss_kind": loss.rawValue,
                     "trained_by": "pdekit \(PDEKitVersion.string)"]
        let observer = DCDMRunObserver(task: task, modelURL: modelURL, logURL: logURL, modelMetadata: facts)
        let loop = try TrainingLoop(task: task, configuration: TrainingConfiguration(epochs: steps, batchSize: batchSize, learningRate: learningRate,
                                                                                    weightDecay: 0, schedule: .constant, seed: seed),
                                    runDirectory: runDirectory, observers: [observer, ProgressObserver(unit: "step")])
        loop.shufflesRows = false
        loop.evaluationInterval = checkpointEvery
        if let legacy {
            // Converted once into the one checkpoint format; the loop then resumes from it.
            try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
            try AtomicFile.write(try task.legacyCheckpoint(completedSteps: completed, optimizerState: legacy.state, path: legacyStateURL.path).encoded(),
                                 to: checkpointURL)
            status("resuming at step \(completed + 1) of \(steps) (optimizer state from \(legacyStateURL.path))")
        } else if resumesCheckpoint {
            status("resuming from \(checkpointURL.path)")
        } else if resume {
            status("resuming from the weights in \(modelURL.path) with a fresh optimizer state")
        }
        let trainStart = ContinuousClock.now
        do { try loop.run(resume: resumesCheckpoint || legacy != nil) } catch TrainingError.nonFinite {
            // The loss was finite but its gradient was not: the step that failed is the one after the observer's last.
            throw Divergence(step: observer.completedSteps + 1)
        } catch TrainingError.divergence(let step) {
            throw Divergence(step: step)
        }
        let final = objective.evaluate(count: 32)
        status(String(format: "done: held-out losses residual %.4f, energy %.4f; %.1f s training; model written to ", final.residual, final.energy,
                      Self.seconds(since: trainStart)) + modelURL.path)
    }

    /// The pre-engine optimizer state, when it matches the model file's step count.
    func legacyState(modelSteps: Int?, status: (String) -> Void) throws -> (completed: Int, state: SafetensorsArchive)? {
        guard FileManager.default.fileExists(atPath: legacyStateURL.path) else { return nil }
        let archive: SafetensorsArchive
        do { archive = try SafetensorsArchive(contentsOf: legacyStateURL) } catch { throw TrainingError.checkpoint("\(legacyStateURL.path): \(error)") }
        guard let completed = archive.metadata["completed_steps"].flatMap({ Int($0) }), completed == modelSteps else {
            status("note: \(legacyStateURL.path) does not match the model's step count; Adam restarts")
            return nil
        }
        guard completed >= 0 else {
            throw TrainingError.checkpoint("\(legacyStateURL.path): completed_steps \(completed) is negative (the file is damaged)")
        }
        return (completed, archive)
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}
