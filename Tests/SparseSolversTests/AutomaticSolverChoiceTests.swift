import Foundation
import Testing
import Distributed
import SparseSolvers
import TestSupport

/// `--method auto`: the unknowns per node found in the sparsity pattern, and the rule's choice on a
/// small matrix of each kind (every branch reached with `directBelow: 0`), each chosen configuration
/// then solving its matrix to the LU solution. No timings: the rule's calibration is in BENCHMARKS-amg.md.
@Suite struct AutomaticSolverChoiceTests {
    /// hypre runs on MPI, which the host starts: this test process is the host.
    init() throws { try MPIRuntime.initializeForHypre() }

    /// A ⊗ B (Kronecker product) of a sparse A and a dense block B: node i of A holds B's unknowns.
    func kronecker(_ a: CSRMatrix, _ block: [[Double]]) -> CSRMatrix {
        let d = block.count
        var coo = COOMatrix(rowCount: a.rowCount * d, columnCount: a.columnCount * d)
        for i in 0..<a.rowCount {
            for k in a.rowOffsets[i]..<a.rowOffsets[i + 1] {
                for s in 0..<d { for t in 0..<d where block[s][t] != 0 {
                    coo.appendUnchecked(row: i * d + s, column: a.columnIndices[k] * d + t, value: a.values[k] * block[s][t])
                } }
            }
        }
        return coo.csr()
    }

    @Test func unknownsPerNodeAreFoundInThePattern() {
        // 2-D elasticity, P1 triangles: 2 per node (162 rows, also divisible by 3: 3 must be refused).
        let elasticity = ModelProblems.elasticity2D(n: 8).matrix
        #expect(elasticity.rowCount % 6 == 0)
        #expect(InterleavedBlockSize.detect(elasticity) == 2)
        // A scalar Laplacian ⊗ a 3×3 coupling block: 3 per node; ⊗ 2×2: 2.
        let poisson = ModelProblems.poisson2D(n: 6)
        #expect(InterleavedBlockSize.detect(kronecker(poisson, [[4, 1, 1], [1, 4, 1], [1, 1, 4]])) == 3)
        #expect(InterleavedBlockSize.detect(kronecker(poisson, [[3, 1], [1, 3]])) == 2)
        // The same with one within-node coupling dropped (an exact zero the assembly left out): still 2.
        #expect(InterleavedBlockSize.detect(kronecker(poisson, [[3, 1], [0, 3]])) == 2)
        // Two uncoupled copies (no unknown of a node touches another of the same node): scalar.
        #expect(InterleavedBlockSize.detect(kronecker(poisson, [[1, 0], [0, 1]])) == 1)
        // Scalar stencils with an even number of rows: 1.
        #expect(InterleavedBlockSize.detect(ModelProblems.poisson2D(n: 12)) == 1)
        #expect(InterleavedBlockSize.detect(ModelProblems.poisson3D(n: 6)) == 1)
        #expect(InterleavedBlockSize.detect(ModelProblems.convectionDiffusion2D(n: 12, diffusion: 0.01, velocity: (1, 0.6))) == 1)
        #expect(InterleavedBlockSize.detect(CSRMatrix.identity(12)) == 1)
        #expect(InterleavedBlockSize.detect(CSRMatrix(dense: [[1, 2, 3], [4, 5, 6]])) == 1)
    }

    /// The rule's choice for `a` with every branch open (`directBelow: 0`), and that choice solving A x = b
    /// to the LU solution.
    func choose(_ a: CSRMatrix, base: SolverConfiguration = SolverConfiguration(method: .gmres)) throws -> (SolverConfiguration, String) {
        let (chosen, reason) = AutomaticSolverChoice.configuration(
            for: AutomaticSolverChoice.Features(of: a, symmetryTolerance: base.symmetryTolerance), base: base, directBelow: 0)
        var solving = chosen
        solving.relativeTolerance = 1e-10
        let b = (0..<a.rowCount).map { sin(0.7 * Double($0)) + 1 }
        let solver = try solving.makeSolver()
        try solver.setup(a)
        let result = try solver.solve(b)
        #expect(result.report.outcome == .converged, "\(reason): \(result.report.outcome)")
        #expect(relativeError(result.solution, try LUFactorization(a).solve(b)) < 1e-7, "\(reason)")
        return (chosen, reason)
    }

