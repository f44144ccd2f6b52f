import Foundation
import Testing
import SparseSolvers
import RunSupport

/// `SolverConfiguration` and the `LinearSolver`s it makes: JSON round trip, every method with its
/// preconditioners against CHOLMOD/UMFPACK, set-up once / solve many against fresh solves, and
/// invalid configurations refused with typed errors.
@Suite struct SolverConfigurationTests {
    /// ‖x − y‖ / ‖y‖; NaN anywhere gives NaN, which fails every `<` check.
    func relativeDifference(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count == y.count else { return .nan }
        var difference = 0.0, norm = 0.0
        for i in 0..<x.count { difference += (x[i] - y[i]) * (x[i] - y[i]); norm += y[i] * y[i] }
        return (difference / norm).squareRoot()
    }

    let n = 10
    var spd: CSRMatrix { ModelProblems.poisson2D(n: n) }
    var nonsymmetric: CSRMatrix { ModelProblems.convectionDiffusion2D(n: n, diffusion: 0.05, velocity: (1, 0.5)) }

    @Test func jsonRoundTripKeepsEveryField() throws {
        for method in SolverConfiguration.Method.allCases {
            for preconditioner in SolverConfiguration.Preconditioner.allCases {
                let configuration = SolverConfiguration(method: method, preconditioner: preconditioner, relativeTolerance: 3e-7,
                                                        absoluteTolerance: 1e-12, maximumIterations: 123, restart: 17,
                                                        recycledCount: 5, grid: preconditioner == .multigrid ? [8, 4, 2] : nil)
                let data = try JSONEncoder().encode(configuration)
                #expect(try JSONDecoder().decode(SolverConfiguration.self, from: data) == configuration)
            }
        }
        // A hand-written file decodes to the values it states (the raw names are the CLI's).
        let text = #"{"method":"gcrodr","preconditioner":"ilu0","relativeTolerance":1e-6,"absoluteTolerance":0,"maximumIterations":500,"restart":30,"recycledCount":10,"grid":[64,64]}"#
        let decoded = try JSONDecoder().decode(SolverConfiguration.self, from: Data(text.utf8))
        #expect(decoded == SolverConfiguration(method: .gcrodr, preconditioner: .incompleteLU, relativeTolerance: 1e-6,
                                               maximumIterations: 500, restart: 30, recycledCount: 10, grid: [64, 64]))
        #expect(SolverConfiguration.Preconditioner(name: "ilu") == .incompleteLU && SolverConfiguration.Preconditioner(name: "IC0") == .incompleteCholesky)
        #expect(SolverConfiguration.Preconditioner(name: "ilu1") == nil)
    }

    /// The direct solver on A x* = b for a manufactured x*: CHOLMOD for the SPD matrix, UMFPACK for
    /// the nonsymmetric one and for a symmetric indefinite one.
    @Test func directSolverPicksTheFactorizationAndSaysWhich() throws {
        let indefinite = spd.addingToDiagonal(-1.5)
        for (a, expected) in [(spd, SolveReport.Factorization.cholmodCholesky), (nonsymmetric, .umfpackLU), (indefinite, .umfpackLU)] {
            let truth = (0..<a.rowCount).map { i in sin(0.3 * Double(i)) + 0.2 }
            let b = a.applied(to: truth)
            let solver = try SolverConfiguration(method: .direct).makeSolver()
            try solver.setup(a)
            let result = try solver.solve(b)
            #expect(result.report.factorization == expected && result.report.method == expected.name)
            #expect(result.report.converged && result.report.relativeResidual < 1e-13)
            #expect(relativeDifference(result.solution, truth) < 1e-10)
        }
    }

    /// The preconditioners each method can use on each kind of matrix.
    func cases(symmetric: Bool) -> [(SolverConfiguration.Method, [SolverConfiguration.Preconditioner])] {
        let symmetricPositive: [SolverConfiguration.Preconditioner] = [.none, .jacobi, .ssor, .incompleteCholesky, .multigrid]
        let general: [SolverConfiguration.Preconditioner] = [.none, .jacobi, .ssor, .incompleteLU]
        if symmetric {
            return [(.conjugateGradient, symmetricPositive), (.minres, symmetricPositive),
                    (.gmres, symmetricPositive + [.incompleteLU]), (.flexibleGMRES, symmetricPositive + [.incompleteLU]),
                    (.biCGStab, symmetricPositive + [.incompleteLU]), (.gcrodr, symmetricPositive + [.incompleteLU])]
        }
        return [(.gmres, general), (.flexibleGMRES, general), (.biCGStab, general), (.gcrodr, general)]
    }

    @Test(arguments: [true, false])
    func everyMethodAndPreconditionerMatchesTheDirectSolution(symmetric: Bool) throws {
        let a = symmetric ? spd : nonsymmetric
        let b = (0..<a.rowCount).map { i in cos(0.21 * Double(i)) + 1 }
        let direct = try SolverConfiguration(method: .direct).makeSolver()
        try direct.setup(a)
        let reference = try direct.solve(b)
        #expect(reference.report.factorization == (symmetric ? .cholmodCholesky : .umfpackLU))
        for (method, preconditioners) in cases(symmetric: symmetric) {
            for preconditioner in preconditioners {
                let configuration = SolverConfiguration(method: method, preconditioner: preconditioner, relativeTolerance: 1e-11,
                                                        maximumIterations: 2_000, restart: 20, recycledCount: 6, grid: [n, n])
                let solver = try configuration.makeSolver()
                try solver.setup(a)
                let result = try solver.solve(b)
                #expect(result.report.converged, "\(method)+\(preconditioner): \(result.report.outcome)")
                #expect(result.report.relativeResidual < 1e-10, "\(method)+\(preconditioner)")
                #expect(relativeDifference(result.solution, reference.solution) < 1e-8, "\(method)+\(preconditioner)")
                #expect(result.report.factorization == nil)
            }
        }
    }

    /// One set-up, several right-hand sides: the same answers as a fresh solver per right-hand side
    /// (bitwise for the methods without memory; GCRO-DR recycles, so to the tolerance).
    @Test func setupOnceSolveManyAgreesWithFreshSolves() throws {
        let a = nonsymmetric
        let rightHandSides = (0..<4).map { t in (0..<a.rowCount).map { i in sin(0.1 * Double(i * (t + 1))) + Double(t) } }
        let methods: [(SolverConfiguration.Method, SolverConfiguration.Preconditioner)] =
            [(.direct, .none), (.gmres, .incompleteLU), (.flexibleGMRES, .ssor), (.biCGStab, .jacobi), (.gcrodr, .incompleteLU)]
        for (method, preconditioner) in methods {
            let configuration = SolverConfiguration(method: method, preconditioner: preconditioner, relativeTolerance: 1e-11,
                                                    restart: 20, recycledCount: 6)
            let kept = try configuration.makeSolver()
            try kept.setup(a)
            for b in rightHandSides {
                let reused = try kept.solve(b)
                let fresh = try configuration.makeSolver().solve(a, rightHandSide: b)
                #expect(reused.report.converged && fresh.report.converged)
                if method == .gcrodr {
                    #expect(relativeDifference(reused.solution, fresh.solution) < 1e-9)
                } else {
                    #expect(reused.solution == fresh.solution, "\(method)")
                    #expect(reused.report.iterations == fresh.report.iterations)
                }
            }
        }
        // GCRO-DR keeps its recycle space across set-ups of new matrices, and needs fewer iterations for it.
        let recycling = try SolverConfiguration(method: .gcrodr, relativeTolerance: 1e-10, restart: 20, recycledCount: 8).makeSolver()
        let plain = try SolverConfiguration(method: .gmres, relativeTolerance: 1e-10, restart: 20).makeSolver()
        var recycledIterations = 0, plainIterations = 0
        for t in 0..<4 {
            let shifted = spd.addingToDiagonal(0.05 * Double(t))
            let b = [Double](repeating: 1, count: shifted.rowCount)
            let truth = try CholeskyFactorization(shifted).solve(b)
            let r = try recycling.solve(shifted, rightHandSide: b), p = try plain.solve(shifted, rightHandSide: b)
            #expect(relativeDifference(r.solution, truth) < 1e-8 && relativeDifference(p.solution, truth) < 1e-8)
            if t > 0 { recycledIterations += r.report.iterations; plainIterations += p.report.iterations }
        }
        #expect((recycling as? KrylovLinearSolver)?.recycledDimension == 8)
        #expect(recycledIterations < plainIterations, "GCRO-DR \(recycledIterations) vs GMRES \(plainIterations)")
    }

    /// The direct solver reuses CHOLMOD's analysis for new values on the same pattern and gives the
    /// same solution as a fresh factorization.
    @Test func directSetupReusesTheAnalysisForNewValues() throws {
        let solver = DirectLinearSolver(configuration: SolverConfiguration(method: .direct))
        let b = [Double](repeating: 1, count: spd.rowCount)
        try solver.setup(spd)
        #expect(!solver.reusedAnalysis)
        let shifted = spd.addingToDiagonal(0.7)
        try solver.setup(shifted)
        #expect(solver.reusedAnalysis && solver.factorization == .cholmodCholesky)
        #expect(relativeDifference(try solver.solve(b).solution, try CholeskyFactorization(shifted).solve(b)) < 1e-14)
    }

    @Test func invalidConfigurationsAreTypedErrors() throws {
        typealias E = SolverConfigurationError
        func refusal(_ configuration: SolverConfiguration, rowCount: Int? = nil) -> E? {
            do { try configuration.validate(rowCount: rowCount); return nil } catch let error as E { return error } catch { return nil }
        }
        if case .memory(.exceeds)? = refusal(SolverConfiguration(method: .gmres, restart: 1_000_000_000)) {} else {
            Issue.record("restart 1e9 must be refused for its memory: \(String(describing: refusal(SolverConfiguration(restart: 1_000_000_000))))")
        }
        if case .memory(.overflow)? = refusal(SolverConfiguration(method: .gcrodr, restart: Int.max, recycledCount: 2)) {} else {
            Issue.record("restart Int.max must be refused as an overflow")
        }
        if case .memory(.exceeds)? = refusal(SolverConfiguration(method: .gmres, restart: 1000), rowCount: 1 << 40) {} else {
            Issue.record("a 2^40-row GMRES(1000) workspace must be refused")
        }
        #expect(refusal(SolverConfiguration(method: .gmres, restart: 1000), rowCount: 1 << 40) != nil)
        // --force-like budgets: the same request passes an unlimited budget.
        #expect(throws: Never.self) { try SolverConfiguration(method: .gmres, restart: 1_000_000_000).validate(budget: .unlimited) }
        #expect(throws: E.gridTooLarge([3_037_000_500, 3_037_000_500])) { try SolverConfiguration.parseGrid("3037000500x3037000500") }
        #expect(refusal(SolverConfiguration(preconditioner: .multigrid, grid: [3_037_000_500, 3_037_000_500])) == .gridTooLarge([3_037_000_500, 3_037_000_500]))
        #expect(throws: E.unreadableGrid("64xx")) { try SolverConfiguration.parseGrid("64xx") }
        #expect(throws: E.invalidGrid([0, 4])) { try SolverConfiguration.parseGrid("0x4") }
        #expect(throws: E.invalidGrid([4])) { try SolverConfiguration.parseGrid("4") }
        #expect(try SolverConfiguration.parseGrid("16x8X4") == [16, 8, 4])
        if case .invalidTolerance(let relative, _)? = refusal(SolverConfiguration(relativeTolerance: .nan)), relative.isNaN {} else {
            Issue.record("a NaN tolerance must be refused")
        }
        #expect(refusal(SolverConfiguration(relativeTolerance: 0)) == .invalidTolerance(relative: 0, absolute: 0))
        #expect(refusal(SolverConfiguration(relativeTolerance: -1e-8)) == .invalidTolerance(relative: -1e-8, absolute: 0))
        #expect(refusal(SolverConfiguration(maximumIterations: 0)) == .invalidMaximumIterations(0))
        #expect(refusal(SolverConfiguration(method: .gmres, restart: 1)) == .invalidRestart(1))
        #expect(refusal(SolverConfiguration(method: .gcrodr, restart: 10, recycledCount: 10)) == .invalidRecycledCount(10, restart: 10))
        #expect(refusal(SolverConfiguration(method: .direct, preconditioner: .incompleteLU)) == .preconditionerNotApplicable(method: .direct, preconditioner: .incompleteLU))
        #expect(refusal(SolverConfiguration(preconditioner: .multigrid)) == .gridRequired("the multigrid preconditioner"))
        #expect(refusal(SolverConfiguration(preconditioner: .multigrid, grid: [5, 5]), rowCount: 100) == .gridMismatch(gridPoints: 25, matrixRows: 100))
        #expect(refusal(SolverConfiguration(), rowCount: 0) == .emptyMatrix)
        #expect(throws: E.networkRequired) { try SolverConfiguration(method: .dcdm, grid: [4, 4]).makeSolver() }

        // Calls a caller can get wrong.
        let solver = try SolverConfiguration(method: .conjugateGradient, preconditioner: .jacobi).makeSolver()
        #expect(throws: E.notSetUp) { try solver.solve([1, 2]) }
        #expect(throws: E.notSquare(rowCount: 2, columnCount: 3)) {
            try solver.setup(CSRMatrix(rowCount: 2, columnCount: 3, rowOffsets: [0, 1, 2], columnIndices: [0, 1], values: [1, 1]))
        }
        try solver.setup(spd)
        #expect(throws: E.sizeMismatch(what: "right-hand side", expected: spd.rowCount, actual: 3)) { try solver.solve([1, 2, 3]) }
        #expect(throws: E.nonFinite("right-hand side")) { try solver.solve([Double](repeating: .nan, count: spd.rowCount)) }
        var poisoned = spd
        poisoned.values[3] = .infinity
        #expect(throws: E.nonFinite("matrix")) { try solver.setup(poisoned) }
        #expect(throws: E.invalidTolerance(relative: -1, absolute: 0)) { try solver.changeCriterion(StoppingCriterion(relativeTolerance: -1)) }
        #expect(throws: PreconditionerError.self) {
            try SolverConfiguration(method: .conjugateGradient, preconditioner: .incompleteCholesky).makeSolver().setup(spd.addingToDiagonal(-6))
        }
        #expect(throws: DirectSolverError.singular) {
            try SolverConfiguration(method: .direct).makeSolver()
                .setup(CSRMatrix(rowCount: 2, columnCount: 2, rowOffsets: [0, 2, 4], columnIndices: [0, 1, 0, 1], values: [1, 2, 2, 4]))
        }
    }
}
