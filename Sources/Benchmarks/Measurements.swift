import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Clocks and repetition helpers of the benchmark suites (and of the CLI's timings).
///
/// Every suite reports the fastest of several runs after a warm-up run: on a shared, loaded machine
/// the minimum is the measurement least disturbed by other processes. Process CPU time counts the
/// work of every thread, so it is the fair clock when cores are shared.
public enum Measurements {
    /// User plus system CPU time of the process so far (all threads), in seconds.
    public static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// The process's maximum resident set size so far, in MiB (getrusage; Linux reports KiB).
    public static func peakResidentMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return (Double(usage.ru_maxrss) / 1024 * 10).rounded() / 10
    }

    /// Wall seconds since `start`.
    public static func seconds(since start: ContinuousClock.Instant) -> Double {
        let duration = ContinuousClock.now - start
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The fastest of `repetitions` runs of `body`, in wall seconds (after one warm-up run).
    public static func best(of repetitions: Int, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var fastest = Double.infinity
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return fastest
    }

    /// The smallest process CPU time of `repetitions` runs of `body`, in seconds, after one warm-up run.
    public static func bestCPUTime(of repetitions: Int, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var fastest = Double.infinity
        for _ in 0..<repetitions {
            let start = processCPUSeconds()
            try body()
            fastest = min(fastest, processCPUSeconds() - start)
        }
        return fastest
    }
}

/// Where a suite sends each measurement (the CLI prints it as one JSON line).
public typealias BenchmarkOutput = (any Encodable) throws -> Void

/// A benchmark that cannot run with the values it was given.
public struct BenchmarkError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
