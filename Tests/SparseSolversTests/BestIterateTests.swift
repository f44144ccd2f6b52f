import DenseLinearAlgebra
import Testing
import SparseSolvers

/// MINRES on singular inconsistent systems stops at the least-squares solution, and no Krylov method
/// returns an iterate worse than its start (`ReturnedIterate`).
@Suite struct BestIterateTests {
    /// The 2-D grid graph Laplacian (Neumann boundary): symmetric, singular, null space = constants.
    static func neumannLaplacian(n: Int) -> CSRMatrix {
        let dirichlet = ModelProblems.poisson2D(n: n)
        let rowSums = dirichlet.applied(to: [Double](repeating: 1, count: n * n))
        return dirichlet.addingToDiagonal(rowSums.map { -$0 })
    }

    /// The minimum-norm least-squares solution A⁺ b from LAPACK's SVD (singular values below
    /// 1e-10 σ₁ treated as zero), independent of any Krylov method.
    static func pseudoinverseSolution(_ a: CSRMatrix, _ b: [Double]) throws -> [Double] {
        let n = a.rowCount
        let dense = DenseMatrix(rows: n, columns: n, elements: a.dense().flatMap { $0 })
        let svd = try SingularValueDecomposition(dense)
        let cutoff = 1e-10 * svd.singularValues[0]
        var x = [Double](repeating: 0, count: n)
        for k in 0..<svd.singularValues.count where svd.singularValues[k] > cutoff {
            let u = svd.left.column(k), v = svd.rightTransposed.row(k)
            var coefficient = 0.0
            for i in 0..<n { coefficient += u[i] * b[i] }
            coefficient /= svd.singularValues[k]
            for i in 0..<n { x[i] += coefficient * v[i] }
        }
        return x
    }

    @Test func minresStopsAtTheLeastSquaresSolutionOfAnInconsistentSystem() throws {
        let a = Self.neumannLaplacian(n: 16)
        let n = a.rowCount
        #expect(a.isSymmetric())
        var random = TestRandom(seed: 7)
        let b = random.vector(n).map { $0 + 0.3 }   // a nonzero mean: b is not in the range of A
        let xLS = try Self.pseudoinverseSolution(a, b)
        let minimumResidual = VectorOperations.norm(VectorOperations.residual(a, xLS, b))
        #expect(minimumResidual > 0.1 * VectorOperations.norm(b))
        let result = MINRES(criterion: StoppingCriterion(relativeTolerance: 1e-10, maximumIterations: 2000))
            .solve(a, rightHandSide: b)
        #expect(result.report.outcome == .leastSquares)
        let residual = VectorOperations.norm(VectorOperations.residual(a, result.solution, b))
        #expect(residual <= minimumResidual * (1 + 1e-8), "‖r‖ = \(residual), least-squares minimum \(minimumResidual)")
        #expect(abs(result.report.relativeResidual - residual / VectorOperations.norm(b)) <= 1e-12)
        // MINRES from 0 may keep a constant (null-space) component; its range part is A⁺ b.
        let mean = result.solution.reduce(0, +) / Double(n)
        #expect(relativeError(result.solution.map { $0 - mean }, xLS) < 1e-6)
        #expect(result.report.returnedIterate == .last)
    }

