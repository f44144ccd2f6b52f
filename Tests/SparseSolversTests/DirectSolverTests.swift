import Testing
import SparseSolvers

@Suite struct DirectSolverTests {
    @Test func choleskyRecoversManufacturedSolutionAndReusesAnalysis() throws {
        let a = ModelProblems.poisson2D(n: 32)
        let xStar = manufacturedSolution(a.rowCount)
        let b = a.applied(to: xStar)
        let chol = try CholeskyFactorization(a)
        #expect(relativeError(try chol.solve(b), xStar) < 1e-10)
        // Same pattern, new values: A + 0.5 I keeps the pattern of A (diagonal is stored).
        let a2 = a.addingToDiagonal(0.5)
        #expect(a2.rowOffsets == a.rowOffsets)
        try chol.factorize(a2)
        let b2 = a2.applied(to: xStar)
        let c3 = a2.applied(to: b)
        let xs = try chol.solve(rightHandSides: [b2, c3])
        #expect(relativeError(xs[0], xStar) < 1e-10)
        #expect(relativeError(xs[1], b) < 1e-10)
        // Different pattern is refused.
        #expect(throws: DirectSolverError.patternMismatch) { try chol.factorize(ModelProblems.poisson2D(n: 31)) }
    }

    @Test func choleskyOn3DPoisson() throws {
        let a = ModelProblems.poisson3D(n: 12)
        let xStar = manufacturedSolution(a.rowCount)
        let x = try CholeskyFactorization(a).solve(a.applied(to: xStar))
        #expect(relativeError(x, xStar) < 1e-10)
    }

    @Test func choleskyRejectsIndefiniteAndNonsymmetric() throws {
        let indefinite = ModelProblems.poisson2D(n: 16).addingToDiagonal(-1.0)
        do { _ = try CholeskyFactorization(indefinite); Issue.record("expected a throw") } catch let e as DirectSolverError {
            if case .notPositiveDefinite = e {} else { Issue.record("wrong error \(e)") }
        }
        #expect(throws: DirectSolverError.notSymmetric) {
            try CholeskyFactorization(ModelProblems.convectionDiffusion2D(n: 8, diffusion: 1, velocity: (5, 0)))
        }
    }

    @Test func luRecoversManufacturedSolutionOnNonsymmetricMatrix() throws {
        let a = ModelProblems.convectionDiffusion2D(n: 32, diffusion: 0.01, velocity: (1, 0.5))
        let xStar = manufacturedSolution(a.rowCount)
        let lu = try LUFactorization(a)
        #expect(relativeError(try lu.solve(a.applied(to: xStar)), xStar) < 1e-9)
        // Hand-checked 3×3 system: [[2,1,0],[0,3,1],[1,0,4]] x = [3,4,5] → x = [1,1,1].
        let small = CSRMatrix(dense: [[2, 1, 0], [0, 3, 1], [1, 0, 4]])
        let xs = try LUFactorization(small).solve([3, 4, 5])
        #expect(maxAbsDifference(xs, [1, 1, 1]) < 1e-14)
    }

    @Test func luRejectsSingularMatrix() {
        let singular = CSRMatrix(dense: [[1, 2, 0], [2, 4, 0], [0, 0, 1]])
        #expect(throws: DirectSolverError.singular) { try LUFactorization(singular) }
        #expect(throws: DirectSolverError.notSquare(rowCount: 2, columnCount: 3)) {
            try LUFactorization(CSRMatrix(dense: [[1, 0, 0], [0, 1, 0]]))
        }
    }
}
