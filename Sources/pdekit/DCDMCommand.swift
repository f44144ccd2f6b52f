import ArgumentParser
import Foundation
import PDEKit

/// `pdekit dcdm …`: train the Deep Conjugate Direction Method's network, write its model problems.
struct DCDM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dcdm",
        abstract: "Deep Conjugate Direction Method (Kaneda et al., ICML 2023): train a network, write test problems.",
        discussion: """
        Train:  pdekit dcdm train --grid 32 --dimensions 3 --steps 400 --output dcdm.safetensors
        Solve:  pdekit dcdm problem --grid 64 --output A.mtx
                pdekit solve A.mtx --method dcdm --model dcdm.safetensors --grid 64x64x64
        Bench:  pdekit bench dcdm --model dcdm.safetensors --sizes 32,64
        """,
        subcommands: [DCDMTrain.self, DCDMProblem.self])
}

extension ObstacleGeometry: ExpressibleByArgument {}
extension DCDMLoss: ExpressibleByArgument {}

/// A user-caused error printed as one line.
struct DCDMCommandError: Error, CustomStringConvertible { let description: String }

/// `pdekit dcdm train`: unsupervised training on Ritz-vector right-hand sides.
struct DCDMTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a DCDM network on one grid Poisson problem (writes safetensors; JSONL log optional).",
        discussion: """
        Training vectors: Ritz vectors of A from --krylov-dimension Lanczos steps (full reorthogonalization),
        combined with weight 9 on the low half of the spectrum. Loss: ‖b − (qᵀb/qᵀAq) A q‖², q = f(b).
        The model is written atomically every --checkpoint-every steps and at the end, with the optimizer
        state (Adam moments, completed steps) next to it in <output>.trainer.safetensors. --resume continues
        from both up to --steps steps in total; if the state file is missing (older models), it runs --steps
        more steps from the weights in --output with a fresh Adam state.
        """)

    @Option(help: "Grid points per direction of the training problem.")
    var grid: Int = 32
    @Option(help: "Spatial dimensions: 2 or 3.")
    var dimensions: Int = 3
    @Option(help: "Obstacles: \(ObstacleGeometry.allCases.map(\.rawValue).joined(separator: ", ")).")
    var obstacles: ObstacleGeometry = .none
    @Option(help: "Lanczos steps (Ritz vectors) for the training set.")
    var krylovDimension: Int = 160
    @Option(help: "Optimization steps (in total, counting a resumed run's completed steps).")
    var steps: Int = 300
    @Option(help: "Right-hand sides per step.")
    var batchSize: Int = 8
    @Option(help: "Adam learning rate.")
    var learningRate: Double = 1e-3
    @Option(help: "Training loss: energy (relative A-norm error after one step) or residual (the paper's ‖b − αAq‖²).")
    var loss: DCDMLoss = .energy
    @Option(help: "Channels at full resolution.")
    var channels: Int = 8
    @Option(help: "Channels on the coarse levels.")
    var coarseChannels: Int = 16
    @Option(help: "Number of 2× coarsenings.")
    var levels: Int = 3
    @Flag(help: "Levels follow the grid: the model records a coarsest grid of ⌈grid / 2^levels⌉ points and gets one more level (sharing the deepest level's weights) per doubling of a larger grid.")
    var levelsFollowGrid = false
    @Option(help: ArgumentHelp("Levels follow the grid with this coarsest size (points per side); if the training grid needs more than --levels coarsenings to reach it, the extra levels share the deepest level's weights during training too.", valueName: "m"))
    var coarsestSize: Int?
    @Option(help: "Random seed (weights, Lanczos start, batches).")
    var seed: UInt64 = 0
    @Option(help: "Output model (safetensors).")
    var output: String = "dcdm.safetensors"
    @Option(help: "Append one JSON object per step to this file.")
    var log: String?
    @Option(help: "Write the model every this many steps.")
    var checkpointEvery: Int = 50
    @Flag(help: "Start from the weights in --output.")
    var resume = false

    func run() throws {
        guard steps >= 1, checkpointEvery >= 1 else { throw DCDMCommandError(description: "--steps and --checkpoint-every must be at least 1") }
        let problem = try GridPoissonProblem(size: grid, spatialRank: dimensions, obstacles: obstacles)
        let outputURL = URL(fileURLWithPath: output)
        let stateURL = outputURL.deletingPathExtension().appendingPathExtension("trainer.safetensors")
        let network: DCDMNetwork
        var modelSteps: Int?
        if resume {
            let loaded = try DCDMNetwork.load(from: outputURL)
            network = loaded.network
            modelSteps = loaded.metadata["steps"].flatMap { Int($0) }
            guard network.configuration.spatialRank == dimensions else {
                throw LearnedSolverError.rankMismatch(model: network.configuration.spatialRank, problem: dimensions)
            }
        } else {
            let coarsest = coarsestSize ?? (levelsFollowGrid ? (grid + (1 << levels) - 1) >> levels : nil)
            network = try DCDMNetwork(DCDMNetworkConfiguration(spatialRank: dimensions, channels: channels, coarseChannels: coarseChannels,
                                                               levels: levels, seed: seed, coarsestSize: coarsest))
        }
        guard krylovDimension >= 2, krylovDimension <= problem.fluidCount else {
            throw DCDMCommandError(description: "--krylov-dimension must be in 2…\(problem.fluidCount)")
        }
        var logHandle: FileHandle?
        if let log {
            if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
            guard let handle = FileHandle(forWritingAtPath: log) else { throw DCDMCommandError(description: "cannot write log \(log)") }
            handle.seekToEndOfFile()
            logHandle = handle
        }
        let start = ContinuousClock.now
        try MemoryBudget().requireArray(shape: [krylovDimension, problem.pointCount], bytesPerElement: 8, what: "the Lanczos basis")
        status("Lanczos: \(krylovDimension) steps on \(problem.pointCount) unknowns…")
        let basis = try RitzBasis.lanczos(problem.matrix, start: problem.randomRightHandSide(seed: seed &+ 1000), dimension: krylovDimension)
        let lanczosSeconds = seconds(since: start)
        status(String(format: "Lanczos: %ld Ritz values in [%.3g, %.3g], %.1f s\n", basis.count, basis.values.first!, basis.values.last!, lanczosSeconds))
        // A resumed run restores Adam and the step count from the state file written with the model (when the
        // two agree), and draws batches from a seed offset by the completed steps so it does not replay them.
        var state: SafetensorsArchive?
        if resume, FileManager.default.fileExists(atPath: stateURL.path) {
            let archive = try SafetensorsArchive(contentsOf: stateURL)
            if let completed = archive.metadata["completed_steps"].flatMap({ Int($0) }), completed == modelSteps {
                state = archive
            } else {
                status("note: \(stateURL.path) does not match the model's step count; Adam restarts\n")
            }
        }
        let completed = state.flatMap { $0.metadata["completed_steps"].flatMap { Int($0) } } ?? 0
        let trainer = try DCDMTrainer(network: network, problem: problem, trainingSet: RitzTrainingSet(basis: basis),
                                      learningRate: learningRate, batchSize: batchSize, loss: loss, seed: seed &+ 2000 &+ UInt64(completed))
        if let state { try trainer.restoreOptimizerState(from: state, path: stateURL.path) }
        let firstStep = completed + 1, lastStep = steps
        if resume {
            status(state == nil ? "resuming from the weights in \(output) with a fresh optimizer state\n"
                                : "resuming at step \(firstStep) of \(steps) (optimizer state from \(stateURL.path))\n")
        }
        guard firstStep <= lastStep else {
            status("nothing to do: \(completed) of \(steps) steps already completed\n")
            return
        }
        let initial = trainer.evaluate(count: 16)
        status(String(format: "network: %ld parameters; held-out losses at start: residual %.4f, energy %.4f\n", network.parameterCount, initial.residual, initial.energy))
        let trainStart = ContinuousClock.now
        var average = 0.0
        var lastLoss = 0.0
        func metadata(_ completed: Int) -> [String: String] {
            ["grid": "\(grid)", "dimensions": "\(dimensions)", "obstacles": obstacles.rawValue, "steps": "\(completed)",
             "batch_size": "\(batchSize)", "learning_rate": "\(learningRate)", "krylov_dimension": "\(krylovDimension)", "loss_kind": loss.rawValue,
             "loss": "\(average)", "trained_by": "pdekit \(PDEKitVersion.string)"]
        }
        let progress = ProgressBar(total: lastStep - firstStep + 1, label: "dcdm")
        defer { progress.finish() }
        for step in firstStep...lastStep {
            lastLoss = trainer.step()
            guard lastLoss.isFinite else { throw DCDMCommandError(description: "loss became \(lastLoss) at step \(step); lower --learning-rate") }
            average = step == firstStep ? lastLoss : 0.95 * average + 0.05 * lastLoss
            progress.advance(status: String(format: "step %ld/%ld  loss %.4f (avg %.4f)", step, lastStep, lastLoss, average))
            if let logHandle {
                let record = DCDMStepRecord(step: step, loss: lastLoss, average_loss: average, seconds: seconds(since: trainStart))
                logHandle.write(Data((try JSONLine.encode(record) + "\n").utf8))
            }
            if step % checkpointEvery == 0 || step == lastStep {
                // Model first, then the matching optimizer state (both atomic); a crash in between leaves a
                // state whose step count does not match, which --resume detects and ignores.
                try network.save(to: outputURL, metadata: metadata(step))
                try trainer.optimizerStateArchive().write(to: stateURL)
            }
        }
        try? logHandle?.close()
        let final = trainer.evaluate(count: 32)
        status(String(format: "done: held-out losses residual %.4f, energy %.4f; %.1f s training; model written to ", final.residual, final.energy,
                      seconds(since: trainStart)) + output)
    }
}

