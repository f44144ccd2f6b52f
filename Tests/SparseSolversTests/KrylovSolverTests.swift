import Testing
import SparseSolvers

/// Each Krylov solver on each matrix class it supports, checked against CHOLMOD/UMFPACK and a
/// manufactured solution.
@Suite struct KrylovSolverTests {
    static let tight = StoppingCriterion(relativeTolerance: 1e-10, maximumIterations: 5000)

    static func spdProblems() -> [(String, CSRMatrix)] {
        [("poisson2D-32", ModelProblems.poisson2D(n: 32)), ("poisson3D-12", ModelProblems.poisson3D(n: 12))]
    }

    /// Symmetric indefinite: 2-D Poisson shifted by −0.5 (several negative eigenvalues, none near 0).
    static func indefinite() -> CSRMatrix { ModelProblems.poisson2D(n: 24).addingToDiagonal(-0.5) }

    static func nonsymmetric() -> CSRMatrix {
        ModelProblems.convectionDiffusion2D(n: 32, diffusion: 0.05, velocity: (1.0, 0.6))
    }

    func check(_ solver: any IterativeSolver, _ a: CSRMatrix, reference: [Double], xStar: [Double], b: [Double]) {
        let result = solver.solve(a, rightHandSide: b)
        #expect(result.report.outcome == .converged, "\(solver.methodName): \(result.report.outcome)")
        #expect(result.report.relativeResidual <= 1e-10)
        #expect(trueRelativeResidual(a, result.solution, b) <= 1e-10)
        #expect(relativeError(result.solution, reference) < 1e-6, "\(solver.methodName) vs direct")
        #expect(relativeError(result.solution, xStar) < 1e-6, "\(solver.methodName) vs manufactured")
        #expect(result.report.iterations > 0 && result.report.residualNorms.count >= 2)
    }

    @Test func spdSolversAgreeWithCholesky() throws {
        for (_, a) in Self.spdProblems() {
            let xStar = manufacturedSolution(a.rowCount)
            let b = a.applied(to: xStar)
            let reference = try CholeskyFactorization(a).solve(b)
            let solvers: [any IterativeSolver] = [
                ConjugateGradient(criterion: Self.tight),
                MINRES(criterion: Self.tight),
                GMRES(restart: 40, criterion: Self.tight),
                FlexibleGMRES(restart: 30, criterion: Self.tight),
                BiCGStab(criterion: Self.tight),
                GCRODR(restart: 40, recycledCount: 10, criterion: Self.tight),
            ]
            for s in solvers { check(s, a, reference: reference, xStar: xStar, b: b) }
        }
    }

    @Test func indefiniteSolversAgreeWithLU() throws {
        let a = Self.indefinite()
        let xStar = manufacturedSolution(a.rowCount)
        let b = a.applied(to: xStar)
        let reference = try LUFactorization(a).solve(b)
        // Cholesky must refuse this matrix.
        #expect(throws: DirectSolverError.self) { try CholeskyFactorization(a) }
        let solvers: [any IterativeSolver] = [
            MINRES(criterion: Self.tight),
            GMRES(restart: 80, criterion: Self.tight),
            FlexibleGMRES(restart: 80, criterion: Self.tight),
            BiCGStab(criterion: Self.tight),
            GCRODR(restart: 60, recycledCount: 20, criterion: Self.tight),
        ]
        for s in solvers { check(s, a, reference: reference, xStar: xStar, b: b) }
    }

    @Test func preconditionedMINRESOnIndefiniteMatrix() throws {
        // SPD preconditioners built from the unshifted Laplacian precondition the indefinite shifted one.
        let base = ModelProblems.poisson2D(n: 24)
        let a = Self.indefinite()
        let xStar = manufacturedSolution(a.rowCount)
        let b = a.applied(to: xStar)
        let reference = try LUFactorization(a).solve(b)
        let plain = MINRES(criterion: Self.tight).solve(a, rightHandSide: b)
        for m in [try IncompleteCholesky(base) as any LinearOperator,
                  try GeometricMultigrid(base, grid: .twoDimensional(nx: 24, ny: 24), coarsestSize: 50)] {
            let solver = MINRES(criterion: Self.tight, preconditioner: m)
            check(solver, a, reference: reference, xStar: xStar, b: b)
            #expect(solver.solve(a, rightHandSide: b).report.iterations < plain.report.iterations, "\(solver.methodName)")
        }
    }

