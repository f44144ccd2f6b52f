import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// User plus system CPU time of the process so far (all threads), in seconds: the fair clock on a
/// shared, loaded machine.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// The process's maximum resident set size so far, in MiB (getrusage; Linux reports KiB).
func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return (Double(usage.ru_maxrss) / 1024 * 10).rounded() / 10
}

/// The fastest of `repetitions` runs of `body`, in wall seconds (after one warm-up run).
func best(of repetitions: Int, _ body: () -> Void) -> Double {
    body()
    var fastest = Double.infinity
    for _ in 0..<repetitions {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return fastest
}

/// The smallest process CPU time of `repetitions` runs of `body`, in seconds, after one warm-up
/// run. Less sensitive than wall time to other processes, and it counts every core's work.
func bestCPUTime(of repetitions: Int, _ body: () -> Void) -> Double {
    body()
    var fastest = Double.infinity
    for _ in 0..<repetitions {
        let start = processCPUSeconds()
        body()
        fastest = min(fastest, processCPUSeconds() - start)
    }
    return fastest
}

/// Prints one JSON object on one line, keys sorted.
func emit(_ fields: [String: Any]) {
    guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]),
          let line = String(data: data, encoding: .utf8) else { return }
    print(line)
}

/// One Codable value as one line of JSON (keys sorted), the format of every JSON line the CLI prints.
enum JSONLine {
    static func encode<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Prints `value` on stdout and flushes (benchmarks are read while they run).
    static func print<Value: Encodable>(_ value: Value) throws {
        Swift.print(try encode(value))
        fflush(nil)
    }
}
