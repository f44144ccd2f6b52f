import TestSupport
import Foundation
import Testing
import PDEKit

/// `pdekit solve`'s hypre and selection flags through the built binary: AMG variants, smoothers, cycles
/// and strength, systems AMG with rigid-body or file near-nullspace vectors, ILUT, `--method auto` and
/// `--symmetry-tolerance`, each checked against an in-process LU solve; bad values end as one `error:` line.
/// (Under `mpirun`, one system across ranks: scripts/mpi-tests.sh part 6.)
@Suite struct SolveFlagsCommandTests {
    let cli = CommandLineTests()

    struct Output: Decodable {
        var method: String
        var factorization: String?
        var outcome: String
        var iterations: Int
        var relativeResidual: Double
        var choice: String?
    }

    /// ‖x − y‖ / ‖y‖; NaN anywhere gives NaN, which fails every `<` check.
    func relativeDifference(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count == y.count else { return .nan }
        var difference = 0.0, norm = 0.0
        for i in 0..<x.count { difference += (x[i] - y[i]) * (x[i] - y[i]); norm += y[i] * y[i] }
        return (difference / norm).squareRoot()
    }

    /// Solves through the CLI with `flags` and returns the report and x.
    func solve(_ matrixPath: String, _ rhsPath: String, _ flags: [String], in directory: URL) throws -> (Output, [Double]) {
        let solutionPath = directory.appendingPathComponent("x-\(UUID().uuidString).mtx").path
        let run = try cli.run(["solve", matrixPath, "--rhs", rhsPath, "--relative-tolerance", "1e-10", "--format", "json",
                               "--solution", solutionPath] + flags)
        try #require(run.status == 0, "\(flags): status \(run.status), \(run.error)")
        return (try JSONDecoder().decode(Output.self, from: Data(run.output.utf8)), try MatrixMarket.readVector(path: solutionPath))
    }

    func write(_ a: CSRMatrix, _ name: String, in directory: URL) throws -> (matrix: String, rhs: String, truth: [Double]) {
        let matrixPath = directory.appendingPathComponent("\(name).mtx").path, rhsPath = directory.appendingPathComponent("\(name)-b.mtx").path
        try MatrixMarket.write(a, path: matrixPath)
        let b = (0..<a.rowCount).map { sin(0.3 * Double($0)) + 1 }
        try MatrixMarket.write(b, path: rhsPath)
        return (matrixPath, rhsPath, try LUFactorization(a).solve(b))
    }

