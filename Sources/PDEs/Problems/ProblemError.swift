/// Where a problem text lives: a line and column (both from 1) of the problem file, or of the
/// expression string when the problem is written in Swift.
public struct TextLocation: Sendable, Hashable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public var description: String { "\(line):\(column)" }
}

/// A problem description that cannot be read or does not make sense: one message with the line
/// and column it points at.
///
/// ```
/// problem.json:7:18: unknown symbol 'w' (fields: u; coordinates: x, y; …)
/// ```
public struct ProblemError: Error, Sendable, CustomStringConvertible {
    /// What kind of mistake (tests check this, users read `description`).
    public enum Kind: String, Sendable {
        case syntax, unknownSymbol, dimensionMismatch, missingBoundaryCondition, missingInitialCondition
        case invalidValue, unsupported, file
    }
    public let kind: Kind
    public let message: String
    public let location: TextLocation?
    /// The problem file, when the problem came from one.
    public var file: String?

    public init(_ kind: Kind, _ message: String, at location: TextLocation?, file: String? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
        self.file = file
    }

    public var description: String {
        var prefix = file.map { "\($0):" } ?? ""
        if let location { prefix += "\(location.line):\(location.column): " } else if !prefix.isEmpty { prefix += " " }
        return prefix + message
    }
}

/// An expression or equation as text, with where its first character sits in the problem file
/// (so that errors inside it point at the file's line and column).
public struct ProblemText: Sendable, Hashable, ExpressibleByStringLiteral {
    public let text: String
    /// Location of the first character; nil for text written in Swift (then columns count from 1 on line 1).
    public let origin: TextLocation?

    public init(_ text: String, origin: TextLocation? = nil) { self.text = text; self.origin = origin }
    public init(stringLiteral value: String) { self.init(value) }

    /// The location of character `offset` (0-based, in Characters) of the text.
    public func location(ofOffset offset: Int) -> TextLocation {
        let start = origin ?? TextLocation(line: 1, column: 1)
        return TextLocation(line: start.line, column: start.column + offset)
    }

    /// The location of the whole text (its first character).
    public var location: TextLocation { origin ?? TextLocation(line: 1, column: 1) }
}
