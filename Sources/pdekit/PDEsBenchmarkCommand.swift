import ArgumentParser
import Foundation
import PDEKit

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
        var generator = SeededRandomNumberGenerator(seed: 2024)
        for s in darcy.split(separator: ",").compactMap({ Int($0) }) {
            let coefficient = try DarcyProblem.sampleCoefficient(resolution: s, using: &generator)
            let problem = try DarcyProblem(resolution: s, coefficient: coefficient)
            var system = try problem.discretize()
            let sample = best(of: repetitions) { _ = try! DarcyProblem.sampleCoefficient(resolution: s, using: &generator) }
            let assembly = best(of: repetitions) { system = try! problem.discretize() }
            let fresh = best(of: repetitions) { _ = try! CholeskyFactorization(system.matrix).solve(system.rightHandSide) }
            let analysis = try CholeskyFactorization(analyzing: system.matrix)
            let reused = best(of: repetitions) {
                try! analysis.factorize(system.matrix)
                _ = try! analysis.solve(system.rightHandSide)
            }
            // The whole per-sample path of a generator: draw a, assemble, refactor, solve (DarcySolver).
            let darcySolver = try DarcySolver(resolution: s)
            let perSample = best(of: repetitions) {
                let next = try! DarcyProblem.random(resolution: s, using: &generator)
                _ = try! darcySolver.solve(next)
            }
            emit(["benchmark": "darcy_fno", "s": s, "unknowns": system.unknownCount,
                  "grf_sample_seconds": sample, "assembly_seconds": assembly,
                  "cholmod_analyze_factor_solve_seconds": fresh, "cholmod_refactor_solve_seconds": reused,
                  "per_sample_seconds": perSample])
        }
        if burgers > 0 {
            let u0 = try GaussianRandomField.fnoBurgers(resolution: burgers).sample(using: &generator)
            let solver = try BurgersSolver(resolution: burgers, viscosity: 0.1, timeStep: burgersTimeStep)
            let seconds = best(of: 2) { _ = try! solver.solve(initial: u0, time: 1) }
            emit(["benchmark": "burgers_etdrk4", "n": burgers, "nu": 0.1, "T": 1, "dt": burgersTimeStep,
                  "steps": Int((1 / burgersTimeStep).rounded()), "seconds_per_sample": seconds])
        }
        if navierStokes > 0 {
            let w0 = try GaussianRandomField.fnoNavierStokes(resolution: navierStokes).sample(using: &generator)
            let solver = try NavierStokes2DSolver(resolution: navierStokes, viscosity: 1e-3, forcing: .fno,
                                                  timeStep: navierStokesTimeStep)
            let seconds = best(of: 2) { _ = try! solver.solve(initialVorticity: w0, time: 1) }
            emit(["benchmark": "navier_stokes_cn_heun", "n": navierStokes, "nu": 1e-3, "dt": navierStokesTimeStep,
                  "seconds_per_unit_time": seconds])
        }
    }
}
