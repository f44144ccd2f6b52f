import Foundation

/// Progress of a long job with elapsed time and ETA, on stderr.
///
/// On a terminal the bar is redrawn in place (`\r`, at most ten times a second). In a pipe or a
/// batch log (Slurm, CI) it prints one plain line each time another `plainStepPercent` of the work
/// is done, so logs stay readable. The counter never passes the total: work beyond the planned total
/// (an optimizer that takes more evaluations than it planned) is shown as the total.
///
/// The rate counts only the work done in this process: a resumed run that starts at `c₀` of `total`
/// (``Start``) estimates
///
/// ```
/// ETA = elapsed / (completed − c₀) × (total − completed)
/// ```
///
/// (with `c₀ = 0` a fresh run's `elapsed / completed`); before the first unit of this process the
/// ETA is unknown (`--`).
public final class ProgressBar {
    /// Where the count stands when this process starts working.
    public enum Start: Sendable, Equatable {
        /// `count` units were done before this process (0: a fresh run).
        case count(Int)
        /// Only the first report tells: it is the first unit of this process, so `report − 1` were
        /// done before (a solver that resumes inside and reports each unit it finishes).
        case beforeFirstReport
    }

    public let total: Int
    public private(set) var completed = 0
    /// The count before this process's first unit (nil until a `.beforeFirstReport` bar's first report).
    public private(set) var startCount: Int?
    /// Redraw in place (a terminal) or print plain lines (anything else).
    public let redrawsInPlace: Bool
    /// Percent of the work between two plain lines.
    public let plainStepPercent: Int
    let label: String
    let startTime = DispatchTime.now().uptimeNanoseconds
    var lastDraw: UInt64 = 0
    /// The last `percent / plainStepPercent` printed (−1: nothing printed yet).
    var lastPlainStep = -1

    /// - Parameters:
    ///   - total: units of work planned.
    ///   - label: a word printed first on plain lines (`train`, `lbfgs`), empty for none.
    ///   - redrawsInPlace: nil asks whether stderr is a terminal.
    ///   - start: the count already done when this process starts (a resumed run), for the ETA.
    public init(total: Int, label: String = "", start: Start = .count(0), redrawsInPlace: Bool? = nil, plainStepPercent: Int = 5) {
        self.total = max(total, 1)
        if case .count(let done) = start { startCount = min(max(done, 0), self.total); completed = startCount ?? 0 }
        self.label = label
        self.redrawsInPlace = redrawsInPlace ?? (isatty(STDERR_FILENO) == 1)
        self.plainStepPercent = min(max(plainStepPercent, 1), 100)
    }

    /// Marks one more unit done and reports.
    public func advance(status: String) { advance(to: completed + 1, status: status) }

    /// Sets the completed count (clamped to `0...total`) and reports.
    public func advance(to count: Int, status: String) {
        completed = min(max(count, 0), total)
        if startCount == nil { startCount = max(completed - 1, 0) }
        let now = DispatchTime.now().uptimeNanoseconds
        let elapsed = Double(now - startTime) / 1e9
        let timing = "elapsed \(Self.format(elapsed))  ETA \(Self.format(remainingSeconds(elapsed: elapsed)))"
        if redrawsInPlace {
            guard now - lastDraw > 100_000_000 || completed == total else { return }
            lastDraw = now
            StatusLine.draw(Self.barLine(completed: completed, total: total, status: status, timing: timing))
        } else {
            // The last unit always prints once, whatever the step divides.
            let percent = Self.part(completed, of: total, scale: 100), step = completed == total ? Int.max : percent / plainStepPercent
            guard step > lastPlainStep else { return }
            lastPlainStep = step
            StatusLine.printLine(Self.plainLine(label: label, completed: completed, total: total, status: status, timing: timing))
        }
    }

    /// The ETA after `elapsed` seconds of this process at the current count: `elapsed / (completed − c₀)
    /// × (total − completed)`, 0 when done, NaN (printed `--`) before this process finished a unit.
    public func remainingSeconds(elapsed: Double) -> Double {
        guard completed < total else { return 0 }
        let doneHere = completed - (startCount ?? completed)
        return doneHere > 0 ? elapsed / Double(doneHere) * Double(total - completed) : .nan
    }

    /// Ends the bar's line (on a terminal).
    public func finish() { StatusLine.end() }

    /// The redrawn line: `[########................] 1234/3700  status  elapsed 0m12s  ETA 0m24s`.
    public static func barLine(completed: Int, total: Int, status: String, timing: String) -> String {
        let width = 24, filled = part(completed, of: total, scale: width)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        return "[\(bar)] \(completed)/\(total)  \(status)  \(timing)   "
    }

    /// The plain line: `train 1234/3700 (33%)  status  elapsed 0m12s  ETA 0m24s`.
    public static func plainLine(label: String, completed: Int, total: Int, status: String, timing: String) -> String {
        let prefix = label.isEmpty ? "" : label + " "
        return "\(prefix)\(completed)/\(total) (\(part(completed, of: total, scale: 100))%)  \(status)  \(timing)"
    }

    /// `⌊scale · completed / total⌋` for `0 ≤ completed ≤ total`, `total ≥ 1`, without overflow for any
    /// counts (`scale · completed` passes `Int.max` once completed passes `Int.max / scale`).
    static func part(_ completed: Int, of total: Int, scale: Int) -> Int {
        let completed = min(max(completed, 0), max(total, 1)), total = max(total, 1)
        let (high, low) = scale.multipliedFullWidth(by: completed)
        return total.dividingFullWidth((high, low)).quotient
    }

    /// `1m05s`, `2h03m`.
    public static func format(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--" }
        let s = Int(min(seconds, 1e9).rounded())
        return s >= 3600 ? String(format: "%ldh%02ldm", s / 3600, (s % 3600) / 60) : String(format: "%ldm%02lds", s / 60, s % 60)
    }
}
