@_exported import Benchmarks
import Foundation
import RunSupport

/// User plus system CPU time of the process so far (``Measurements/processCPUSeconds()``).
func processCPUSeconds() -> Double { Measurements.processCPUSeconds() }

/// Prints one JSON object on one line, keys sorted (the commands that still build dictionaries).
func emit(_ fields: [String: Any]) {
    // JSON has no NaN or infinity: such a value is written as null rather than losing the whole line.
    let writable = fields.mapValues { value -> Any in
        if let number = value as? Double, !number.isFinite { return NSNull() }
        if let number = value as? Float, !number.isFinite { return NSNull() }
        return value
    }
    guard let data = try? JSONSerialization.data(withJSONObject: writable, options: [.sortedKeys]),
          let line = String(data: data, encoding: .utf8) else {
        StatusLine.printLine("warning: a result line could not be written as JSON")
        return
    }
    print(line)
}

/// One Codable value as one line of JSON (``JSONOutput``), the format of every JSON line the CLI prints.
enum JSONLine {
    static func encode<Value: Encodable>(_ value: Value) throws -> String { try JSONOutput.line(value) }

    /// Prints `value` on stdout and flushes (benchmarks are read while they run).
    static func print(_ value: any Encodable) throws {
        Swift.print(try encode(value))
        fflush(nil)
    }
}
