import RunSupport

/// Everything that chooses and tunes a linear solver for A x = b: the one description the CLI
/// (`pdekit solve`), the C API (`pdekit_solver_*`) and the data generator share.
///
/// ```
/// method ∈ {direct, CG, MINRES, GMRES(m), FGMRES(m), BiCGStab, GCRO-DR(m, k), DCDM}
/// preconditioner M⁻¹ ∈ {none, Jacobi, SSOR, IC(0), ILU(0), ILUT (hypre), geometric multigrid on `grid`,
///                      algebraic multigrid (hypre BoomerAMG: classical, aggregation, AIR)}
/// stop when ‖b − A x‖₂ ≤ max(rtol ‖b‖₂, atol) or after `maximumIterations` iterations
/// ```
/// `makeSolver()` turns a configuration into a `LinearSolver` (setup once per matrix, solve many
/// right-hand sides). `validate()` refuses what cannot work or would not fit in memory, with a
/// `SolverConfigurationError`, before anything is allocated.
///
/// References: Y. Saad, *Iterative Methods for Sparse Linear Systems*, 2nd ed., SIAM 2003 (ch. 6–10);
/// M. L. Parks et al., SIAM J. Sci. Comput. 28(5), 2006 (GCRO-DR).
public struct SolverConfiguration: Codable, Sendable, Equatable {
    /// The solution method.
    public enum Method: String, Codable, Sendable, CaseIterable {
        /// CHOLMOD Cholesky when A is symmetric positive definite, UMFPACK LU otherwise.
        case direct
        /// Preconditioned conjugate gradients (A and M symmetric positive definite).
        case conjugateGradient = "cg"
        /// MINRES (A symmetric, possibly indefinite; M symmetric positive definite).
        case minres
        /// Restarted GMRES(m), right preconditioned.
        case gmres
        /// Flexible GMRES(m) (the preconditioner may vary between iterations).
        case flexibleGMRES = "fgmres"
        /// BiCGStab (nonsymmetric A, short recurrences).
        case biCGStab = "bicgstab"
        /// GCRO-DR(m, k): GMRES with deflated restarting that keeps k vectors from one solve to the next.
        case gcrodr
        /// Deep Conjugate Direction Method: a trained network (LearnedSolvers' `DCDMLinearSolver`) on `grid`.
        case dcdm

        /// Whether a preconditioner can be combined with this method.
        public var acceptsPreconditioner: Bool { self != .direct && self != .dcdm }
        /// Whether `restart` (the Krylov dimension m) applies.
        public var usesRestart: Bool { self == .gmres || self == .flexibleGMRES || self == .gcrodr }
    }

    /// The preconditioner M⁻¹ of an iterative method (rebuilt by `LinearSolver.setup` for each matrix).
    public enum Preconditioner: String, Codable, Sendable, CaseIterable {
        case none
        /// M = diag(A).
        case jacobi
        /// Symmetric successive over-relaxation, ω = 1.
        case ssor
        /// Incomplete Cholesky with zero fill (A symmetric positive definite).
        case incompleteCholesky = "ic0"
        /// Incomplete LU with zero fill.
        case incompleteLU = "ilu0"
        /// One geometric multigrid V-cycle on `SolverConfiguration.grid` (Galerkin coarsening).
        case multigrid
        /// Algebraic multigrid: hypre's BoomerAMG with `SolverConfiguration.amg` (any matrix, no grid).
        case amg
        /// Threshold incomplete LU (hypre's ILUT) with `SolverConfiguration.thresholdILU`.
        case thresholdILU = "ilut"

        /// Accepts the canonical names and the short aliases `ilu` and `ic` (the generator's flag values).
        public init?(name: String) {
            switch name.lowercased() {
            case "ilu": self = .incompleteLU
            case "ic": self = .incompleteCholesky
            default: self.init(rawValue: name.lowercased())
            }
        }
    }

    public var method: Method
    public var preconditioner: Preconditioner
    /// rtol: stop when ‖b − A x‖₂ ≤ rtol ‖b‖₂ (also the bar a direct solution is checked against).
    public var relativeTolerance: Double
    /// atol: or when ‖b − A x‖₂ ≤ atol.
    public var absoluteTolerance: Double
    /// Iteration limit of the Krylov methods.
    public var maximumIterations: Int
    /// Krylov dimension m of GMRES, FGMRES and GCRO-DR (including the k recycled vectors).
    public var restart: Int
    /// GCRO-DR: number k of vectors recycled from one solve (or cycle) to the next, 1 ≤ k < m.
    public var recycledCount: Int
    /// The structured grid of the unknowns, x fastest (2 or 3 sizes): multigrid and DCDM need it.
    public var grid: [Int]?
    /// The direct method tries CHOLMOD when |aᵢⱼ − aⱼᵢ| ≤ tol · maxₖₗ |aₖₗ| for all i, j (A symmetric
    /// to rounding, e.g. assembled in floating point); 0 demands exact symmetry. 0 ≤ tol < 1.
    public var symmetryTolerance: Double = SolverConfiguration.defaultSymmetryTolerance
    /// BoomerAMG settings (used when `preconditioner == .amg`).
    public var amg = AlgebraicMultigridOptions()
    /// ILUT settings (used when `preconditioner == .thresholdILU`).
    public var thresholdILU = ThresholdILUOptions()
    /// The default relative symmetry tolerance, 1e-12 (a few hundred units of rounding).
    public static let defaultSymmetryTolerance = 1e-12