    @Test func nonsymmetricSolversAgreeWithLU() throws {
        let a = Self.nonsymmetric()
        let xStar = manufacturedSolution(a.rowCount)
        let b = a.applied(to: xStar)
        let reference = try LUFactorization(a).solve(b)
        let solvers: [any IterativeSolver] = [
            GMRES(restart: 40, criterion: Self.tight),
            GMRES(restart: 40, criterion: Self.tight, preconditioner: try IncompleteLU(a), side: .left),
            GMRES(restart: 40, criterion: Self.tight, preconditioner: try IncompleteLU(a), side: .right),
            FlexibleGMRES(restart: 40, criterion: Self.tight, preconditioner: try IncompleteLU(a)),
            BiCGStab(criterion: Self.tight),
            BiCGStab(criterion: Self.tight, preconditioner: try IncompleteLU(a)),
            GCRODR(criterion: Self.tight),
        ]
        for s in solvers { check(s, a, reference: reference, xStar: xStar, b: b) }
    }

    @Test func flexibleGMRESWithInnerSolverAsPreconditioner() throws {
        // An inner CG of 5 steps is a nonlinear, varying preconditioner: FGMRES handles it.
        let a = ModelProblems.poisson2D(n: 32)
        let xStar = manufacturedSolution(a.rowCount)
        let b = a.applied(to: xStar)
        let inner = SolverOperator(solver: ConjugateGradient(criterion: StoppingCriterion(relativeTolerance: 1e-30, maximumIterations: 5)), matrix: a)
        let result = FlexibleGMRES(restart: 30, criterion: Self.tight, preconditioner: inner).solve(a, rightHandSide: b)
        #expect(result.report.converged)
        #expect(relativeError(result.solution, xStar) < 1e-6)
        let plain = FlexibleGMRES(restart: 30, criterion: Self.tight).solve(a, rightHandSide: b)
        #expect(result.report.iterations * 3 < plain.report.iterations)
    }

    @Test func iterationLimitIsReported() {
        let a = ModelProblems.poisson2D(n: 32)
        let b = [Double](repeating: 1, count: a.rowCount)
        let limited = StoppingCriterion(relativeTolerance: 1e-10, maximumIterations: 2)
        let solvers: [any IterativeSolver] = [ConjugateGradient(criterion: limited), MINRES(criterion: limited),
                                              GMRES(criterion: limited), FlexibleGMRES(criterion: limited),
                                              BiCGStab(criterion: limited), GCRODR(criterion: limited)]
        for s in solvers {
            let r = s.solve(a, rightHandSide: b)
            #expect(r.report.outcome == .iterationLimit, "\(s.methodName)")
            #expect(r.report.iterations == 2, "\(s.methodName)")
            #expect(r.report.relativeResidual > 1e-3)
        }
    }

    @Test func conjugateGradientOnIndefiniteMatrixDoesNotClaimConvergence() {
        // Diagonal matrix diag(1, −1, 2): pᵀAp can vanish or be negative.
        let a = CSRMatrix(dense: [[1, 0, 0], [0, -1, 0], [0, 0, 2]])
        let r = ConjugateGradient(criterion: StoppingCriterion(relativeTolerance: 1e-12, maximumIterations: 50)).solve(a, rightHandSide: [1, 1, 0])
        #expect(r.report.outcome == .breakdown)
        let big = Self.indefinite()
        let r2 = ConjugateGradient(criterion: StoppingCriterion(relativeTolerance: 1e-10, maximumIterations: 300))
            .solve(big, rightHandSide: big.applied(to: manufacturedSolution(big.rowCount)))
        #expect(r2.report.outcome != .converged || r2.report.relativeResidual <= 1e-10)
        #expect(r2.report.outcome == .breakdown || r2.report.outcome == .iterationLimit)
    }

    @Test func nonFiniteRightHandSideReportsBreakdown() {
        let a = ModelProblems.poisson2D(n: 8)
        var b = [Double](repeating: 1, count: a.rowCount)
        b[3] = .nan
        for s in [ConjugateGradient() as any IterativeSolver, MINRES(), GMRES(), BiCGStab(), GCRODR()] {
            #expect(s.solve(a, rightHandSide: b).report.outcome == .breakdown, "\(s.methodName)")
        }
    }

    @Test func singularSystemGivesNoFalseConvergence() {
        // Inconsistent singular system: [[1, 0], [0, 0]] x = [1, 1] has no solution.
        let a = CSRMatrix(dense: [[1, 0], [0, 0]])
        for s in [GMRES() as any IterativeSolver, MINRES(), BiCGStab(), GCRODR(), ConjugateGradient()] {
            let r = s.solve(a, rightHandSide: [1, 1])
            #expect(r.report.outcome != .converged, "\(s.methodName)")
        }
    }

    @Test func zeroRightHandSideConvergesImmediately() {
        let a = ModelProblems.poisson2D(n: 8)
        let r = GMRES().solve(a, rightHandSide: [Double](repeating: 0, count: a.rowCount))
        #expect(r.report.converged && r.report.iterations == 0 && r.solution.allSatisfy { $0 == 0 })
    }
}
