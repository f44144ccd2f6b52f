import Foundation
import PDEs
import RunSupport

/// Everything a `pdekit gp` run needs (a bundled problem or a problem file, the method, the kernel and
/// optimizer settings, the output directory), Codable so it can be stored and compared. Unset optional
/// settings take per-problem defaults (``ProblemDefaults``); ``GaussianProcessRun`` runs it.
public struct GaussianProcessRunConfiguration: Codable, Sendable {
    /// The manufactured problems of Fang et al. (ICLR 2024) built into PDEKit.
    public enum BundledProblem: String, Codable, Sendable, CaseIterable {
        case poisson1d, poisson1dMultiscale = "poisson1d-multiscale", poisson2d, allenCahn = "allen-cahn"
    }

    public enum Method: String, Codable, Sendable, CaseIterable {
        /// Optimize the grid values and the kernel hyperparameters (``GaussianProcessSolver``).
        case gpHM = "gp-hm"
        /// One dense solve with a fixed kernel (``KernelCollocation``; linear equations, ≤ 6400 points).
        case collocation
    }

    /// A bundled problem, or nil with ``problemFile``.
    public var problem: BundledProblem?
    /// A problem file (`PDEProblemDescription`'s JSON form), or nil with ``problem``.
    public var problemFile: String?
    public var method = Method.gpHM
    public var kernel = KernelFamily.spectralMixture
    /// Mixture components (frequencies) per axis.
    public var components = 30
    /// Collocation points per axis (endpoints included).
    public var collocation = 400
    /// Adam (outer hyperparameter) steps; nil: the problem's default.
    public var iterations: Int?
    /// L-BFGS iterations after Adam; nil: the problem's default.
    public var lbfgsIterations: Int?
    /// `a` in the sine solutions `sin(a x)` (poisson1d, allen-cahn, poisson2d).
    public var frequency = 100.0
    /// Initial frequencies spread on `[0, this]` cycles per unit length (positive); nil: `1.25 a / 2π` for the
    /// sine problems, 20 for the multi-scale one, the grid's Nyquist frequency `(N − 1) / 2L` for a file.
    public var maximumFrequency: Double?
    public var lengthscale = 0.3
    /// Nugget relative to `k(0)`.
    public var jitter = 1e-10
    /// Boundary noise σ_b.
    public var boundaryNoise = 1e-6
    /// Equation noise σ_r relative to the RMS source.
    public var equationNoise = 1e-6
    /// Jeffreys-prior weight `c_J`; nil: the problem's default.
    public var jeffreysWeight: Double?
    public var hyperparameterLearningRate = 1e-2
    public var fixedFrequencies = false
    public var fixedLengthscales = false
    public var fixedWeights = false
    public var preconditioner = GaussianProcessSolver.PreconditionerKind.gaussNewton
    /// 2-D: L-BFGS iterations over the grid values between hyperparameter steps.
    public var innerIterations = 20
    /// 2-D: L-BFGS iterations over the grid values at the start and the end.
    public var valueIterations = 300
    /// Test points per axis for the relative L2 error.
    public var testPoints = 300
    /// Output directory (log, summary, tables, plots, and the checkpoint in `training/`).
    public var output = "gp-output"
    /// Continue from the checkpoint in `<output>/training/`.
    public var resume = false
    /// Adam steps between checkpoints (and `metrics.jsonl` records); the last step always writes one.
    /// Each checkpoint holds the values' change of variables (`2 N²` numbers per axis), so writing it
    /// every step slowed the 1-D default run's steps by about 40 %.
    public var checkpointEvery = 10

    public init() {}

    /// A setting out of range (the message names the flag).
    public struct SettingError: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// Settings that reach the issue's targets on each problem at its default size (400 points per
    /// axis) without extra flags; measured in BENCHMARKS-gp.md. Explicit settings override them.
    ///
    /// In 1-D the Jeffreys weight grows with the number of collocation points `N`: the prior's
    /// quadratic and log-determinant terms grow like `N`, so a fixed `c_J` prunes less as `N`
    /// grows. `c_J = 20` at `N = 400` keeps the true frequency and prunes the rest (1-D Poisson
    /// 6e-8; `c_J = 1` stops near 1e-5); at `N = 120`, `c_J = 20` prunes everything (error ~1)
    /// and `c_J = 6` works; the multi-scale problem goes from 6e-6 (`c_J = 1`) to 8e-7 (`c_J = 20`).
    /// Allen–Cahn keeps `c_J = 1`: with 10 + 10 steps `c_J = 20` gave 1.9e-4 against 1.9e-5.
    /// In 2-D only ten outer steps are affordable and `c_J` barely acts. A problem file takes the
    /// settings of the bundled problem of its kind (1-D linear: poisson1d; 1-D nonlinear:
    /// allen-cahn; 2-D: poisson2d).
    public struct ProblemDefaults: Sendable, Equatable {
        public var iterations: Int
        public var lbfgsIterations: Int
        public var jeffreysWeight: Double

