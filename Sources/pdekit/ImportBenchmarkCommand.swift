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
        func integers(_ text: String, _ flag: String) throws -> [Int] {
            guard let values = CommaSeparatedIntegers.parse(text) else { throw ValidationError("\(flag) '\(text)' is not a comma-separated list of integers") }
            return values
        }
        let benchmark = ImportBenchmarks(checkpoint: checkpoint, metadata: metadata, grids: try integers(grids, "--grids"),
                                         batches: try integers(batches, "--batches"), repetitions: repetitions, python: python,
                                         peerScript: peer, skipCompile: skipCompile)
        if let `case` {
            let parts = try integers(`case`.replacingOccurrences(of: "x", with: ","), "--case")
            guard parts.count == 2, parts[0] >= 1, parts[1] >= 1 else { throw ValidationError("--case must be GRIDxBATCH") }
            try benchmark.runCase(grid: parts[0], batch: parts[1], JSONLine.print)
        } else {
            try benchmark.run(executable: "/proc/self/exe", JSONLine.print)
        }
    }
}
