import ArgumentParser
import Benchmarks
import Foundation

/// `pdekit bench fno`: FNO-2D training step and inference timings as JSON lines (peer: bench/peers/fno_torch.py).
struct FNOBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fno",
        abstract: "Time an FNO-2D training step (forward, relative L2, backward, Adam) and inference; one JSON line each.",
        discussion: """
            The model is neuraloperator's FNO layout (FNOConfiguration.neuraloperatorDefaults) with Li et al.'s \
            modes: 12 positive and negative modes on the first axis, 12 on the halved last axis. Peak memory is \
            the process's maximum resident set (getrusage), so run one size and mode per process to compare it.
            """)

    typealias Mode = FNOBenchmarks.Mode
    typealias Layout = FNOBenchmarks.Layout

    @Option(help: "Grid sizes (comma-separated).") var sizes: String = "64,128"
    @Option(help: "What to time: \(Mode.allCases.map(\.rawValue).joined(separator: ", ")).") var mode: Mode = .both
    @Option(help: "Model layout: \(Layout.allCases.map(\.rawValue).joined(separator: ", ")).") var layout: Layout = .neuraloperator
    @Option(help: "Batch size.") var batch: Int = 20
    @Option(help: "Modes per axis (Li et al.'s convention).") var modes: Int = 12
    @Option(help: "Channels in the Fourier blocks.") var width: Int = 32
    @Option(help: "Fourier blocks.") var layers: Int = 4
    @Option(help: "Timed repetitions (median and minimum reported).") var repetitions: Int = 10
    @Option(help: "Untimed warm-up runs.") var warmup: Int = 3

    var suite: FNOBenchmarks {
        get throws {
            try .parsing(sizes: sizes, mode: mode, layout: layout, batch: batch, modes: modes, width: width, layers: layers,
                         repetitions: repetitions, warmup: warmup)
        }
    }

    func validate() throws { try validatingFlags { _ = try suite } }
    func run() throws { try suite.run(JSONLine.print) }
}

extension FNOBenchmarks.Mode: ExpressibleByArgument {}
extension FNOBenchmarks.Layout: ExpressibleByArgument {}
