@_exported import Benchmarks
import Foundation
import RunSupport

/// User plus system CPU time of the process so far (``Measurements/processCPUSeconds()``).
func processCPUSeconds() -> Double { Measurements.processCPUSeconds() }

/// One Codable value as one line of JSON (``JSONOutput``), the format of every JSON line the CLI prints.
enum JSONLine {
    static func encode<Value: Encodable>(_ value: Value) throws -> String { try JSONOutput.line(value) }

    /// Prints `value` on stdout and flushes (benchmarks are read while they run).
    static func print(_ value: any Encodable) throws {
        Swift.print(try encode(value))
        fflush(nil)
    }
}
