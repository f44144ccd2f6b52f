import ArgumentParser
import Foundation
import Benchmarks

/// `pdekit bench import`: an imported neuraloperator FNO through the C API vs PyTorch on CPU.
struct ImportBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Time an imported neuraloperator FNO through the C API against PyTorch eager and torch.compile; prints JSON lines.",
        discussion: """
            Each (grid, batch) case runs in its own process (PDEKit: this binary with --case; PyTorch: \
            bench/peers/neuralop_bench.py in --python's environment), so each peak memory is its own. Without \
            --python only PDEKit is measured. Times are the best of --repetitions after a warm-up call.
            """)

    @Argument(help: "A neuraloperator checkpoint (save_checkpoint's state dict or torch.save(state_dict)).") var checkpoint: String
    @Option(help: "save_checkpoint's <name>_metadata.pkl.") var metadata: String?
    @Option(help: "Grid sizes per axis, comma-separated.") var grids: String = "64,128,256"
    @Option(help: "Batch sizes, comma-separated.") var batches: String = "1,20"
    @Option(help: "Timed repetitions (the best is reported).") var repetitions: Int = 5
    @Option(help: "Python of the torch environment (e.g. bench/.venv-torch/bin/python).") var python: String?
    @Option(help: "The PyTorch peer script.") var peer: String = "bench/peers/neuralop_bench.py"
    @Flag(help: "Skip torch.compile (it compiles for about a minute per case).") var skipCompile = false
    @Option(help: ArgumentHelp("Run one PDEKit case GRIDxBATCH in this process (used by the parent run).", visibility: .hidden)) var `case`: String?

    func run() throws {
        let benchmark = ImportBenchmarks(checkpoint: checkpoint, metadata: metadata, grids: try ImportBenchmarks.integers(grids, flag: "--grids"),
                                         batches: try ImportBenchmarks.integers(batches, flag: "--batches"), repetitions: repetitions,
                                         python: python, peerScript: peer, skipCompile: skipCompile)
        try benchmark.run(case: `case`, executable: "/proc/self/exe", JSONLine.print)
    }
}
