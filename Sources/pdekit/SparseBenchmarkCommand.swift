import ArgumentParser
import Benchmarks

/// `pdekit bench sparse`: direct and Krylov solves of model Poisson problems as JSON lines (``SparseBenchmarks``).
struct SparseBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparse",
        abstract: "Benchmark sparse direct and iterative solvers on Poisson model problems (JSON lines)."
    )

    @Option(help: "Comma-separated problems: poisson2d-N or poisson3d-N (N interior points per direction).")
    var problems: String = "poisson2d-256,poisson2d-512,poisson3d-64"

    @Option(help: "Relative tolerance.")
    var relativeTolerance: Double = 1e-8

    @Option(help: "Iteration limit for GMRES(40) (unpreconditioned restarted GMRES is slow on Poisson).")
    var gmresMaxIterations: Int = 1000

    @Option(help: "Repetitions of each measurement; the fastest is reported (the machine is shared).")
    var `repeat`: Int = 3

    @Flag(help: "Skip the direct (CHOLMOD) solve.")
    var skipDirect = false

    func run() throws {
        try SparseBenchmarks(problems: problems.split(separator: ",").map(String.init), relativeTolerance: relativeTolerance,
                             gmresMaxIterations: gmresMaxIterations, repetitions: `repeat`, skipDirect: skipDirect).run(JSONLine.print)
    }
}