        public init(_ problem: BundledProblem, collocation: Int) {
            let jeffreys1D = 20 * Double(collocation) / 400
            switch problem {
            case .poisson1d: (iterations, lbfgsIterations, jeffreysWeight) = (50, 50, jeffreys1D)
            case .poisson1dMultiscale: (iterations, lbfgsIterations, jeffreysWeight) = (20, 20, jeffreys1D)
            case .allenCahn: (iterations, lbfgsIterations, jeffreysWeight) = (10, 10, 1)
            case .poisson2d: (iterations, lbfgsIterations, jeffreysWeight) = (10, 0, 1)
            }
        }

        /// The defaults of the bundled problem like `problem` (see the type's description).
        public init(fileProblem problem: GaussianProcessProblem, collocation: Int) {
            let like: BundledProblem = problem.dimension == 2 ? .poisson2d : problem.isLinear ? .poisson1d : .allenCahn
            self.init(like, collocation: collocation)
        }
    }

    /// Domain length of the problems with a `frequency` (`[0, 2π]` per axis).
    public static let sineDomainLength = 2 * Double.pi

    /// The problem to solve: the bundled one, or the problem file's GP-HM form.
    /// - Throws: `ProblemError` (with the file's line and column) or ``GaussianProcessError`` naming
    ///   what GP-HM does not solve.
    public func makeProblem() throws -> GaussianProcessProblem {
        switch (problem, problemFile) {
        case (let name?, nil):
            switch name {
            case .poisson1d: return .poissonSine1D(frequency: frequency)
            case .poisson1dMultiscale: return .poissonMultiscale1D()
            case .allenCahn: return .allenCahnSine1D(frequency: frequency)
            case .poisson2d: return .poissonSine2D(frequency: frequency)
            }
        case (nil, let path?):
            return try GaussianProcessProblem(description: try ProblemFile.load(path: path))
        default:
            throw SettingError(description: "give either a bundled problem or --problem FILE (got \(problem == nil ? "neither" : "both"))")
        }
    }

    /// The settings after the defaults for `pde`: iterations, L-BFGS iterations, Jeffreys weight and
    /// the initial maximum frequency.
    public func resolved(for pde: GaussianProcessProblem) -> (iterations: Int, lbfgsIterations: Int, jeffreysWeight: Double, maximumFrequency: Double) {
        let defaults = problem.map { ProblemDefaults($0, collocation: collocation) } ?? ProblemDefaults(fileProblem: pde, collocation: collocation)
        let nyquist = pde.lowerBounds.indices.map { Double(collocation - 1) / (2 * (pde.upperBounds[$0] - pde.lowerBounds[$0])) }.min() ?? 20
        let maximum = maximumFrequency ?? (problem == nil ? nyquist : problem == .poisson1dMultiscale ? 20 : 1.25 * frequency / (2 * .pi))
        return (iterations ?? defaults.iterations, lbfgsIterations ?? defaults.lbfgsIterations, jeffreysWeight ?? defaults.jeffreysWeight, maximum)
    }

