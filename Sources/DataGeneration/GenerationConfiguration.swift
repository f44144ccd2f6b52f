import Foundation
import SparseSolvers

/// The problem families `DatasetGenerator` can produce.
public enum GenerationFamily: String, Sendable, CaseIterable, Codable {
    /// −∇·(a∇u) = 1 on (0,1)², u = 0 on the boundary; a from `DarcyCoefficientRecipe`.
    case darcy
    /// −∇·(a∇u) = 1 on (0,1)², zero Dirichlet, a = exp(ψ), ψ ~ GRF(α = 2, τ = 3, σ = `sigma`).
    case poisson
    /// ∇·(a∇u) + k²u = 1 on (0,1)², zero Dirichlet, a = exp(ψ) (indefinite for large k).
    case helmholtz
    /// Viscous Burgers on the unit circle: u₀ ~ FNO's GRF → u(·, 1); no linear solves.
    case burgers
    /// A problem file (`--problem FILE`, `GenerationProblem`): its random coefficient → u.
    case problem

    /// Whether every sample needs a sparse linear solve.
    public var isLinear: Bool { self != .burgers }
}

/// Storage precision of the `coeff`/`sol` datasets.
public enum GenerationPrecision: String, Sendable, CaseIterable, Codable {
    case float32, float64
}

/// How the Darcy coefficient is drawn.
public enum GenerationCoefficient: String, Sendable, CaseIterable, Codable {
    /// FNO's piecewise-constant 12/3 field.
    case fno
    /// a = exp(ψ) (SKR's smooth family).
    case lognormal
}

extension SolverConfiguration.Preconditioner {
    /// The name recorded in generated files and content keys (`ilu` for ILU(0), as before
    /// `SolverConfiguration` existed, so older partial files still resume).
    public var generationName: String { self == .incompleteLU ? "ilu" : rawValue }
}

/// Everything that determines the content of a generated dataset. Two runs with equal
/// `contentKey`s write the same samples in the same order.
public struct GenerationConfiguration: Sendable, Equatable {
    public var family: GenerationFamily
    public var sampleCount: Int
    /// Nodes per side (boundary included) for the 2-D families, grid points for Burgers.
    public var resolution: Int
    public var seed: UInt64
    /// Relative residual tolerance of the Krylov solves (also the bar a direct solve is checked against).
    public var tolerance: Double
    public var strategy: SequenceSolveStrategy
    /// Preconditioner of the `gmres` and `recycling` strategies (rebuilt for every system).
    public var preconditioner: SolverConfiguration.Preconditioner
    public var precision: GenerationPrecision
    /// Samples per appended shard (the unit of resumption).
    public var shardSize: Int
    public var coefficient: GenerationCoefficient
    /// Helmholtz wavenumber k.
    public var wavenumber: Double
    /// Burgers viscosity ν.
    public var viscosity: Double
    /// Log-normal amplitude σ of ψ (poisson, helmholtz, darcy lognormal).
    public var sigma: Double
    /// GCRO-DR restart length m and recycled dimension k.
    public var restart: Int
    public var recycledCount: Int
    /// The problem file of family `.problem`.
    public var problem: GenerationProblem?

    public init(family: GenerationFamily, sampleCount: Int, resolution: Int, seed: UInt64 = 0, tolerance: Double = 1e-8,
                strategy: SequenceSolveStrategy = .auto, preconditioner: SolverConfiguration.Preconditioner = .incompleteLU,
                precision: GenerationPrecision = .float32, shardSize: Int = 50, coefficient: GenerationCoefficient = .fno,
                wavenumber: Double = 10, viscosity: Double = 0.1, sigma: Double = 1, restart: Int = 40, recycledCount: Int = 20,
                problem: GenerationProblem? = nil) {
        self.problem = problem
        self.family = family
        self.sampleCount = sampleCount
        self.resolution = resolution
        self.seed = seed
        self.tolerance = tolerance
        self.strategy = strategy
        self.preconditioner = preconditioner
        self.precision = precision
        self.shardSize = shardSize
        self.coefficient = coefficient
        self.wavenumber = wavenumber
        self.viscosity = viscosity
        self.sigma = sigma
        self.restart = restart
        self.recycledCount = recycledCount
    }