    public init(method: Method = .gmres, preconditioner: Preconditioner = .none, relativeTolerance: Double = 1e-8,
                absoluteTolerance: Double = 0, maximumIterations: Int = 10_000, restart: Int = 40, recycledCount: Int = 20,
                grid: [Int]? = nil) {
        self.method = method
        self.preconditioner = preconditioner
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
        self.maximumIterations = maximumIterations
        self.restart = restart
        self.recycledCount = recycledCount
        self.grid = grid
    }

    /// The stopping criterion of the iterative methods (and of the residual check of a direct solve).
    public var criterion: StoppingCriterion {
        StoppingCriterion(relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance,
                          maximumIterations: maximumIterations)
    }

    /// Checks the configuration on its own and, when `rowCount` is given, against an n × n matrix:
    /// ranges, the grid (sizes, overflow-checked point count, equal to n), and the workspace the
    /// solver will allocate against `budget` (default: the machine's physical memory, `machineBudget`).
    ///
    /// Without `rowCount` the memory check uses the grid's point count, or n = 1 (so a restart length
    /// whose Hessenberg matrix alone cannot fit is refused before any matrix is read).
    public func validate(rowCount: Int? = nil, budget: MemoryBudget = SolverConfiguration.machineBudget) throws {
        typealias Failure = SolverConfigurationError
        guard relativeTolerance.isFinite, absoluteTolerance.isFinite, relativeTolerance >= 0, absoluteTolerance >= 0,
              relativeTolerance > 0 || absoluteTolerance > 0 else {
            throw Failure.invalidTolerance(relative: relativeTolerance, absolute: absoluteTolerance)
        }
        guard maximumIterations >= 1 else { throw Failure.invalidMaximumIterations(maximumIterations) }
        guard symmetryTolerance.isFinite, symmetryTolerance >= 0, symmetryTolerance < 1 else {
            throw Failure.invalidSymmetryTolerance(symmetryTolerance)
        }
        if method.usesRestart { guard restart >= 2 else { throw Failure.invalidRestart(restart) } }
        if method == .gcrodr {
            guard recycledCount >= 1, recycledCount < restart else { throw Failure.invalidRecycledCount(recycledCount, restart: restart) }
        }
        if preconditioner != .none, !method.acceptsPreconditioner {
            throw Failure.preconditionerNotApplicable(method: method, preconditioner: preconditioner)
        }
        if preconditioner == .amg { try amg.validate(rowCount: rowCount) }
        if preconditioner == .thresholdILU { try thresholdILU.validate() }
        let gridPoints = try grid.map(Self.pointCount)
        if preconditioner == .multigrid || method == .dcdm, grid == nil {
            throw Failure.gridRequired(method == .dcdm ? "the DCDM method" : "the multigrid preconditioner")
        }
        if let rowCount {
            guard rowCount >= 1 else { throw Failure.emptyMatrix }
            if let gridPoints, gridPoints != rowCount, preconditioner == .multigrid || method == .dcdm {
                throw Failure.gridMismatch(gridPoints: gridPoints, matrixRows: rowCount)
            }
        }
        do {
            try budget.require(bytes: try workspaceBytes(rowCount: rowCount ?? gridPoints ?? 1), what: "the \(method.rawValue) solver's workspace")
        } catch {
            throw Failure.memory(error)
        }
    }

    /// The machine's physical memory, read once (a `setup` validates against it on every call).
    public static let machineBudget = MemoryBudget()

