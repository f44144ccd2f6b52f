import SparseSolvers
import TensorCore

/// A discretized stationary problem A u = b plus the map between its unknowns and the full nodal
/// field (Dirichlet nodes included).
///
/// ```
/// unknownNodes[i] = linear grid index of unknown i
/// field[p] = solution[i]   if p = unknownNodes[i]
///          = fixedValues[p] (Dirichlet data)   otherwise
/// ```
public struct LinearSystem: Sendable {
    public var matrix: CSRMatrix
    public var rightHandSide: [Double]
    /// The full grid (shape `grid.sizes`, boundary nodes included).
    public let grid: UniformGrid
    /// Linear grid index of each unknown, ascending.
    public let unknownNodes: [Int]
    /// The full field with the Dirichlet values at fixed nodes and 0 at unknown nodes.
    public let fixedValues: [Double]
    /// True when the assembly guarantees a symmetric positive definite matrix (Cholesky applies;
    /// `solve()` needs no hint: `DirectLinearSolver` checks symmetry and falls back to LU itself).
    public let isSymmetricPositiveDefinite: Bool
    /// Nodes on the upper face of a periodic axis (`periodicImages[k].image`) and the node whose
    /// value they repeat (`.source`, on the lower face); empty without periodic sides.
    public var periodicImages: [(image: Int, source: Int)] = []

    public init(matrix: CSRMatrix, rightHandSide: [Double], grid: UniformGrid, unknownNodes: [Int],
                fixedValues: [Double], isSymmetricPositiveDefinite: Bool) {
        precondition(matrix.rowCount == unknownNodes.count && rightHandSide.count == unknownNodes.count,
                     "LinearSystem: sizes differ")
        precondition(fixedValues.count == grid.pointCount, "LinearSystem: fixedValues must cover the grid")
        self.matrix = matrix
        self.rightHandSide = rightHandSide
        self.grid = grid
        self.unknownNodes = unknownNodes
        self.fixedValues = fixedValues
        self.isSymmetricPositiveDefinite = isSymmetricPositiveDefinite
    }

    public var unknownCount: Int { unknownNodes.count }

    /// The full nodal field (storage order of `grid`) from a solution vector.
    public func field(from solution: [Double]) throws -> [Double] {
        guard solution.count == unknownCount else {
            throw PDEError.sizeMismatch(what: "solution", expected: unknownCount, actual: solution.count)
        }
        var field = fixedValues
        for (i, p) in unknownNodes.enumerated() { field[p] = solution[i] }
        for pair in periodicImages { field[pair.image] = field[pair.source] }
        return field
    }

    /// The full nodal field as a tensor of shape `grid.sizes`.
    public func fieldTensor(from solution: [Double]) throws -> Tensor<Double> {
        try Tensor(shape: grid.sizes, scalars: field(from: solution))
    }

    /// The unknowns' values picked out of a full nodal field.
    public func unknowns(from field: [Double]) throws -> [Double] {
        guard field.count == grid.pointCount else {
            throw PDEError.sizeMismatch(what: "field", expected: grid.pointCount, actual: field.count)
        }
        return unknownNodes.map { field[$0] }
    }

    /// Solves directly and returns the full field, through SparseSolvers' `DirectLinearSolver` (the
    /// one home of the choice: CHOLMOD Cholesky when A is symmetric positive definite, else UMFPACK LU).
    ///
    /// - Throws: SparseSolvers' errors for a singular or non-finite system; `PDEError.nonFiniteValue`
    ///   when the solution is not finite.
    public func solve() throws -> [Double] {
        let result = try DirectLinearSolver(configuration: SolverConfiguration(method: .direct)).solve(matrix, rightHandSide: rightHandSide)
        guard result.report.outcome != .breakdown else { throw PDEError.nonFiniteValue("the direct solution of the \(unknownCount)-unknown system") }
        return try field(from: result.solution)
    }
}
