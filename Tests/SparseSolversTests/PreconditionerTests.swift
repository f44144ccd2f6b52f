import Testing
import SparseSolvers

@Suite struct PreconditionerTests {
    static let criterion = StoppingCriterion(relativeTolerance: 1e-8, maximumIterations: 5000)

    /// D A D with D = diag(1 … 30): SPD with a badly scaled diagonal (Jacobi's use case).
    static func badlyScaledPoisson(n: Int) -> CSRMatrix {
        let a = ModelProblems.poisson2D(n: n)
        var rng = TestRandom(seed: 7)
        let d = (0..<a.rowCount).map { _ in 1 + 29 * (rng.next() + 1) / 2 }
        var coo = COOMatrix(rowCount: a.rowCount, columnCount: a.rowCount)
        for i in 0..<a.rowCount { for k in a.rowOffsets[i]..<a.rowOffsets[i + 1] {
            coo.appendUnchecked(row: i, column: a.columnIndices[k], value: d[i] * a.values[k] * d[a.columnIndices[k]])
        } }
        return coo.csr()
    }

    func solveAndCompare(_ a: CSRMatrix, _ preconditioner: any LinearOperator, reference: [Double], b: [Double]) -> Int {
        let r = ConjugateGradient(criterion: Self.criterion, preconditioner: preconditioner).solve(a, rightHandSide: b)
        #expect(r.report.converged, "\(r.report.method)")
        #expect(relativeError(r.solution, reference) < 1e-5, "\(r.report.method)")
        return r.report.iterations
    }

    @Test func preconditionersReduceCGIterations() throws {
        let a = ModelProblems.poisson2D(n: 48)
        let xStar = manufacturedSolution(a.rowCount)
        let b = a.applied(to: xStar)
        let reference = try CholeskyFactorization(a).solve(b)
        let plain = ConjugateGradient(criterion: Self.criterion).solve(a, rightHandSide: b).report.iterations
        let ssor = solveAndCompare(a, try SSORPreconditioner(a, relaxation: 1.5), reference: reference, b: b)
        let ic0 = solveAndCompare(a, try IncompleteCholesky(a), reference: reference, b: b)
        let mg = solveAndCompare(a, try GeometricMultigrid(a, grid: .twoDimensional(nx: 48, ny: 48)), reference: reference, b: b)
        #expect(ssor * 3 < plain * 2, "SSOR \(ssor) vs CG \(plain)")
        #expect(ic0 * 3 < plain * 2, "IC(0) \(ic0) vs CG \(plain)")
        #expect(mg * 5 < plain, "multigrid \(mg) vs CG \(plain)")

        let scaled = Self.badlyScaledPoisson(n: 32)
        let bs = scaled.applied(to: manufacturedSolution(scaled.rowCount))
        let referenceScaled = try CholeskyFactorization(scaled).solve(bs)
        let plainScaled = ConjugateGradient(criterion: Self.criterion).solve(scaled, rightHandSide: bs).report.iterations
        let jacobi = solveAndCompare(scaled, try JacobiPreconditioner(scaled), reference: referenceScaled, b: bs)
        #expect(jacobi * 2 < plainScaled, "Jacobi \(jacobi) vs CG \(plainScaled)")
    }

    @Test func iluReducesGMRESIterations() throws {
        let a = ModelProblems.convectionDiffusion2D(n: 48, diffusion: 0.02, velocity: (1, -0.7))
        let xStar = manufacturedSolution(a.rowCount)
        let b = a.applied(to: xStar)
        let plain = GMRES(restart: 40, criterion: Self.criterion).solve(a, rightHandSide: b)
        let ilu = GMRES(restart: 40, criterion: Self.criterion, preconditioner: try IncompleteLU(a)).solve(a, rightHandSide: b)
        #expect(plain.report.converged && ilu.report.converged)
        #expect(ilu.report.iterations * 3 < plain.report.iterations, "ILU \(ilu.report.iterations) vs \(plain.report.iterations)")
        #expect(relativeError(ilu.solution, xStar) < 1e-5)
    }

    @Test func multigridPCGOnPoisson2DAnd3D() throws {
        // 2-D 64² and 3-D 16³: iteration counts of a working multigrid are small and grid-independent.
        let a2 = ModelProblems.poisson2D(n: 64)
        let x2 = manufacturedSolution(a2.rowCount)
        let mg2 = try GeometricMultigrid(a2, grid: .twoDimensional(nx: 64, ny: 64))
        #expect(mg2.levelCount >= 3)
        let r2 = ConjugateGradient(criterion: Self.criterion, preconditioner: mg2).solve(a2, rightHandSide: a2.applied(to: x2))
        #expect(r2.report.converged)
        #expect(r2.report.iterations < 20, "MG-PCG 64²: \(r2.report.iterations)")
        #expect(relativeError(r2.solution, x2) < 1e-6)

        let a3 = ModelProblems.poisson3D(n: 16)
        let x3 = manufacturedSolution(a3.rowCount)
        let mg3 = try GeometricMultigrid(a3, grid: .threeDimensional(nx: 16, ny: 16, nz: 16), coarsestSize: 100)
        let r3 = ConjugateGradient(criterion: Self.criterion, preconditioner: mg3).solve(a3, rightHandSide: a3.applied(to: x3))
        #expect(r3.report.converged)
        #expect(r3.report.iterations < 20, "MG-PCG 16³: \(r3.report.iterations)")
        #expect(relativeError(r3.solution, x3) < 1e-6)

        // Damped Jacobi smoothing also works (more iterations allowed).
        let mgJ = try GeometricMultigrid(a2, grid: .twoDimensional(nx: 64, ny: 64), smoother: .dampedJacobi(weight: 0.8), sweeps: 2)
        let rJ = ConjugateGradient(criterion: Self.criterion, preconditioner: mgJ).solve(a2, rightHandSide: a2.applied(to: x2))
        #expect(rJ.report.converged && rJ.report.iterations < 30, "MG(Jacobi)-PCG: \(rJ.report.iterations)")
    }

