import ArgumentParser
import Benchmarks
import PDEKit

/// `pdekit bench mgno`: MgNO forward and training-step timings (JSON lines), optionally a short
/// training run on Darcy samples.
struct MgNOBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mgno",
        abstract: "Time MgNO (paper's Darcy configuration) forward and forward+backward+Adam; print JSON lines.",
        discussion: """
            Each line has the best wall time of --repetitions runs and the peak resident memory (also net of the \
            memory before the first run); run one --size per process for a per-size peak. The official PyTorch model \
            is timed by bench/peers/mgno_official.py; bench/run-mgno.sh runs both side by side. \
            With --train-steps N > 0, also trains the model on Darcy problems (FNO coefficient recipe, \
            source 1, finite-volume solves) at --train-resolution and prints the relative L2 loss.
            """)

    @Option(help: "Grid sizes (square); repeatable.")
    var size: [Int] = [64, 96, 128]

    @Option(help: "Batch size.")
    var batch: Int = 8

    @Option(help: "Repetitions per measurement (the best is reported).")
    var repetitions: Int = 3

    @Option(help: "Number of MgNO blocks (default: the .darcy preset's).")
    var layers: Int?

    @Option(help: "Network: paper (the official rough-Darcy MgNO, default) or residualRestriction (PDEKit's earlier one, 5 blocks).")
    var cycle: MgNOCycle = .paper

    @Option(help: "Training steps on Darcy data after the timings (0: none).")
    var trainSteps: Int = 0

    @Option(help: "Grid size of the Darcy training data.")
    var trainResolution: Int = 32

    @Option(help: "Number of Darcy training samples.")
    var trainSamples: Int = 32

    var suite: MgNOBenchmarks {
        MgNOBenchmarks(sizes: size, batch: batch, repetitions: repetitions, layers: layers, cycle: cycle, trainSteps: trainSteps,
                       trainResolution: trainResolution, trainSamples: trainSamples)
    }

    func validate() throws { try validatingFlags(suite.validate) }
    func run() throws { try suite.run(JSONLine.print) }
}