/// `pdekit dcdm problem`: write a grid Poisson problem as Matrix Market (matrix, right-hand side, grid).
struct DCDMProblem: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "problem",
        abstract: "Write a Poisson matrix (zero-Dirichlet box, optional obstacles with Neumann walls) as Matrix Market.")

    @Option(help: "Grid points per direction.")
    var grid: Int = 32
    @Option(help: "Spatial dimensions: 2 or 3.")
    var dimensions: Int = 3
    @Option(help: "Obstacles: \(ObstacleGeometry.allCases.map(\.rawValue).joined(separator: ", ")).")
    var obstacles: ObstacleGeometry = .none
    @Option(help: "Matrix output file.")
    var output: String = "poisson.mtx"
    @Option(help: "Also write a random right-hand side (uniform on fluid cells, 0 on solids) to this file.")
    var rhs: String?
    @Option(help: "Seed of the right-hand side.")
    var seed: UInt64 = 1

    func run() throws {
        let problem = try GridPoissonProblem(size: grid, spatialRank: dimensions, obstacles: obstacles)
        try MatrixMarket.write(problem.matrix, path: output, symmetric: true)
        if let rhs { try MatrixMarket.write(problem.randomRightHandSide(seed: seed), path: rhs) }
        print("wrote \(output): \(problem.pointCount) unknowns (\(problem.fluidCount) fluid), grid \(problem.dimensions.map(String.init).joined(separator: "x"))")
    }
}

/// One line of `dcdm train --log` (JSON lines).
struct DCDMStepRecord: Codable {
    var step: Int
    var loss: Double
    var average_loss: Double
    var seconds: Double
}

/// A status message on stderr (one line; a trailing newline in `text` is dropped).
func status(_ text: String) {
    StatusLine.printLine(text.hasSuffix("\n") ? String(text.dropLast()) : text)
}