    @Test func multigridHandlesVariableCoefficientsAndOddGrids() throws {
        // 63² grid, Poisson plus a strongly varying positive reaction term.
        let n = 63
        var rng = TestRandom(seed: 3)
        let a = ModelProblems.poisson2D(n: n).addingToDiagonal((0..<(n * n)).map { _ in 2 * (rng.next() + 1) })
        let xStar = manufacturedSolution(a.rowCount)
        let mg = try GeometricMultigrid(a, grid: .twoDimensional(nx: n, ny: n))
        let r = ConjugateGradient(criterion: Self.criterion, preconditioner: mg).solve(a, rightHandSide: a.applied(to: xStar))
        #expect(r.report.converged && r.report.iterations < 20)
        #expect(relativeError(r.solution, xStar) < 1e-6)
    }

    @Test func symmetricPreconditionersAreSymmetric() throws {
        // xᵀ M⁻¹ y = yᵀ M⁻¹ x for the preconditioners CG may use.
        let a = ModelProblems.poisson2D(n: 20)
        var rng = TestRandom(seed: 11)
        let x = rng.vector(a.rowCount), y = rng.vector(a.rowCount)
        let ops: [any LinearOperator] = [try JacobiPreconditioner(a), try SSORPreconditioner(a, relaxation: 1.3),
                                         try IncompleteCholesky(a), try GeometricMultigrid(a, grid: .twoDimensional(nx: 20, ny: 20), coarsestSize: 30)]
        for m in ops {
            let lhs = VectorOperations.dot(x, m.applied(to: y)), rhs = VectorOperations.dot(y, m.applied(to: x))
            #expect(abs(lhs - rhs) <= 1e-12 * abs(lhs), "\(type(of: m))")
            #expect(VectorOperations.dot(x, m.applied(to: x)) > 0)
        }
    }

    @Test func incompleteFactorizationsMatchExactFactorsOnTridiagonalMatrices() throws {
        // A tridiagonal matrix has no fill, so ILU(0) and IC(0) are exact: M⁻¹ A x = x.
        let a = CSRMatrix(dense: [[4, -1, 0, 0], [-2, 5, -1, 0], [0, -1, 6, -3], [0, 0, -1, 3]])
        let x = [1.0, -2, 3, 0.5]
        #expect(maxAbsDifference(try IncompleteLU(a).applied(to: a.applied(to: x)), x) < 1e-14)
        let s = CSRMatrix(dense: [[4, -1, 0], [-1, 4, -1], [0, -1, 4]])
        #expect(maxAbsDifference(try IncompleteCholesky(s).applied(to: s.applied(to: x.prefix(3).map { $0 })), Array(x.prefix(3))) < 1e-14)
    }

    @Test func badInputsThrowTypedErrors() {
        let zeroDiagonal = CSRMatrix(dense: [[0, 1], [1, 2]])
        #expect(throws: PreconditionerError.zeroDiagonal(row: 0)) { try JacobiPreconditioner(zeroDiagonal) }
        #expect(throws: PreconditionerError.zeroDiagonal(row: 0)) { try IncompleteLU(zeroDiagonal) }
        #expect(throws: PreconditionerError.invalidRelaxation(2.5)) { try SSORPreconditioner(ModelProblems.poisson2D(n: 4), relaxation: 2.5) }
        #expect(throws: PreconditionerError.notSymmetric) {
            try IncompleteCholesky(ModelProblems.convectionDiffusion2D(n: 4, diffusion: 1, velocity: (3, 0)))
        }
        #expect(throws: PreconditionerError.self) { try IncompleteCholesky(ModelProblems.poisson2D(n: 10).addingToDiagonal(-3.9)) }
        #expect(throws: PreconditionerError.gridMismatch(gridPoints: 100, matrixRows: 64)) {
            try GeometricMultigrid(ModelProblems.poisson2D(n: 8), grid: .twoDimensional(nx: 10, ny: 10))
        }
        // A 5000 × 2 grid cannot be coarsened (one direction has 2 points): refused, not a 200 MB dense LU.
        var coo = COOMatrix(rowCount: 10_000, columnCount: 10_000)
        for i in 0..<10_000 { coo.appendUnchecked(row: i, column: i, value: 4) }
        #expect(throws: PreconditionerError.self) {
            try GeometricMultigrid(coo.csr(), grid: .twoDimensional(nx: 5000, ny: 2))
        }
        // ILU pivot breakdown: [[1, 1], [1, 1]] has a zero second pivot.
        #expect(throws: PreconditionerError.zeroPivot(row: 1)) { try IncompleteLU(CSRMatrix(dense: [[1, 1], [1, 1]])) }
    }
}
