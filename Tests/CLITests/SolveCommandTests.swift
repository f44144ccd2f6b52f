import TestSupport
import Foundation
import Testing
import PDEKit

/// End-to-end tests of `pdekit solve` through the built binary: each method (with a preconditioner
/// where it takes one) on small SPD and nonsymmetric Matrix Market files, checked against an
/// in-process UMFPACK solve; bad flags end as one `error:` line.
@Suite struct SolveCommandTests {
    let cli = CommandLineTests()

    /// ‖x − y‖ / ‖y‖; NaN anywhere gives NaN, which fails every `<` check.
    func relativeDifference(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count == y.count else { return .nan }
        var difference = 0.0, norm = 0.0
        for i in 0..<x.count { difference += (x[i] - y[i]) * (x[i] - y[i]); norm += y[i] * y[i] }
        return (difference / norm).squareRoot()
    }

    struct Output: Decodable {
        var method: String
        var factorization: String?
        var outcome: String
        var iterations: Int
        var relativeResidual: Double
        var rows: Int
    }

    @Test func everyMethodMatchesTheDirectSolution() throws {
        let directory = try makeScratchDirectory("solve")
        defer { try? FileManager.default.removeItem(at: directory) }
        let spd = ModelProblems.poisson2D(n: 8)
        let nonsymmetric = ModelProblems.convectionDiffusion2D(n: 8, diffusion: 0.05, velocity: (1, -0.5))
        let cases: [(CSRMatrix, String, [[String]], String)] = [
            (spd, "spd", [["direct"], ["cg", "ic0"], ["minres", "jacobi"], ["gmres", "ilu0"], ["fgmres", "ssor"], ["bicgstab", "none"],
                          ["gcrodr", "multigrid", "--grid", "8x8"]], "cholmodCholesky"),
            (nonsymmetric, "nonsymmetric", [["direct"], ["gmres", "ilu0"], ["fgmres", "jacobi"], ["bicgstab", "ilu0"], ["gcrodr", "ilu"]],
             "umfpackLU"),
        ]
        for (a, name, methods, factorization) in cases {
            let matrixPath = directory.appendingPathComponent("\(name).mtx").path
            let rhsPath = directory.appendingPathComponent("\(name)-b.mtx").path
            try MatrixMarket.write(a, path: matrixPath)
            let b = (0..<a.rowCount).map { i in sin(0.4 * Double(i)) + 0.5 }
            try MatrixMarket.write(b, path: rhsPath)
            let truth = try LUFactorization(a).solve(b)
            for method in methods {
                let solutionPath = directory.appendingPathComponent("\(name)-\(method[0]).mtx").path
                var arguments = ["solve", matrixPath, "--rhs", rhsPath, "--method", method[0], "--relative-tolerance", "1e-11",
                                 "--restart", "20", "--recycled", "5", "--format", "json", "--solution", solutionPath]
                if method.count > 1 { arguments += ["--preconditioner", method[1]] + method.dropFirst(2) }
                let run = try cli.run(arguments)
                #expect(run.status == 0, "\(name) \(method): \(run.error)")
                let output = try JSONDecoder().decode(Output.self, from: Data(run.output.utf8))
                #expect(output.outcome == "converged" && output.relativeResidual < 1e-10 && output.rows == a.rowCount, "\(name) \(method)")
                if method[0] == "direct" {
                    #expect(output.factorization == factorization && output.iterations == 0)
                } else {
                    #expect(output.factorization == nil && output.iterations > 0)
                }
                let x = try MatrixMarket.readVector(path: solutionPath)
                #expect(relativeDifference(x, truth) < 1e-8, "\(name) \(method): \(relativeDifference(x, truth))")
            }
        }
    }