    /// With an SPD preconditioner M MINRES minimizes ‖b − A x‖ in the M⁻¹ norm, so its least-squares
    /// point is that of the weighted problem min ‖W (b − A x)‖₂, W = M^{-1/2} (here Jacobi of A + I).
    @Test func preconditionedMinresStopsAtTheWeightedLeastSquaresSolution() throws {
        let a = Self.neumannLaplacian(n: 12)
        let n = a.rowCount
        var random = TestRandom(seed: 11)
        let b = random.vector(n).map { $0 - 0.4 }
        let shifted = a.addingToDiagonal(1)
        let weights = shifted.diagonal().map { 1 / $0.squareRoot() }
        // W A and W b as a sparse matrix and vector, then A⁺-style least squares of the weighted problem.
        var weightedValues = a.values
        for i in 0..<n { for k in a.rowOffsets[i]..<a.rowOffsets[i + 1] { weightedValues[k] *= weights[i] } }
        let weighted = CSRMatrix(rowCount: n, columnCount: n, rowOffsets: a.rowOffsets, columnIndices: a.columnIndices, values: weightedValues)
        let xLS = try Self.pseudoinverseSolution(weighted, zip(weights, b).map { $0 * $1 })
        func weightedResidual(_ x: [Double]) -> Double {
            let r = VectorOperations.residual(a, x, b)
            return VectorOperations.norm(zip(weights, r).map { $0 * $1 })
        }
        let result = MINRES(criterion: StoppingCriterion(relativeTolerance: 1e-10, maximumIterations: 2000),
                            preconditioner: try JacobiPreconditioner(shifted)).solve(a, rightHandSide: b)
        #expect(result.report.outcome == .leastSquares)
        #expect(weightedResidual(result.solution) <= weightedResidual(xLS) * (1 + 1e-8))
        let mean = result.solution.reduce(0, +) / Double(n), meanLS = xLS.reduce(0, +) / Double(n)
        #expect(relativeError(result.solution.map { $0 - mean }, xLS.map { $0 - meanLS }) < 1e-6)
    }

    @Test func consistentSingularSystemStillConverges() throws {
        let a = Self.neumannLaplacian(n: 16)
        let xStar = manufacturedSolution(a.rowCount)
        let b = a.applied(to: xStar)   // in the range of A
        let result = MINRES(criterion: StoppingCriterion(relativeTolerance: 1e-10, maximumIterations: 2000)).solve(a, rightHandSide: b)
        #expect(result.report.outcome == .converged)
        #expect(result.report.returnedIterate == .last)
        #expect(trueRelativeResidual(a, result.solution, b) <= 1e-10)
    }

    /// CG on a strongly nonsymmetric matrix, started next to the solution: its iterates move away,
    /// and every method must hand back something no worse than the start.
    @Test func noMethodReturnsAnIterateWorseThanTheInitialGuess() {
        let a = ModelProblems.convectionDiffusion2D(n: 24, diffusion: 0.002, velocity: (1.0, 0.7))
        let n = a.rowCount
        let xStar = manufacturedSolution(n)
        let b = a.applied(to: xStar)
        var random = TestRandom(seed: 3)
        let x0 = zip(xStar, random.vector(n)).map { $0 + 1e-3 * $1 }
        let initialResidual = VectorOperations.norm(VectorOperations.residual(a, x0, b))
        let criterion = StoppingCriterion(relativeTolerance: 1e-14, maximumIterations: 30)
        let solvers: [any IterativeSolver] = [
            ConjugateGradient(criterion: criterion), MINRES(criterion: criterion), GMRES(restart: 5, criterion: criterion),
            FlexibleGMRES(restart: 5, criterion: criterion), BiCGStab(criterion: criterion),
            GCRODR(restart: 6, recycledCount: 2, criterion: criterion),
        ]
        var someoneDidWorse = false
        for solver in solvers {
            let result = solver.solve(a, rightHandSide: b, initialGuess: x0)
            let residual = VectorOperations.norm(VectorOperations.residual(a, result.solution, b))
            #expect(residual <= initialResidual, "\(solver.methodName): \(residual) > start \(initialResidual)")
            #expect(abs(result.report.relativeResidual * VectorOperations.norm(b) - residual) <= 1e-9 * max(residual, 1e-300) + 1e-300,
                    "\(solver.methodName): the report describes the returned iterate")
            if result.report.returnedIterate == .initialGuess { #expect(result.solution == x0) }
            if result.report.returnedIterate != .last { someoneDidWorse = true }
        }
        // CG's short recurrence on this matrix drifts away: at least one guard must have fired.
        #expect(someoneDidWorse)
    }
}
