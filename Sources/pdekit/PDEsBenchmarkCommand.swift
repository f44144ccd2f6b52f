import ArgumentParser
import Benchmarks

/// `pdekit bench pdes`: PDE-family timings (Darcy assembly and CHOLMOD solves, Burgers and
/// Navier–Stokes time integration) as JSON lines.
struct PDEsBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pdes",
        abstract: "Time Darcy assembly + CHOLMOD solves, Burgers per sample and 2-D Navier–Stokes per unit time; print JSON lines.")

    @Option(help: "Darcy resolutions s (nodes per side, boundary included), comma-separated.")
    var darcy: String = "64,128,256"

    @Option(help: "Repetitions per Darcy measurement (the best is reported).")
    var repetitions: Int = 5

    @Option(help: "Burgers resolution (0 skips).")
    var burgers: Int = 1024

    @Option(help: "Burgers time step.")
    var burgersTimeStep: Double = 1e-3

    @Option(help: "Navier–Stokes resolution (0 skips).")
    var navierStokes: Int = 64

    @Option(help: "Navier–Stokes time step.")
    var navierStokesTimeStep: Double = 1e-3

    var suite: PDEsBenchmarks {
        get throws {
            try .parsing(darcy: darcy, repetitions: repetitions, burgersResolution: burgers, burgersTimeStep: burgersTimeStep,
                         navierStokesResolution: navierStokes, navierStokesTimeStep: navierStokesTimeStep)
        }
    }

    func validate() throws { try validatingFlags { _ = try suite } }
    func run() throws { try suite.run(JSONLine.print) }
}