    @Test func badFlagsEndWithOneErrorLine() throws {
        let directory = try makeScratchDirectory("solve")
        defer { try? FileManager.default.removeItem(at: directory) }
        let matrixPath = directory.appendingPathComponent("a.mtx").path
        try MatrixMarket.write(ModelProblems.poisson2D(n: 6), path: matrixPath)
        // Near-nullspace files whose header alone is wrong: a million columns (8 TB if allocated before the
        // 1…32 check) and vectors of 7 entries for a 36-row matrix.
        func vectorsFile(_ name: String, header: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try Data("%%MatrixMarket matrix coordinate real general\n\(header)\n".utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        let millionColumns = try vectorsFile("million.mtx", header: "1000000 1000000 0")
        let shortRows = try vectorsFile("short.mtx", header: "7 1 0")
        let cases: [[String]] = [
            ["--preconditioner", "amg", "--near-nullspace", "vectors", "--near-nullspace-vectors", millionColumns],
            ["--preconditioner", "amg", "--near-nullspace", "vectors", "--near-nullspace-vectors", shortRows],
            ["--restart", "1e9"],
            ["--restart", "1e300"],
            ["--restart", "abc"],
            ["--grid", "3037000500x3037000500"],
            ["--preconditioner", "multigrid", "--grid", "3037000500x3037000500"],
            ["--preconditioner", "multigrid"],
            ["--preconditioner", "multigrid", "--grid", "5x5"],
            ["--method", "direct", "--preconditioner", "ilu0"],
            ["--method", "gcrodr", "--restart", "10", "--recycled", "10"],
            ["--max-iterations", "0"],
            ["--relative-tolerance", "nan"],
            ["--method", "dcdm", "--grid", "6x6"],
        ]
        for flags in cases {
            let run = try cli.run(["solve", matrixPath] + flags)
            #expect(run.status == 1, "\(flags): status \(run.status)")
            let lines = run.error.split(separator: "\n")
            #expect(lines.count == 1 && run.error.hasPrefix("error: "), "\(flags): \(run.error)")
        }
        // Not converging is exit status 2 with the report printed.
        let slow = try cli.run(["solve", matrixPath, "--method", "cg", "--max-iterations", "2"])
        #expect(slow.status == 2 && slow.output.contains("outcome:           iterationLimit") && slow.error.hasPrefix("warning: "))
    }

    /// Not converging is a stated outcome, never an error: exit status 2, the report printed with
    /// `converged: false`, one `warning:` line. A residual that is not finite (a direct solve of a
    /// matrix with a denormal pivot overflows x) stays that outcome in JSON, written as null: before,
    /// the encoder refused inf and the run ended with an `error:` line and status 1 instead.
    @Test func nonConvergenceIsAStatedOutcomeInJSON() throws {
        let directory = try makeScratchDirectory("solve-outcome")
        defer { try? FileManager.default.removeItem(at: directory) }
        let poisson = directory.appendingPathComponent("poisson.mtx").path
        try MatrixMarket.write(ModelProblems.poisson2D(n: 6), path: poisson)
        let denormal = directory.appendingPathComponent("denormal.mtx").path
        try Data("%%MatrixMarket matrix coordinate real symmetric\n2 2 2\n1 1 1e-320\n2 2 1\n".utf8).write(to: URL(fileURLWithPath: denormal))
        let cases: [(flags: [String], residualIsFinite: Bool)] = [
            ([poisson, "--method", "cg", "--max-iterations", "2"], true),
            ([denormal, "--method", "direct"], false),
        ]
        for (flags, residualIsFinite) in cases {
            let run = try cli.run(["solve"] + flags + ["--format", "json"])
            #expect(run.status == 2, "\(flags): status \(run.status), \(run.error)")
            let lines = run.error.split(separator: "\n")
            #expect(lines.count == 1 && run.error.hasPrefix("warning: "), "\(flags): \(run.error)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any], "\(flags): \(run.output)")
            #expect(json["converged"] as? Bool == false && json["outcome"] as? String != "converged", "\(flags): \(run.output)")
            if residualIsFinite {
                #expect((json["relativeResidual"] as? Double).map { $0.isFinite && $0 > 1e-8 } == true, "\(flags): \(run.output)")
            } else {
                #expect(json["relativeResidual"] is NSNull, "\(flags): \(run.output)")
            }
        }
        let solved = try cli.run(["solve", poisson, "--method", "direct", "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(solved.output.utf8)) as? [String: Any]
        #expect(solved.status == 0 && json?["converged"] as? Bool == true, "\(solved.output) \(solved.error)")
    }
}
