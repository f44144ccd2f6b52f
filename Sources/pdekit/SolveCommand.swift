import ArgumentParser
import Foundation
import PDEKit
import RunSupport

extension SolverConfiguration.Method: ExpressibleByArgument {}
extension AlgebraicMultigridOptions.Variant: ExpressibleByArgument {}
extension AlgebraicMultigridOptions.Smoother: ExpressibleByArgument {}

extension SparseSolveRun.MethodChoice: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { names }
    public var defaultValueDescription: String { name }
}

extension SparseSolveRun.NearNullspaceChoice: ExpressibleByArgument {}

extension SolverConfiguration.Preconditioner: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}

/// `pdekit solve`: solve A x = b for a Matrix Market matrix with a direct or Krylov method.
struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve A x = b for a sparse matrix in Matrix Market format.",
        discussion: """
        Under mpirun -np R: one system split over the R ranks (contiguous rows), solved with hypre's cg, \
        gmres, fgmres or bicgstab and --preconditioner amg, ilut or none; other methods are refused.

        Exit status: 0 when the solve converged, 1 on bad input (the message starts with 'error:'), \
        2 when the method did not reach the tolerance (the report is still printed, JSON with "converged": false; \
        a residual that is not finite is null there).
        """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "Matrix file (Matrix Market, coordinate real|integer|pattern, general|symmetric|skew-symmetric).")
    var matrix: String

    @Option(help: "Right-hand side: a Matrix Market vector file, or 'ones'.")
    var rhs: String = "ones"

    @Option(help: "Solution method; auto: direct below 20000 unknowns, else CG + AMG (symmetric, positive diagonal; systems AMG when the pattern interleaves unknowns per node) or GMRES + ILUT, falling back to direct.")
    var method: SparseSolveRun.MethodChoice = .method(.gmres)

    @Option(help: "Preconditioner (multigrid needs --grid; amg is hypre's BoomerAMG; ilut is hypre's threshold ILU).")
    var preconditioner: SolverConfiguration.Preconditioner = .none

    @Option(help: "AMG variant: classical (HMIS, FF1), aggregation (aggressive coarsening), air (nonsymmetric, advection-dominated).")
    var amgVariant: AlgebraicMultigridOptions.Variant = .classical

    @Option(help: "AMG smoother (classical, aggregation): auto (chebyshev with one unknown per node and ≤ 6 entries per row, i.e. 2-D stencils; gauss-seidel for systems, near-nullspace vectors or denser rows), gauss-seidel (hybrid symmetric), l1-jacobi, chebyshev (degree 2 in D⁻¹A on [0.3λ, λ], λ from Gershgorin).")
    var amgSmoother: AlgebraicMultigridOptions.Smoother = .automatic

    @Option(help: "AMG V-cycles per preconditioner application.")
    var amgCycles = CountArgument(1)

    @Option(help: "AMG strength threshold θ in (0, 1): 0.25 for 2-D, 0.5 for 3-D problems.")
    var amgStrength: Double = 0.25

    @Option(help: "Unknowns per node for systems AMG (interleaved, e.g. 2 for 2-D elasticity); --method auto finds it in the sparsity pattern, --near-nullspace rigid-body takes it from the coordinates.")
    var unknownsPerNode = CountArgument(1)

    @Option(help: "AMG near-nullspace: none, rigid-body (rotations from --coordinates), vectors (--near-nullspace-vectors).")
    var nearNullspace: SparseSolveRun.NearNullspaceChoice = .none

    @Option(help: "Node coordinates for rigid-body modes: Matrix Market array with one row per node and 2 or 3 columns.")
    var coordinates: String?

    @Option(help: "Near-nullspace vectors: Matrix Market array, n rows, one column per vector.")
    var nearNullspaceVectors: String?

    @Option(help: "ILUT drop tolerance τ (relative to each row's norm).")
    var iluDropTolerance: Double = 1e-4

    @Option(help: "ILUT entries kept per row of L and of U.")
    var iluFill = CountArgument(20)

    @Option(help: "Grid of the unknowns for multigrid and dcdm, e.g. 64x64 or 16x16x16 (x fastest).")
    var grid: String?

    @Option(help: "Relative tolerance rtol: stop when ‖b − A x‖ ≤ rtol ‖b‖.")
    var relativeTolerance: Double = 1e-8

    @Option(help: ArgumentHelp(
        "Relative symmetry tolerance of the direct method: CHOLMOD Cholesky is tried when |a_ij − a_ji| ≤ tol · max|a| for all i, j, else UMFPACK LU (the output names the factorization that ran).",
        valueName: "tol"))
    var symmetryTolerance: Double = SolverConfiguration.defaultSymmetryTolerance

    @Option(help: "Iteration limit.")
    var maxIterations = CountArgument(10_000)

    @Option(help: "Restart length m for GMRES, FGMRES and GCRO-DR.")
    var restart = CountArgument(40)

    @Option(help: "Recycled vectors k for GCRO-DR.")
    var recycled = CountArgument(20)

    @Option(help: "Trained DCDM network (safetensors from `pdekit dcdm train`); --method dcdm needs it and --grid.")
    var model: String?

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    @Option(help: "Write the solution to this Matrix Market file.")
    var solution: String?

    /// The flags as a library request (values are validated by `SparseSolveRun`).
    func request() throws -> SparseSolveRun.Request {
        var configuration = SolverConfiguration(
            method: method.configuredMethod, preconditioner: preconditioner,
            relativeTolerance: relativeTolerance, maximumIterations: try maxIterations.value("max-iterations"),
            restart: try restart.value("restart"), recycledCount: try recycled.value("recycled"), grid: try grid.map(SolverConfiguration.parseGrid))
        configuration.symmetryTolerance = symmetryTolerance
        configuration.amg = AlgebraicMultigridOptions(variant: amgVariant, smoother: amgSmoother, cycles: try amgCycles.value("amg-cycles"),
                                                      strongThreshold: amgStrength, unknownsPerNode: try unknownsPerNode.value("unknowns-per-node"))
        configuration.thresholdILU = ThresholdILUOptions(dropTolerance: iluDropTolerance, maximumRowFill: try iluFill.value("ilu-fill"))
        let source = try nearNullspace.source(coordinates: coordinates, vectors: nearNullspaceVectors)
        guard method != .method(.dcdm) || model != nil else { throw SparseSolveRun.InputError("--method dcdm needs --model") }
        return SparseSolveRun.Request(matrixPath: matrix, rightHandSidePath: rhs == "ones" ? nil : rhs, configuration: configuration,
                                      automatic: method == .auto, nearNullspace: source, solutionPath: solution)
    }

    func run() throws {
        let summary = try SparseSolveRun.run(try request(), ranks: Job.communicator.size, writesOutput: Job.isRoot,
                                             makeSolver: DCDMLinearSolver.maker(modelPath: model))
        if Job.isRoot {
            print(format == .json ? try summary.json() : summary.text)
            if let warning = summary.warning { StatusLine.printLine(warning) }
        }
        if !summary.converged { throw ExitCode(2) }
    }
}

extension Solve: DistributedCommand, HypreCommand {
    var usesHypre: Bool { preconditioner == .amg || preconditioner == .thresholdILU || method == .auto }
}
