import Foundation

/// The one place that writes progress and errors to stderr, so an error never lands on the same
/// line as a progress bar: a line drawn in place stays "open" until something ends it, and every
/// other message ends it first.
public enum StatusLine {
    nonisolated(unsafe) private static var lineIsOpen = false
    private static let lock = NSLock()

    /// Redraws an in-place line (`\r` + text).
    public static func draw(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        write("\r" + text)
        lineIsOpen = true
    }

    /// Prints a whole line, ending an open in-place line first.
    public static func printLine(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        write((lineIsOpen ? "\n" : "") + text + "\n")
        lineIsOpen = false
    }

    /// Ends an open in-place line.
    public static func end() {
        lock.lock(); defer { lock.unlock() }
        if lineIsOpen { write("\n") }
        lineIsOpen = false
    }

    /// Prints `error: <description>` as one line (newlines in the description are folded), ending
    /// an open progress line first. The CLI's single error path.
    public static func printError(_ error: any Error) {
        printLine("error: " + shortened(oneLine(String(describing: error))))
    }

    /// Characters of an error message kept whole; past it ``shortened(_:)`` leaves out the middle.
    public static let errorLengthLimit = 1_000

    /// `text` when it has at most ``errorLengthLimit`` characters; else its first 600 and last 300
    /// characters around ` … [N characters left out] … `. A message that quotes what a file holds
    /// (an HDF5 object named by a 70 000-character link, a damaged tensor name) stays a line a person
    /// can read, and keeps both the start (what failed) and the end (why).
    public static func shortened(_ text: String) -> String {
        guard text.count > errorLengthLimit else { return text }
        let head = 600, tail = 300
        return String(text.prefix(head)) + " … [\(text.count - head - tail) characters left out] … " + String(text.suffix(tail))
    }

    /// `text` with line breaks folded into `; ` and a leading `error:`/`Error:` removed.
    public static func oneLine(_ text: String) -> String {
        var message = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
        for prefix in ["error: ", "Error: "] where message.hasPrefix(prefix) { message.removeFirst(prefix.count) }
        return message
    }

    /// Where the text goes: stderr, or a test's collector.
    nonisolated(unsafe) public static var sink: (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }

    private static func write(_ text: String) { sink(text) }
}