    /// The bytes of Krylov workspace the method allocates for n unknowns (the matrix, the
    /// preconditioner and the factorizations, about the size of A, are not included).
    ///
    /// GMRES(m): (m + 1) n basis and (m + 1)² Hessenberg; FGMRES adds m n; GCRO-DR (2m + 2k + 2) n and
    /// about 6 (m + 1)² for its small eigenproblems; the short-recurrence methods about 10 n.
    /// - Throws: `MemoryBudgetError.overflow` when a count does not fit in an `Int`.
    public func workspaceBytes(rowCount n: Int) throws(MemoryBudgetError) -> Int {
        let what = "the \(method.rawValue) solver's workspace"
        func sum(_ terms: [Int]) throws(MemoryBudgetError) -> Int {
            var result = 0
            for term in terms {
                let (next, overflow) = result.addingReportingOverflow(term)
                guard !overflow else { throw .overflow(what: what, factors: terms) }
                result = next
            }
            return result
        }
        let m1 = try sum([max(restart, 0), 1]), k = max(recycledCount, 0)
        func product(_ factors: Int...) throws(MemoryBudgetError) -> Int { try MemoryBudget.product(factors, what: what) }
        let vectors: Int
        switch method {
        case .direct, .dcdm, .conjugateGradient, .minres, .biCGStab:
            vectors = try product(10, n)
        case .gmres:
            vectors = try sum([product(m1, n), product(m1, m1), product(4, n)])
        case .flexibleGMRES:
            vectors = try sum([product(2, m1, n), product(m1, m1), product(4, n)])
        case .gcrodr:
            vectors = try sum([product(2, m1, n), product(2, k, n), product(6, m1, m1), product(4, n)])
        }
        return try MemoryBudget.bytes(elements: vectors, bytesPerElement: MemoryLayout<Double>.stride, what: what)
    }

    /// The number of grid points, ∏ sizes, with every size ≥ 1, 2 or 3 sizes and no overflow.
    public static func pointCount(of grid: [Int]) throws -> Int {
        guard grid.count == 2 || grid.count == 3 else { throw SolverConfigurationError.invalidGrid(grid) }
        guard grid.allSatisfy({ $0 >= 1 }) else { throw SolverConfigurationError.invalidGrid(grid) }
        do { return try MemoryBudget.product(grid, what: "grid") } catch { throw SolverConfigurationError.gridTooLarge(grid) }
    }

    /// Parses a grid written as sizes joined by `x`, e.g. `64x64` or `16x16x16` (x fastest).
    public static func parseGrid(_ text: String) throws -> [Int] {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        let sizes = parts.compactMap { Int($0) }
        guard sizes.count == parts.count else { throw SolverConfigurationError.unreadableGrid(text) }
        _ = try pointCount(of: sizes)
        return sizes
    }

    /// The grid as the multigrid preconditioner's `StructuredGrid` (after `validate()`).
    var structuredGrid: StructuredGrid? {
        guard let grid else { return nil }
        return grid.count == 2 ? .twoDimensional(nx: grid[0], ny: grid[1])
                               : .threeDimensional(nx: grid[0], ny: grid[1], nz: grid[2])
    }

    /// A solver for this configuration: `DirectLinearSolver` for `.direct`, `KrylovLinearSolver`
    /// for the Krylov methods. `.dcdm` needs a trained network: use LearnedSolvers' `DCDMLinearSolver`.
    public func makeSolver() throws -> any LinearSolver {
        try validate()
        switch method {
        case .direct: return DirectLinearSolver(configuration: self)
        case .dcdm: throw SolverConfigurationError.networkRequired
        default: return KrylovLinearSolver(configuration: self)
        }
    }
}

extension SolverConfiguration {
    private enum CodingKeys: String, CodingKey {
        case method, preconditioner, relativeTolerance, absoluteTolerance, maximumIterations, restart, recycledCount, grid
        case symmetryTolerance, amg, thresholdILU
    }

    /// Decodes a configuration; `symmetryTolerance`, `amg` and `thresholdILU`, added later, take their defaults when absent.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(method: try c.decode(Method.self, forKey: .method),
                  preconditioner: try c.decode(Preconditioner.self, forKey: .preconditioner),
                  relativeTolerance: try c.decode(Double.self, forKey: .relativeTolerance),
                  absoluteTolerance: try c.decode(Double.self, forKey: .absoluteTolerance),
                  maximumIterations: try c.decode(Int.self, forKey: .maximumIterations),
                  restart: try c.decode(Int.self, forKey: .restart),
                  recycledCount: try c.decode(Int.self, forKey: .recycledCount),
                  grid: try c.decodeIfPresent([Int].self, forKey: .grid))
        symmetryTolerance = try c.decodeIfPresent(Double.self, forKey: .symmetryTolerance) ?? Self.defaultSymmetryTolerance
        amg = try c.decodeIfPresent(AlgebraicMultigridOptions.self, forKey: .amg) ?? AlgebraicMultigridOptions()
        thresholdILU = try c.decodeIfPresent(ThresholdILUOptions.self, forKey: .thresholdILU) ?? ThresholdILUOptions()
    }
}
