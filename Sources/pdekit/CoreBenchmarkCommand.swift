import ArgumentParser
import Benchmarks

extension CoreBenchmarks.Group: ExpressibleByArgument {}

/// `pdekit bench core`: GEMM, FFT and Conv2d timings as JSON lines (``CoreBenchmarks``).
struct CoreBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract: "Time GEMM, batched real FFTs and Conv2d forward/backward; print one JSON object per line.")

    @Option(help: "Repetitions per measurement (the best is reported).")
    var repetitions: Int = 5

    @Option(help: "Run only these groups (\(CoreBenchmarks.Group.allCases.map(\.rawValue).joined(separator: ", "))); repeatable.")
    var only: [CoreBenchmarks.Group] = CoreBenchmarks.Group.allCases

    func validate() throws {
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
    }

    func run() throws {
        try CoreBenchmarks(repetitions: repetitions, groups: only).run(JSONLine.print)
    }
}