    @Test func eachKindOfMatrixGetsItsMethod() throws {
        // Below the size threshold: direct, whatever the matrix.
        let small = AutomaticSolverChoice.configuration(for: ModelProblems.poisson2D(n: 10), base: SolverConfiguration(method: .gmres))
        #expect(small.0.method == .direct && small.0.preconditioner == .none && small.1.hasPrefix("direct"))

        // 2-D stencil (5 entries per row): CG + classical AMG, θ = 0.25.
        let (poisson, _) = try choose(ModelProblems.poisson2D(n: 20))
        #expect(poisson.method == .conjugateGradient && poisson.preconditioner == .amg)
        #expect(poisson.amg.variant == .classical && poisson.amg.strongThreshold == 0.25 && poisson.amg.unknownsPerNode == 1)
        #expect(poisson.maximumIterations == AutomaticSolverChoice.iterationCap)

        // 3-D stencil (7 per row, > 6): CG + aggregation AMG with θ = 0.5; a θ the user gave is kept.
        let (poisson3D, _) = try choose(ModelProblems.poisson3D(n: 8))
        #expect(poisson3D.method == .conjugateGradient && poisson3D.amg.variant == .aggregation && poisson3D.amg.strongThreshold == 0.5)
        var given = SolverConfiguration(method: .gmres)
        given.amg.strongThreshold = 0.4
        let (kept, _) = try choose(ModelProblems.poisson3D(n: 8), base: given)
        #expect(kept.amg.strongThreshold == 0.4)

        // Elasticity: systems AMG with the 2 unknowns per node of the pattern, no flag needed.
        let (elasticity, why) = try choose(ModelProblems.elasticity2D(n: 12).matrix)
        #expect(elasticity.method == .conjugateGradient && elasticity.amg.unknownsPerNode == 2 && why.contains("sparsity pattern"), "\(why)")

        // Nonsymmetric (upwind convection–diffusion) and symmetric with a negative diagonal: GMRES + ILUT
        // with the measured τ and fill, unless the user set ILUT options.
        let (convection, _) = try choose(ModelProblems.convectionDiffusion2D(n: 20, diffusion: 0.01, velocity: (1, 0.6)))
        #expect(convection.method == .gmres && convection.preconditioner == .thresholdILU)
        #expect(convection.thresholdILU == AutomaticSolverChoice.thresholdILU)
        var negated = ModelProblems.poisson2D(n: 20)
        negated.values = negated.values.map { -$0 }
        let (indefinite, reason) = try choose(negated)
        #expect(indefinite.method == .gmres && indefinite.preconditioner == .thresholdILU && reason.contains("not positive"), "\(reason)")
        var ilut = SolverConfiguration(method: .gmres)
        ilut.thresholdILU = ThresholdILUOptions(dropTolerance: 1e-3, maximumRowFill: 5)
        let (user, _) = try choose(ModelProblems.convectionDiffusion2D(n: 20, diffusion: 0.01, velocity: (1, 0.6)), base: ilut)
        #expect(user.thresholdILU == ilut.thresholdILU)
    }

    @Test func featuresOfTheKinds() {
        let elasticity = AutomaticSolverChoice.Features(of: ModelProblems.elasticity2D(n: 6).matrix, symmetryTolerance: 1e-12)
        #expect(elasticity.symmetric && elasticity.positiveDiagonal && elasticity.unknownsPerNode == 2)
        let convection = AutomaticSolverChoice.Features(of: ModelProblems.convectionDiffusion2D(n: 8, diffusion: 0.01, velocity: (1, 0)),
                                                        symmetryTolerance: 1e-12)
        #expect(!convection.symmetric && convection.positiveDiagonal && convection.unknownsPerNode == 1)
        let poisson3D = AutomaticSolverChoice.Features(of: ModelProblems.poisson3D(n: 8), symmetryTolerance: 1e-12)
        #expect(poisson3D.entriesPerRow > AutomaticSolverChoice.denseRowsAbove && poisson3D.entriesPerRow <= 7)
    }
}