    /// Checks the values a user can get wrong.
    public func validate() throws {
        func bad(_ name: String, _ reason: String) -> GenerationError { .invalidParameter(name: name, reason: reason) }
        guard sampleCount >= 1 else { throw bad("samples", "must be at least 1") }
        switch family {
        case .burgers:
            guard resolution >= 8, resolution % 2 == 0 else { throw bad("resolution", "Burgers needs an even number of points ≥ 8") }
            guard viscosity > 0, viscosity.isFinite else { throw bad("viscosity", "must be positive") }
        default:
            guard resolution >= 5 else { throw bad("resolution", "must be at least 5 nodes per side") }
        }
        guard (family == .problem) == (problem != nil) else { throw bad("problem", "family 'problem' goes with --problem FILE, and only it") }
        guard tolerance > 0, tolerance < 1 else { throw bad("tolerance", "must lie in (0, 1)") }
        guard shardSize >= 1 else { throw bad("shard-size", "must be at least 1") }
        guard wavenumber >= 0, wavenumber <= 1e6 else { throw bad("wavenumber", "must lie in [0, 10⁶]") }
        // a = exp(σψ) with ψ of unit variance: beyond σ = 20 the coefficient's contrast (e^{±6σ}) leaves Double's range.
        guard sigma >= 0, sigma <= 20 else { throw bad("sigma", "must lie in [0, 20]") }
        guard restart >= 2, recycledCount >= 1, recycledCount < restart else { throw bad("restart", "need restart ≥ 2 and 1 ≤ recycled < restart") }
        if family.isLinear {
            guard preconditioner != .multigrid else { throw bad("preconditioner", "multigrid is not available for generation") }
            let (unknowns, overflow) = [Int](repeating: resolution - 2, count: problem?.dimension ?? 2).reduce((1, false)) { acc, n in
                let (p, o) = acc.0.multipliedReportingOverflow(by: n); return (p, acc.1 || o)
            }
            guard !overflow else { throw bad("resolution", "\(resolution) nodes per side overflow the unknown count") }
            try solverConfiguration.validate(rowCount: unknowns)
        }
    }

    /// The solver options shared by every strategy (the method is the strategy's; GCRO-DR here,
    /// the largest workspace).
    public var solverConfiguration: SolverConfiguration {
        SolverConfiguration(method: .gcrodr, preconditioner: preconditioner, relativeTolerance: tolerance,
                            restart: restart, recycledCount: recycledCount)
    }

    /// The scalar parameters recorded in the manifest and compared on resume.
    public var manifestParameters: [String: Double] {
        var result: [String: Double] = ["shard_size": Double(shardSize)]
        switch family {
        case .darcy:
            if coefficient == .fno { result["a_high"] = 12; result["a_low"] = 3 } else { result["sigma"] = sigma }
            result["alpha"] = 2; result["tau"] = 3; result["source"] = 1
        case .poisson:
            result["alpha"] = 2; result["tau"] = 3; result["sigma"] = sigma; result["source"] = 1
        case .helmholtz:
            result["alpha"] = 2; result["tau"] = 3; result["sigma"] = sigma; result["source"] = 1; result["wavenumber"] = wavenumber
        case .burgers:
            result["viscosity"] = viscosity; result["final_time"] = 1; result["alpha"] = 2; result["tau"] = 5; result["sigma"] = 25
        case .problem:
            if let input = problem?.input { result["alpha"] = input.alpha; result["tau"] = input.tau; result["sigma"] = input.sigma }
        }
        if family.isLinear && strategy != .direct { result["restart"] = Double(restart); result["recycled"] = Double(recycledCount) }
        return result
    }

    /// A one-line description of everything that fixes the data (compared on resume).
    public var contentKey: String {
        let parameters = manifestParameters.filter { $0.key != "shard_size" }.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        var key = "family=\(family.rawValue) samples=\(sampleCount) resolution=\(resolution) seed=\(seed) precision=\(precision.rawValue)"
        if family == .darcy { key += " coefficient=\(coefficient.rawValue)" }
        if let problem { key += " problem=\(problem.description.name)#\(problem.digest) input=\(problem.inputKey)" }
        if family.isLinear { key += " tolerance=\(tolerance) solver=\(strategy.rawValue) preconditioner=\(preconditioner.generationName)" }
        return key + " parameters=[\(parameters)]"
    }
}

/// Errors a user can cause when generating a dataset; each prints as one line.
public enum GenerationError: Error, Equatable, CustomStringConvertible, LocalizedError {
    case invalidParameter(name: String, reason: String)
    /// The output file exists with a different configuration.
    case configurationMismatch(path: String, existing: String, requested: String)
    /// The output file exists but is not a resumable PDEKit dataset.
    case notResumable(path: String, reason: String)
    /// A part file given to `merge` that is not part of one complete sharded run.
    case shardSet(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidParameter(let name, let reason): return "invalid --\(name): \(reason)"
        case .configurationMismatch(let path, let existing, let requested):
            return "\(path) was generated with different parameters (file: \(existing); requested: \(requested)); use another --output or delete it"
        case .notResumable(let path, let reason): return "\(path) cannot be resumed: \(reason)"
        case .shardSet(let path, let reason): return "cannot merge \(path): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
