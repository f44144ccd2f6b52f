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

/// `pdekit dcdm train`: unsupervised training on Ritz-vector right-hand sides (Training.DCDMTrainingTask
/// on the one TrainingLoop).
struct DCDMTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a DCDM network on one grid Poisson problem (writes safetensors; JSONL log optional).",
        discussion: """
        Training vectors: Ritz vectors of A from --krylov-dimension Lanczos steps (full reorthogonalization), \
        combined with weight 9 on the low half of the spectrum. Loss: ‖b − (qᵀb/qᵀAq) A q‖², q = f(b).

        The model is written atomically to --output every --checkpoint-every steps and at the end. The run's \
        checkpoint (weights, Adam state, completed steps, position of the batch stream) is \
        <output>.training/checkpoint.safetensors, with metrics.jsonl (mean loss per --checkpoint-every steps); \
        --resume continues from it up to --steps steps in total and ends with the weights of an uninterrupted \
        run. Runs written before it (<output>.trainer.safetensors) resume from that state; if it is missing too, \
        --resume runs --steps more steps from the weights in --output with a fresh Adam state.
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
    @Option(help: ArgumentHelp("Levels follow the grid with this coarsest size (points per side); if the training grid needs more than --levels coarsenings to reach it, the extra levels share the deepest level's weights during training too (default: without --levels-follow-grid, none; with it, ⌈grid / 2^levels⌉).", valueName: "m"))
    var coarsestSize: Int?
    @Option(help: "Random seed (weights, Lanczos start, batches).")
    var seed: UInt64 = 0
    @Option(help: "Output model (safetensors).")
    var output: String = "dcdm.safetensors"
    @Option(help: "Append one JSON object per step to this file.")
    var log: String?
    @Option(help: "Write the model and the checkpoint every this many steps.")
    var checkpointEvery: Int = 50
    @Flag(help: "Continue the run of --output (its checkpoint; see the discussion).")
    var resume = false

    func run() throws {
        var run = DCDMTrainingRun(modelURL: URL(fileURLWithPath: output))
        (run.grid, run.dimensions, run.obstacles, run.krylovDimension) = (grid, dimensions, obstacles, krylovDimension)
        (run.steps, run.batchSize, run.learningRate, run.loss, run.seed) = (steps, batchSize, learningRate, loss, seed)
        (run.logURL, run.checkpointEvery, run.resume) = (log.map { URL(fileURLWithPath: $0) }, checkpointEvery, resume)
        let coarsest = coarsestSize ?? (levelsFollowGrid ? (grid + (1 << levels) - 1) >> levels : nil)
        run.network = DCDMNetworkConfiguration(spatialRank: dimensions, channels: channels, coarseChannels: coarseChannels,
                                               levels: levels, seed: seed, coarsestSize: coarsest)
        try run.run(status: StatusLine.printLine)
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
