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

    func validate() throws {
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
        guard darcy.split(separator: ",").allSatisfy({ Int($0).map { $0 >= 3 } ?? false }) else {
            throw ValidationError("--darcy takes comma-separated integers ≥ 3")
        }
        guard burgers == 0 || (burgers >= 4 && burgers % 2 == 0), navierStokes == 0 || (navierStokes >= 4 && navierStokes % 2 == 0) else {
            throw ValidationError("--burgers and --navier-stokes take 0 (skip) or an even resolution ≥ 4")
        }
        guard burgersTimeStep > 0, burgersTimeStep.isFinite, navierStokesTimeStep > 0, navierStokesTimeStep.isFinite else {
            throw ValidationError("time steps must be positive")
        }
    }

    func run() throws {
        try PDEsBenchmarks(darcyResolutions: darcy.split(separator: ",").compactMap { Int($0) }, repetitions: repetitions,
                           burgersResolution: burgers, burgersTimeStep: burgersTimeStep,
                           navierStokesResolution: navierStokes, navierStokesTimeStep: navierStokesTimeStep).run(JSONLine.print)
    }
}
