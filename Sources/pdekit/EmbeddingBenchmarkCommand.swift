import ArgumentParser
import Benchmarks

/// `pdekit bench embedding`: what crossing the C API costs, measured in one process.
///
/// Each case runs the same work through the Swift API and through the C entry points of
/// libPDEKitC (the functions `pdekit.h` declares, called directly), and reports both times and their
/// ratio. The C path adds argument validation, copies of the caller's buffers and (for matrices)
/// sorting the CSR input; the numerical work is identical.
struct EmbeddingBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embedding",
        abstract: "Time the C API (libPDEKitC) against the Swift API on the same work; prints JSON lines.")

    @Option(help: "A trained operator (a `pdekit train` run directory or .safetensors file).")
    var model: String = "runs/main/fno"
    @Option(help: "Fields per operator application.") var batch: Int = 20
    @Option(help: "Interior grid size n of the n×n Poisson systems solved.") var grid: Int = 127
    @Option(help: "Timed repetitions (the best is reported).") var repetitions: Int = 5

    func run() throws {
        try EmbeddingBenchmarks(model: model, batch: batch, grid: grid, repetitions: repetitions).run(JSONLine.print)
    }
}
