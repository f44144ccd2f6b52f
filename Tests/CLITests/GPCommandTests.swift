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
}