    /// hypre's sparse products run on the process's threads (`HypreThreadedProducts`), and the report says
    /// on how many; `PDEKIT_HYPRE_MATVEC=serial` leaves libHYPRE as loaded (1 thread). Both give the same
    /// residual history bit for bit, and PDEKIT_THREADS caps the team.
    @Test func hypreProductThreadsAreReportedAndCanBeLeftSerial() throws {
        struct Report: Decodable { var outcome: String; var residualNorms: [Double]; var hypreProductThreads: Int? }
        guard CommandLineTests.executable != nil else { return }
        let directory = try makeScratchDirectory("solve-hypre-threads")
        defer { try? FileManager.default.removeItem(at: directory) }
        let matrixPath = directory.appendingPathComponent("poisson.mtx").path
        try MatrixMarket.write(ModelProblems.poisson2D(n: 120), path: matrixPath)   // 71 520 entries: products split
        var reports: [Report] = []
        for environment in [["PDEKIT_THREADS": "2"], ["PDEKIT_THREADS": "2", "PDEKIT_HYPRE_MATVEC": "serial"], ["PDEKIT_THREADS": "1"]] {
            let run = try cli.run(["solve", matrixPath, "--method", "cg", "--preconditioner", "amg", "--format", "json"], environment: environment)
            try #require(run.status == 0, "\(environment): \(run.error)")
            reports.append(try JSONDecoder().decode(Report.self, from: Data(run.output.utf8)))
        }
        #expect(reports.map(\.hypreProductThreads) == [2, 1, 1])
        #expect(reports.allSatisfy { $0.outcome == "converged" })
        #expect(reports[1].residualNorms == reports[0].residualNorms && reports[2].residualNorms == reports[0].residualNorms,
                "\(reports.map(\.residualNorms))")
        let direct = try cli.run(["solve", matrixPath, "--method", "direct", "--format", "json"])
        #expect(try JSONDecoder().decode(Report.self, from: Data(direct.output.utf8)).hypreProductThreads == nil)
    }

    @Test func hypreFlagsMatchTheDirectSolution() throws {
        let directory = try makeScratchDirectory("solve-flags")
        defer { try? FileManager.default.removeItem(at: directory) }
        let poisson = try write(ModelProblems.poisson2D(n: 24), "poisson", in: directory)
        let amgFlags: [[String]] = [
            ["--amg-variant", "classical", "--amg-smoother", "gauss-seidel"],
            ["--amg-variant", "aggregation", "--amg-smoother", "l1-jacobi", "--amg-strength", "0.5"],
            ["--amg-variant", "classical", "--amg-smoother", "chebyshev", "--amg-cycles", "2"],
        ]
        for flags in amgFlags {
            let (output, x) = try solve(poisson.matrix, poisson.rhs, ["--method", "cg", "--preconditioner", "amg"] + flags, in: directory)
            #expect(output.outcome == "converged" && output.method.contains("AMG") && output.iterations <= 40, "\(flags): \(output)")
            #expect(relativeDifference(x, poisson.truth) < 1e-8, "\(flags)")
        }
        let convection = try write(ModelProblems.convectionDiffusion2D(n: 24, diffusion: 0.01, velocity: (1, 0.5)), "cd", in: directory)
        for flags in [["--method", "gmres", "--preconditioner", "amg", "--amg-variant", "air"],
                      ["--method", "bicgstab", "--preconditioner", "ilut", "--ilu-drop-tolerance", "1e-3", "--ilu-fill", "10"]] {
            let (output, x) = try solve(convection.matrix, convection.rhs, flags, in: directory)
            #expect(output.outcome == "converged", "\(flags): \(output)")
            #expect(relativeDifference(x, convection.truth) < 1e-7, "\(flags)")
        }
        // Systems AMG on elasticity: rigid-body modes from coordinates, or the same modes as a vectors file.
        let (k, coordinates) = ModelProblems.elasticity2D(n: 12)
        let elasticity = try write(k, "elasticity", in: directory)
        let nodes = coordinates.count / 2
        let coordinatesPath = directory.appendingPathComponent("xy.mtx").path
        try MatrixMarket.write(CSRMatrix(dense: (0..<nodes).map { [coordinates[2 * $0], coordinates[2 * $0 + 1]] }), path: coordinatesPath)
        let modesPath = directory.appendingPathComponent("modes.mtx").path
        let modes = (0..<(2 * nodes)).map { row -> [Double] in
            let node = row / 2, x = coordinates[2 * node], y = coordinates[2 * node + 1]
            return row % 2 == 0 ? [1, 0, -y] : [0, 1, x]
        }
        try MatrixMarket.write(CSRMatrix(dense: modes), path: modesPath)
        for flags in [["--near-nullspace", "rigid-body", "--coordinates", coordinatesPath],
                      ["--near-nullspace", "vectors", "--near-nullspace-vectors", modesPath], []] {
            let (output, x) = try solve(elasticity.matrix, elasticity.rhs,
                                        ["--method", "cg", "--preconditioner", "amg", "--unknowns-per-node", "2"] + flags, in: directory)
            #expect(output.outcome == "converged", "\(flags): \(output)")
            #expect(relativeDifference(x, elasticity.truth) < 1e-7, "\(flags)")
        }
    }

    @Test func autoAndSymmetryToleranceSayWhatRan() throws {
        let directory = try makeScratchDirectory("solve-flags")
        defer { try? FileManager.default.removeItem(at: directory) }
        // Small: direct. Above 20,000 unknowns and symmetric with a positive diagonal: CG + AMG.
        let small = try write(ModelProblems.poisson2D(n: 20), "small", in: directory)
        let (direct, x) = try solve(small.matrix, small.rhs, ["--method", "auto"], in: directory)
        #expect(direct.choice?.hasPrefix("direct") == true && direct.factorization == "cholmodCholesky", "\(direct)")
        #expect(relativeDifference(x, small.truth) < 1e-10)
        let large = try write(ModelProblems.poisson2D(n: 150), "large", in: directory)
        let (amg, y) = try solve(large.matrix, large.rhs, ["--method", "auto"], in: directory)
        #expect(amg.choice?.hasPrefix("CG + AMG") == true && amg.outcome == "converged", "\(amg)")
        #expect(relativeDifference(y, large.truth) < 1e-7)
        // Symmetric only to rounding (one entry off by 1e-14 relative): CHOLMOD by default, UMFPACK with tolerance 0.
        var a = ModelProblems.poisson2D(n: 10)
        let offDiagonal = try #require((a.rowOffsets[0]..<a.rowOffsets[1]).first { a.columnIndices[$0] != 0 })
        a.values[offDiagonal] *= 1 + 1e-14
        let nearly = try write(a, "nearly", in: directory)
        let (tolerant, _) = try solve(nearly.matrix, nearly.rhs, ["--method", "direct"], in: directory)
        let (strict, _) = try solve(nearly.matrix, nearly.rhs, ["--method", "direct", "--symmetry-tolerance", "0"], in: directory)
        #expect(tolerant.factorization == "cholmodCholesky" && strict.factorization == "umfpackLU", "\(tolerant) \(strict)")
    }

    @Test func badHypreAndSelectionValuesEndWithOneErrorLine() throws {
        let directory = try makeScratchDirectory("solve-flags")
        defer { try? FileManager.default.removeItem(at: directory) }
        let matrixPath = directory.appendingPathComponent("a.mtx").path
        try MatrixMarket.write(ModelProblems.poisson2D(n: 5), path: matrixPath)   // 25 rows
        let fourColumns = directory.appendingPathComponent("four.mtx").path
        try MatrixMarket.write(CSRMatrix(dense: [[1, 2, 3, 4], [5, 6, 7, 8]]), path: fourColumns)
        let cases: [[String]] = [
            ["--preconditioner", "amg", "--amg-variant", "smoothed"],
            ["--preconditioner", "amg", "--amg-smoother", "jacobi"],
            ["--method", "gmres", "--preconditioner", "amg", "--amg-variant", "air", "--amg-smoother", "chebyshev"],
            ["--preconditioner", "amg", "--amg-cycles", "0"],
            ["--preconditioner", "amg", "--amg-strength", "1.5"],
            ["--preconditioner", "amg", "--amg-strength", "nan"],
            ["--amg-strength", "0"],
            ["--preconditioner", "amg", "--unknowns-per-node", "0"],
            ["--preconditioner", "amg", "--unknowns-per-node", "2"],   // 25 rows
            ["--preconditioner", "amg", "--near-nullspace", "rigid-body"],
            ["--preconditioner", "amg", "--near-nullspace", "vectors"],
            ["--preconditioner", "amg", "--coordinates", fourColumns],
            ["--preconditioner", "amg", "--near-nullspace", "rigid-body", "--coordinates", fourColumns],
            ["--preconditioner", "amg", "--near-nullspace", "rigid-body", "--coordinates", directory.appendingPathComponent("missing.mtx").path],
            ["--preconditioner", "amg", "--near-nullspace", "sideways"],
            ["--preconditioner", "ilut", "--ilu-drop-tolerance", "-1"],
            ["--preconditioner", "ilut", "--ilu-drop-tolerance", "inf"],
            ["--preconditioner", "ilut", "--ilu-fill", "0"],
            ["--symmetry-tolerance", "-1"],
            ["--symmetry-tolerance", "nan"],
            ["--method", "automatic"],
            ["--method", "auto", "--max-iterations", "0"],
        ]
        // The CLI's one error contract (ErrorReportingTests): one `error:` line (unparsable enum values add
        // a `see '… --help'` hint), non-zero status, no crash.
        for flags in cases { try ErrorReportingTests.expectOneErrorLine(["solve", matrixPath] + flags) }
    }

    /// A `pdekit solve` with AMG started by a process that made its own Open MPI session base (a test
    /// runner that used hypre, so its children inherit the variable) makes its own instead of sharing
    /// the parent's; siblings sharing one raced (mkdir of …/jf.0 failed, MPI_Init aborted). The inherited
    /// base here is a regular file, where Open MPI cannot make a directory at all.
    @Test func childrenDoNotShareTheParentsMPISessionDirectory() throws {
        guard CommandLineTests.executable != nil else { return }
        let directory = try makeScratchDirectory("solve-session-base")
        defer { try? FileManager.default.removeItem(at: directory) }
        let matrixPath = directory.appendingPathComponent("poisson.mtx").path
        try MatrixMarket.write(ModelProblems.poisson2D(n: 20), path: matrixPath)
        let notADirectory = directory.appendingPathComponent("parent-session-base").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: notADirectory))
        let run = try cli.run(["solve", matrixPath, "--method", "cg", "--preconditioner", "amg"],
                              environment: [MPIRuntime.sessionBaseVariable: notADirectory, MPIRuntime.sessionBaseMarkerVariable: notADirectory])
        #expect(run.status == 0, "\(run.error)")
        #expect(!run.error.contains("ORTE_ERROR_LOG"), "\(run.error)")
    }
}