/// `--method auto`'s feature scan (symmetry, diagonal, block pattern) is timed as part of the set-up:
/// it was left out of `setupSeconds`, so auto's reported times hid an O(nnz) pass over the matrix.
@Suite struct AutomaticChoiceTimingTests {
    @Test func theFeatureScanIsCountedInTheSetupTime() throws {
        let directory = try makeScratchDirectory("auto-timing")
        defer { try? FileManager.default.removeItem(at: directory) }
        let matrixPath = directory.appendingPathComponent("a.mtx").path
        try MatrixMarket.write(ModelProblems.poisson2D(n: 40), path: matrixPath)
        let configuration = SolverConfiguration(method: .conjugateGradient, relativeTolerance: 1e-10)
        let automatic = try SparseSolveRun.run(SparseSolveRun.Request(matrixPath: matrixPath, rightHandSidePath: nil, configuration: configuration,
                                                                      automatic: true, nearNullspace: .none, solutionPath: nil))
        let scan = try #require(automatic.choiceSeconds, "auto reports its scan's time")
        #expect(scan.isFinite && scan > 0 && automatic.setupSeconds >= scan, "scan \(scan) s, setup \(automatic.setupSeconds) s")
        #expect(automatic.text.contains("the automatic choice's scan"), "\(automatic.text)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(automatic.json().utf8)) as? [String: Any])
        // JSON carries both (compared to 1e-12 relative: Foundation's number parser may round the last digit).
        let writtenScan = try #require(json["choiceSeconds"] as? Double), writtenSetup = try #require(json["setupSeconds"] as? Double)
        #expect(abs(writtenScan - scan) <= 1e-12 * scan && abs(writtenSetup - automatic.setupSeconds) <= 1e-12 * automatic.setupSeconds)
        // A method given by name makes no scan.
        let named = try SparseSolveRun.run(SparseSolveRun.Request(matrixPath: matrixPath, rightHandSidePath: nil, configuration: configuration,
                                                                  automatic: false, nearNullspace: .none, solutionPath: nil))
        #expect(named.converged && named.choiceSeconds == nil && !named.text.contains("scan"))
    }
}

/// `SparseSolveRun` on elasticity: neither `--method auto` nor rigid-body modes need the unknowns per
/// node to be given; x agrees with CHOLMOD's.
@Suite struct ElasticityWithoutUnknownsPerNodeTests {
    init() throws { try MPIRuntime.initializeForHypre() }

    @Test func autoAndRigidBodyModesFindTwoUnknownsPerNode() throws {
        let directory = try makeScratchDirectory("auto-elasticity")
        defer { try? FileManager.default.removeItem(at: directory) }
        // 101² nodes × 2 = 20 402 unknowns: above the direct threshold.
        let (a, coordinates) = ModelProblems.elasticity2D(n: 100)
        #expect(a.rowCount > AutomaticSolverChoice.directBelow)
        let matrixPath = directory.appendingPathComponent("k.mtx").path
        let coordinatesPath = directory.appendingPathComponent("xy.mtx").path
        try MatrixMarket.write(a, path: matrixPath)
        let nodes = coordinates.count / 2
        try MatrixMarket.write(CSRMatrix(dense: (0..<nodes).map { [coordinates[2 * $0], coordinates[2 * $0 + 1]] }), path: coordinatesPath)
        let reference = try CholeskyFactorization(a).solve([Double](repeating: 1, count: a.rowCount))

        let automatic = SparseSolveRun.Request(matrixPath: matrixPath, rightHandSidePath: nil, configuration: SolverConfiguration(method: .gmres, relativeTolerance: 1e-10),
                                               automatic: true, nearNullspace: .none, solutionPath: directory.appendingPathComponent("x1.mtx").path)
        let summary = try SparseSolveRun.run(automatic)
        #expect(summary.converged && summary.method.contains("d=2") && summary.choice?.contains("sparsity pattern") == true, "\(summary.method) \(summary.choice ?? "")")
        #expect(relativeError(try MatrixMarket.readVector(path: automatic.solutionPath!), reference) < 1e-5)

        var configuration = SolverConfiguration(method: .conjugateGradient, preconditioner: .amg, relativeTolerance: 1e-10, maximumIterations: 500)
        configuration.amg.unknownsPerNode = 1   // not given
        let rigid = SparseSolveRun.Request(matrixPath: matrixPath, rightHandSidePath: nil, configuration: configuration, automatic: false,
                                           nearNullspace: .rigidBody(coordinatesPath: coordinatesPath), solutionPath: directory.appendingPathComponent("x2.mtx").path)
        let rigidSummary = try SparseSolveRun.run(rigid)
        #expect(rigidSummary.converged && rigidSummary.method.contains("d=2") && rigidSummary.method.contains("rbm"), "\(rigidSummary.method)")
        #expect(relativeError(try MatrixMarket.readVector(path: rigid.solutionPath!), reference) < 1e-5)
    }
}
