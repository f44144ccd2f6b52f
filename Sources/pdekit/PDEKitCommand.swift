import ArgumentParser
import PDEKit

@main
struct PDEKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pdekit",
        abstract: "Neural operators and classical/learned sparse solvers for PDEs.",
        version: TensorCoreVersion.string,
        subcommands: [Solve.self, SparseBenchmark.self]
    )
}
