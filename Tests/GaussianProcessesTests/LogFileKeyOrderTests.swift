import Foundation
import Testing
import GaussianProcesses

/// `log.jsonl` of a `pdekit gp` run lists every record's keys in one order (sorted, as every other
/// JSON file PDEKit writes), so lines compare as text across lines and runs.
@Suite struct LogFileKeyOrderTests {
    /// The top-level keys of a flat JSON object, in the order the text lists them.
    static func keys(ofLine line: Substring) -> [String] {
        let pattern = try! NSRegularExpression(pattern: "\"([A-Za-z_]+)\":")
        let text = String(line)
        return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map {
            String(text[Range($0.range(at: 1), in: text)!])
        }
    }

    @Test func everyLineListsItsKeysSorted() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-gp-log-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var c = GaussianProcessRunConfiguration()
        c.problem = .poisson1d
        (c.collocation, c.components, c.iterations, c.lbfgsIterations, c.testPoints) = (201, 4, 3, 3, 50)
        c.output = directory.path
        _ = try GaussianProcessRun.run(c) { _ in }
        let lines = try String(contentsOf: directory.appendingPathComponent("log.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count >= 3)
        for line in lines {
            #expect(Self.keys(ofLine: line) == ["iteration", "loss", "phase", "seconds"], "\(line)")
        }
    }
}
