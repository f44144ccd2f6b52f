import Foundation
import Testing
import PDEKit

/// `pdekit gp` end to end with its default settings on a small problem.
@Suite struct GPCommandTests {
    @Test func poisson1dDefaultsReachTheManufacturedSolution() throws {
        // u = sin(20x) on [0, 2π] (20 periods) with 120 collocation points (6 per period); everything
        // else is the CLI's default (30 spectral-mixture components, Jeffreys weight 20 · 120/400 = 6,
        // 50 Adam + 50 L-BFGS outer steps).
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-gp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CommandLineTests().run(["gp", "poisson1d", "--frequency", "20", "--collocation", "120",
                                                 "--test-points", "200", "--output", directory.path])
        #expect(result.status == 0, "\(result.error)")
        let summary = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: directory.appendingPathComponent("summary.json"))) as? [String: Any])
        let reported = try #require(summary["relativeL2Error"] as? Double)
        #expect(summary["adamIterations"] as? Int == 50)
        #expect(abs((summary["jeffreysWeight"] as? Double ?? 0) - 6) < 1e-12)
        // Recompute the error from the written solution against sin(20x), independently of the CLI.
        let rows = try String(contentsOf: directory.appendingPathComponent("solution.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }
        #expect(rows.count == 200)
        var difference = 0.0, norm = 0.0
        for row in rows {
            let exact = sin(20 * row[0])
            difference += (row[1] - exact) * (row[1] - exact)
            norm += exact * exact
        }
        let recomputed = (difference / norm).squareRoot()
        #expect(recomputed < 1e-4, "relative L2 error \(recomputed)")
        #expect(abs(recomputed - reported) <= 1e-3 * reported + 1e-14, "reported \(reported), recomputed \(recomputed)")
        #expect(result.output.contains("relative L2 error"))
    }

    /// The relative L2 error of solution.csv's `u` column against sin(a x), recomputed here.
    func recomputedError(_ directory: URL, frequency a: Double) throws -> Double {
        let rows = try String(contentsOf: directory.appendingPathComponent("solution.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double($0) ?? .nan } }
        var difference = 0.0, norm = 0.0
        for row in rows {
            difference += (row[1] - sin(a * row[0])) * (row[1] - sin(a * row[0]))
            norm += sin(a * row[0]) * sin(a * row[0])
        }
        return (difference / norm).squareRoot()
    }

    /// A run that ends no better than u = 0 (sin(100x) on 41 points with 2 + 2 steps: relative error 1.0,
    /// whatever --maximum-frequency is) is a stated outcome, not a success: exit status 2, one `warning:`
    /// line, summary.json with "outcome": "noBetterThanZero"; it used to exit 0. --maximum-frequency 1e-300
    /// itself is legitimate (every component starts near frequency 0, squared-exponential kernels): on
    /// sin(5x) it solves as well as 1e-2 does, with status 0.
    @Test func aRunNoBetterThanZeroExitsWithAWarning() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-gp-outcome-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let problems = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("datasets/problems/gp-poisson1d.json").path
        let cases: [(arguments: [String], frequency: Double, solved: Bool)] = [
            (["--problem", problems, "--collocation", "41", "--components", "4", "--iterations", "2", "--lbfgs-iterations", "2",
              "--maximum-frequency", "1"], 100, false),
            (["poisson1d", "--frequency", "5", "--collocation", "60", "--components", "10", "--iterations", "10", "--lbfgs-iterations", "10",
              "--maximum-frequency", "1e-300"], 5, true),
        ]
        for (k, (arguments, frequency, solved)) in cases.enumerated() {
            let output = directory.appendingPathComponent("\(k)")
            let result = try CommandLineTests().run(["gp"] + arguments + ["--test-points", "100", "--output", output.path])
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("summary.json"))) as? [String: Any],
                                       "\(arguments): \(result.error)")
            let recomputed = try recomputedError(output, frequency: frequency)
            let warnings = result.error.split(separator: "\n").filter { $0.hasPrefix("warning:") }
            if solved {
                #expect(result.status == 0 && warnings.isEmpty && summary["outcome"] as? String == "approximated", "\(arguments): \(result.error)")
                #expect(recomputed < 1e-4, "\(arguments): relative L2 error \(recomputed)")
            } else {
                #expect(result.status == 2 && warnings.count == 1 && !result.error.contains("error:"), "\(arguments): \(result.status) \(result.error)")
                #expect(summary["outcome"] as? String == "noBetterThanZero" && recomputed > 0.99, "\(arguments): \(summary) \(recomputed)")
            }
        }
    }
}
