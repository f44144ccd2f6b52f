import Foundation
import SparseSolvers

/// `SolverConfiguration.Method.dcdm` behind the `LinearSolver` protocol: the Deep Conjugate
/// Direction Method with a trained network on the configuration's grid.
///
/// ```
/// setup(A):     checks that the grid has A's row count (the network needs no set-up)
/// solve(b, x₀): fluid mask inferred from (A, b), d = f(r / ‖r‖) A-orthogonalized (Kaneda et al., Alg. 1)
/// ```
/// Complexity: per iteration one network application and one product with A.
/// References: A. Kaneda et al., "A Deep Conjugate Direction Method for Iteratively Solving Linear
/// Systems", ICML 2023.
public final class DCDMLinearSolver: LinearSolver {
    public private(set) var configuration: SolverConfiguration
    public let network: DCDMNetwork
    public var rowCount: Int? { matrix?.rowCount }
    private var matrix: CSRMatrix?

    /// - Throws: `SolverConfigurationError` for an invalid configuration or a missing grid,
    ///   `LearnedSolverError.rankMismatch` when the grid's rank differs from the network's.
    public init(configuration: SolverConfiguration, network: DCDMNetwork) throws {
        var configuration = configuration
        configuration.method = .dcdm
        try configuration.validate()
        guard let grid = configuration.grid else { throw SolverConfigurationError.gridRequired("the DCDM method") }
        guard grid.count == network.configuration.spatialRank else {
            throw LearnedSolverError.rankMismatch(model: network.configuration.spatialRank, problem: grid.count)
        }
        self.configuration = configuration
        self.network = network
    }

    /// The solver maker of `pdekit solve --model PATH` (``SparseSolveRun/run(_:ranks:writesOutput:makeSolver:)``):
    /// the DCDM method with the network saved at `modelPath`, any other method from its configuration.
    public static func maker(modelPath: String?) -> (SolverConfiguration) throws -> any LinearSolver {
        { configuration in
            guard let modelPath, configuration.method == .dcdm else { return try configuration.makeSolver() }
            return try DCDMLinearSolver(configuration: configuration, network: DCDMNetwork.load(from: URL(fileURLWithPath: modelPath)).network)
        }
    }

    public func setup(_ a: CSRMatrix) throws {
        matrix = nil
        try LinearSolverInput.checkMatrix(a, configuration)
        matrix = a
    }

    public func solve(_ b: [Double], initialGuess: [Double]?) throws -> SolveResult {
        _ = try LinearSolverInput.checkVectors(b, initialGuess, rowCount: rowCount)
        guard let matrix, let grid = configuration.grid else { throw SolverConfigurationError.notSetUp }
        let mask = DCDMDirectionOperator.inferredFluidMask(of: matrix, rightHandSide: b)
        let directions = try DCDMDirectionOperator(network: network, dimensions: grid, fluidMask: mask)
        return DeepConjugateDirection(directions: directions, criterion: configuration.criterion)
            .solve(matrix, rightHandSide: b, initialGuess: initialGuess)
    }

    public func changeCriterion(_ criterion: StoppingCriterion) throws {
        configuration = try LinearSolverInput.checkCriterion(criterion, configuration)
    }

    public func reset() { matrix = nil }
}
