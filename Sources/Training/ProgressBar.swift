import Foundation

/// A one-line progress bar with elapsed time and ETA, redrawn in place on stderr (`\r`).
public final class ProgressBar {
    public let total: Int
    public private(set) var completed = 0
    let start = DispatchTime.now().uptimeNanoseconds
    var lastDraw: UInt64 = 0

    public init(total: Int) { self.total = max(total, 1) }

    /// Marks one more unit done and redraws (at most ten times a second).
    public func advance(status: String) {
        completed += 1
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - lastDraw > 100_000_000 || completed == total else { return }
        lastDraw = now
        let elapsed = Double(now - start) / 1e9
        let remaining = elapsed / Double(completed) * Double(total - completed)
        let width = 24, filled = width * completed / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = "\r[\(bar)] \(completed)/\(total)  \(status)  elapsed \(Self.format(elapsed))  ETA \(Self.format(remaining))   "
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Ends the line.
    public func finish() { FileHandle.standardError.write(Data("\n".utf8)) }

    static func format(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}