    /// Checks every numeric setting (finite, in range) and the memory the run needs, before anything
    /// is allocated. `pde` is the problem to solve (its dimension sizes the estimate).
    public func validate(for pde: GaussianProcessProblem, budget: MemoryBudget = MemoryBudget()) throws {
        func require(_ condition: Bool, _ message: String) throws { if !condition { throw SettingError(description: message) } }
        let (iterations, lbfgsIterations, jeffreysWeight, _) = resolved(for: pde)
        try require((3...4096).contains(collocation), "--collocation must be in 3…4096 (got \(collocation))")
        try require(components >= 1, "--components must be at least 1 (got \(components))")
        try require(iterations >= 0 && lbfgsIterations >= 0, "--iterations and --lbfgs-iterations must be ≥ 0")
        try require(!iterations.addingReportingOverflow(lbfgsIterations).overflow,
                    "--iterations + --lbfgs-iterations (\(iterations) + \(lbfgsIterations)) overflows a 64-bit count")
        try require(innerIterations >= 0 && valueIterations >= 0, "--inner-iterations and --value-iterations must be ≥ 0")
        try require(testPoints >= 2, "--test-points must be at least 2 (got \(testPoints))")
        // A sine needs at least two collocation points per period: a ≤ π (N − 1) / L.
        let resolvable = Double.pi * Double(collocation - 1) / Self.sineDomainLength
        let sine = problem != nil && problem != .poisson1dMultiscale
        try require(frequency.isFinite && frequency > 0 && (!sine || frequency <= resolvable),
                    "--frequency must be positive and at most π (collocation − 1) / 2π = \(resolvable) (two points per period; got \(frequency))")
        // At 0 every component starts at frequency 0 with the same gradient, so none can separate: the
        // kernel cannot represent the solution (relative error 1, reported as a converged run before).
        try require(maximumFrequency.map { $0.isFinite && $0 > 0 } ?? true,
                    "--maximum-frequency must be finite and positive (got \(maximumFrequency.map { "\($0)" } ?? ""))")
        try require(lengthscale.isFinite && lengthscale > 0, "--lengthscale must be finite and positive (got \(lengthscale))")
        try require(jitter.isFinite && jitter >= 0, "--jitter must be finite and ≥ 0 (got \(jitter))")
        try require(boundaryNoise.isFinite && boundaryNoise > 0 && equationNoise.isFinite && equationNoise > 0,
                    "--boundary-noise and --equation-noise must be finite and positive")
        try require(jeffreysWeight.isFinite && jeffreysWeight >= 0, "--jeffreys-weight must be finite and ≥ 0 (got \(jeffreysWeight))")
        try require(hyperparameterLearningRate.isFinite && hyperparameterLearningRate > 0,
                    "--hyperparameter-learning-rate must be finite and positive (got \(hyperparameterLearningRate))")
        try require(checkpointEvery >= 1, "--checkpoint-every must be at least 1 (got \(checkpointEvery))")
        try require(!(resume && method == .collocation), "--resume applies to gp-hm runs (collocation has no optimizer state)")
        try budget.require(bytes: try Self.estimatedBytes(collocation: collocation, dimension: pde.dimension,
                                                          components: components, testPoints: testPoints, method: method),
                           what: "gp \(problem?.rawValue ?? pde.name) with \(components) components, \(collocation) points and \(testPoints) test points per axis")
    }

    /// An estimate of the peak memory of a run (bytes of `Double`s), from its largest arrays:
    /// the kernel tables on the `2N − 1` lags (values, second derivatives and their autodiff
    /// intermediates, about 16 arrays of `Q (2N − 1)` per axis), about 24 dense `N × N` factor
    /// matrices per axis, about 16 grid-sized arrays (`N^d`), the dense collocation system
    /// (`(N^d)²`, collocation method only) and the test-point evaluation (`T × N` per axis, `T^d`).
    public static func estimatedBytes(collocation n: Int, dimension: Int, components: Int, testPoints: Int, method: Method) throws -> Int {
        let lags = 2 * n - 1
        let grid = try MemoryBudget.product(Array(repeating: n, count: dimension), what: "collocation grid")
        let test = try MemoryBudget.product(Array(repeating: testPoints, count: dimension), what: "test grid")
        var elements = [
            try MemoryBudget.product([16, components, lags, dimension], what: "kernel tables"),
            try MemoryBudget.product([24, n, n, dimension], what: "kernel factor matrices"),
            try MemoryBudget.product([16, grid], what: "grid values"),
            try MemoryBudget.product([testPoints, n, dimension], what: "test-point kernel matrix"),
            try MemoryBudget.product([4, test], what: "test-point values"),
        ]
        if method == .collocation { elements.append(try MemoryBudget.product([2, grid, grid], what: "collocation system")) }
        var total = 0
        for count in elements {
            let (sum, overflow) = total.addingReportingOverflow(count)
            guard !overflow else { throw MemoryBudgetError.overflow(what: "gp memory estimate", factors: elements) }
            total = sum
        }
        return try MemoryBudget.bytes(elements: total, bytesPerElement: MemoryLayout<Double>.size, what: "gp memory estimate")
    }
}
