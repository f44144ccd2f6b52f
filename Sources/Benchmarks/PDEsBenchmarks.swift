import Foundation
import PDEKit

/// PDE-family timings (`pdekit bench pdes`): Darcy assembly and CHOLMOD solves, Burgers and
/// Navier–Stokes time integration.
public struct PDEsBenchmarks {
    public struct DarcyRecord: Codable {
        public var benchmark = "darcy_fno"
        public var s: Int
        public var unknowns: Int
        public var grf_sample_seconds: Double
        public var assembly_seconds: Double
        public var cholmod_analyze_factor_solve_seconds: Double
        public var cholmod_refactor_solve_seconds: Double
        public var per_sample_seconds: Double
    }

    public struct BurgersRecord: Codable {
        public var benchmark = "burgers_etdrk4"
        public var n: Int
        public var nu = 0.1
        public var T = 1
        public var dt: Double
        public var steps: Int
        public var seconds_per_sample: Double
    }

    public struct NavierStokesRecord: Codable {
        public var benchmark = "navier_stokes_cn_heun"
        public var n: Int
        public var nu = 1e-3
        public var dt: Double
        public var seconds_per_unit_time: Double
    }

    /// Darcy resolutions s (nodes per side, boundary included).
    public var darcyResolutions: [Int]
    public var repetitions: Int
    /// Burgers and Navier–Stokes resolutions (0 skips) and time steps.
    public var burgersResolution: Int, burgersTimeStep: Double
    public var navierStokesResolution: Int, navierStokesTimeStep: Double

    public init(darcyResolutions: [Int], repetitions: Int, burgersResolution: Int, burgersTimeStep: Double,
                navierStokesResolution: Int, navierStokesTimeStep: Double) {
        self.darcyResolutions = darcyResolutions
        self.repetitions = repetitions
        self.burgersResolution = burgersResolution
        self.burgersTimeStep = burgersTimeStep
        self.navierStokesResolution = navierStokesResolution
        self.navierStokesTimeStep = navierStokesTimeStep
    }

    /// The suite of `pdekit bench pdes` from its flags: `darcy` comma-separated integers ≥ 3, `repetitions`
    /// positive, resolutions 0 (skip) or even and ≥ 4, finite positive time steps; a ``BenchmarkError`` otherwise.
    public static func parsing(darcy: String, repetitions: Int, burgersResolution: Int, burgersTimeStep: Double,
                               navierStokesResolution: Int, navierStokesTimeStep: Double) throws -> PDEsBenchmarks {
        guard repetitions > 0 else { throw BenchmarkError("--repetitions must be positive") }
        guard let darcyResolutions = CommaSeparatedIntegers.parse(darcy, minimum: 3) else {
            throw BenchmarkError("--darcy takes comma-separated integers ≥ 3")
        }
        func skippedOrEven(_ n: Int) -> Bool { n == 0 || (n >= 4 && n % 2 == 0) }
        guard skippedOrEven(burgersResolution), skippedOrEven(navierStokesResolution) else {
            throw BenchmarkError("--burgers and --navier-stokes take 0 (skip) or an even resolution ≥ 4")
        }
        guard burgersTimeStep > 0, burgersTimeStep.isFinite, navierStokesTimeStep > 0, navierStokesTimeStep.isFinite else {
            throw BenchmarkError("time steps must be positive")
        }
        return PDEsBenchmarks(darcyResolutions: darcyResolutions, repetitions: repetitions, burgersResolution: burgersResolution,
                              burgersTimeStep: burgersTimeStep, navierStokesResolution: navierStokesResolution,
                              navierStokesTimeStep: navierStokesTimeStep)
    }

    public func run(_ output: BenchmarkOutput) throws {
        var generator = SeededRandomNumberGenerator(seed: 2024)
        for s in darcyResolutions {
            try MemoryBudget().requireArray(shape: [s, s, 1024], bytesPerElement: 1, what: "a Darcy problem at s = \(s)")
            let coefficient = try DarcyProblem.sampleCoefficient(resolution: s, using: &generator)
            let problem = try DarcyProblem(resolution: s, coefficient: coefficient)
            var system = try problem.discretize()
            let sample = try Measurements.best(of: repetitions) { _ = try DarcyProblem.sampleCoefficient(resolution: s, using: &generator) }
            let assembly = try Measurements.best(of: repetitions) { system = try problem.discretize() }
            let fresh = try Measurements.best(of: repetitions) { _ = try CholeskyFactorization(system.matrix).solve(system.rightHandSide) }
            let analysis = try CholeskyFactorization(analyzing: system.matrix)
            let reused = try Measurements.best(of: repetitions) {
                try analysis.factorize(system.matrix)
                _ = try analysis.solve(system.rightHandSide)
            }
            // The whole per-sample path of a generator: draw a, assemble, refactor, solve (DarcySolver).
            let darcySolver = try DarcySolver(resolution: s)
            let perSample = try Measurements.best(of: repetitions) {
                let next = try DarcyProblem.random(resolution: s, using: &generator)
                _ = try darcySolver.solve(next)
            }
            try output(DarcyRecord(s: s, unknowns: system.unknownCount, grf_sample_seconds: sample, assembly_seconds: assembly,
                                   cholmod_analyze_factor_solve_seconds: fresh, cholmod_refactor_solve_seconds: reused,
                                   per_sample_seconds: perSample))
        }
        if burgersResolution > 0 {
            try MemoryBudget().requireArray(shape: [burgersResolution, 256], bytesPerElement: 8, what: "Burgers at n = \(burgersResolution)")
            let u0 = try GaussianRandomField.fnoBurgers(resolution: burgersResolution).sample(using: &generator)
            let solver = try BurgersSolver(resolution: burgersResolution, viscosity: 0.1, timeStep: burgersTimeStep)
            let seconds = try Measurements.best(of: 2) { _ = try solver.solve(initial: u0, time: 1) }
            guard let steps = Int(exactly: (1 / burgersTimeStep).rounded()) else { throw BenchmarkError("Burgers time step \(burgersTimeStep) out of range") }
            try output(BurgersRecord(n: burgersResolution, dt: burgersTimeStep, steps: steps, seconds_per_sample: seconds))
        }
        if navierStokesResolution > 0 {
            try MemoryBudget().requireArray(shape: [navierStokesResolution, navierStokesResolution, 256], bytesPerElement: 8,
                                            what: "Navier–Stokes at n = \(navierStokesResolution)")
            let w0 = try GaussianRandomField.fnoNavierStokes(resolution: navierStokesResolution).sample(using: &generator)
            let solver = try NavierStokes2DSolver(resolution: navierStokesResolution, viscosity: 1e-3, forcing: .fno,
                                                  timeStep: navierStokesTimeStep)
            let seconds = try Measurements.best(of: 2) { _ = try solver.solve(initialVorticity: w0, time: 1) }
            try output(NavierStokesRecord(n: navierStokesResolution, dt: navierStokesTimeStep, seconds_per_unit_time: seconds))
        }
    }
}
