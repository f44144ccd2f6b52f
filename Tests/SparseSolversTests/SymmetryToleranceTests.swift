import Foundation
import Testing
import SparseSolvers

/// The direct method's symmetry test is relative (`SolverConfiguration.symmetryTolerance`) and the
/// report names the factorization that ran.
@Suite struct SymmetryToleranceTests {
    /// 2-D Poisson with a_ij (i < j, one pair) changed by `relative` · max|a|: symmetric to rounding.
    static func nearlySymmetric(relative: Double) -> CSRMatrix {
        let a = ModelProblems.poisson2D(n: 20)
        var values = a.values
        let scale = values.reduce(0) { max($0, abs($1)) }
        // The first stored off-diagonal entry of row 5.
        let p = (a.rowOffsets[5]..<a.rowOffsets[6]).first { a.columnIndices[$0] != 5 }!
        values[p] += relative * scale
        return CSRMatrix(rowCount: a.rowCount, columnCount: a.columnCount, rowOffsets: a.rowOffsets,
                         columnIndices: a.columnIndices, values: values)
    }

    func factorization(_ a: CSRMatrix, tolerance: Double? = nil) throws -> (SolveReport, [Double]) {
        var configuration = SolverConfiguration(method: .direct, relativeTolerance: 1e-10)
        if let tolerance { configuration.symmetryTolerance = tolerance }
        let solver = try configuration.makeSolver()
        try solver.setup(a)
        let b = a.applied(to: manufacturedSolution(a.rowCount))
        let result = try solver.solve(b)
        return (result.report, result.solution)
    }

    @Test func roundingAsymmetryGetsCholesky() throws {
        let a = Self.nearlySymmetric(relative: 3.7e-14)
        #expect(!a.isSymmetric())
        let (report, x) = try factorization(a)
        #expect(report.factorization == .cholmodCholesky)
        #expect(report.method == "CHOLMOD Cholesky")
        #expect(relativeError(x, manufacturedSolution(a.rowCount)) < 1e-10)
    }

    @Test func exactSymmetryDemandedGivesLU() throws {
        let (report, x) = try factorization(Self.nearlySymmetric(relative: 3.7e-14), tolerance: 0)
        #expect(report.factorization == .umfpackLU)
        #expect(relativeError(x, manufacturedSolution(400)) < 1e-10)
    }

    @Test func realAsymmetryGetsLU() throws {
        let (report, x) = try factorization(Self.nearlySymmetric(relative: 1e-6))
        #expect(report.factorization == .umfpackLU)
        #expect(report.method == "UMFPACK LU")
        #expect(report.converged)
        #expect(x.allSatisfy { $0.isFinite })
    }

    @Test func invalidToleranceIsRefused() {
        for bad in [-1e-3, 1.0, .nan, .infinity] {
            var configuration = SolverConfiguration(method: .direct)
            configuration.symmetryTolerance = bad
            #expect(throws: SolverConfigurationError.self) { try configuration.validate() }
        }
    }

    @Test func oldConfigurationJSONDecodesWithTheDefaultTolerance() throws {
        let json = #"{"method":"direct","preconditioner":"none","relativeTolerance":1e-8,"absoluteTolerance":0,"maximumIterations":10,"restart":40,"recycledCount":20}"#
        let decoded = try JSONDecoder().decode(SolverConfiguration.self, from: Data(json.utf8))
        #expect(decoded.symmetryTolerance == SolverConfiguration.defaultSymmetryTolerance)
        var changed = decoded
        changed.symmetryTolerance = 1e-9
        let roundTrip = try JSONDecoder().decode(SolverConfiguration.self, from: JSONEncoder().encode(changed))
        #expect(roundTrip == changed)
    }
}
