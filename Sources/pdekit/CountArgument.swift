import ArgumentParser

/// A count flag (`--restart 40`, also written `4e1`) kept as text until `value` checks it, so a bad
/// value ends as one `error:` line from the command instead of the parser's usage screen.
struct CountArgument: ExpressibleByArgument, CustomStringConvertible {
    let text: String

    init(_ value: Int) { text = String(value) }
    init?(argument: String) { text = argument }
    var description: String { text }

    /// The integer the text denotes (decimal, or a float such as `1e9` that is exactly an `Int`).
    func value(_ flag: String) throws -> Int {
        if let exact = Int(text) { return exact }
        if let real = Double(text), real.isFinite, let exact = Int(exactly: real) { return exact }
        throw CountArgumentError(flag: flag, text: text)
    }
}

/// A count flag whose text is not an integer.
struct CountArgumentError: Error, CustomStringConvertible {
    let flag: String
    let text: String
    var description: String { "--\(flag) must be an integer, got '\(text)'" }
}
