import Foundation
import Testing
import RunSupport

/// ``JSONOutput``: the one JSON encoding of summaries and metric lines. Checked against Foundation's own
/// parser: keys sorted, slashes as written, a declared non-finite figure as null (and back as NaN), any
/// other non-finite number as a stated string instead of an `EncodingError`.
@Suite struct JSONOutputTests {
    struct Record: Codable {
        var path: String
        var count: Int
        @NonFiniteAsNull var residual: Double
        @NonFiniteAsNull var history: [Double]
        var undeclared: Double
    }

    @Test func nonFiniteFiguresAreStatedValuesNotErrors() throws {
        let record = Record(path: "/tmp/a.mtx", count: 3, residual: .infinity, history: [1, .nan, -.infinity], undeclared: .nan)
        let line = try JSONOutput.line(record)
        #expect(!line.contains("\n") && line.contains("\"/tmp/a.mtx\""), "\(line)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["residual"] is NSNull && object["undeclared"] as? String == "nan", "\(line)")
        let history = try #require(object["history"] as? [Any])
        #expect(history.count == 3 && history[0] as? Double == 1 && history[1] is NSNull && history[2] is NSNull, "\(line)")
        // Keys in sorted order, as every line of a file.
        let keys = ["count", "history", "path", "residual", "undeclared"]
        let positions = keys.map { line.range(of: "\"\($0)\"")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil } && positions.map { $0! } == positions.map { $0! }.sorted(), "\(line)")
        // Null reads back as NaN; finite values as written.
        let decoded = try JSONDecoder().decode(Record.self, from: Data(try JSONOutput.line(Record(path: "p", count: 1, residual: .nan, history: [2.5],
                                                                                                        undeclared: 0)).utf8))
        #expect(decoded.residual.isNaN && decoded.history == [2.5])
        let finite = try JSONDecoder().decode(Record.self, from: Data(line.replacingOccurrences(of: "null", with: "0.25")
            .replacingOccurrences(of: "\"nan\"", with: "1").utf8))
        #expect(finite.residual == 0.25 && finite.history == [1, 0.25, 0.25])
    }

    @Test func linesAndDocumentsEndWithNewlines() throws {
        let values = [["a": 1.0], ["a": 2.0]]
        #expect(String(decoding: try JSONOutput.lines(values), as: UTF8.self) == "{\"a\":1}\n{\"a\":2}\n")
        let document = String(decoding: try JSONOutput.document(["b": 1, "a": 2]), as: UTF8.self)
        #expect(document.hasSuffix("}\n") && document.contains("\n  \"a\" : 2,\n  \"b\" : 1\n"), "\(document)")
        #expect(try JSONOutput.lines([[String: Double]]()).isEmpty)
    }
}
