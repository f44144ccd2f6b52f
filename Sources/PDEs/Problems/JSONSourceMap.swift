/// Where each value of a JSON text starts: a path (`"equations/0"`, `"boundary/2/where"`) to the line
/// and column of the value's first character (for a string, the character after the quote).
///
/// Foundation's `JSONSerialization` reads the values; this scanner only walks the same text to
/// remember positions, so that an error in an expression string points at the file's line and
/// column. It is a full syntax check too: a malformed file is a `ProblemError` at the offending
/// character.
public struct JSONSourceMap: Sendable {
    public private(set) var locations: [String: TextLocation] = [:]
    /// Strings whose text in the file differs from their value (escapes): offsets inside them
    /// cannot be mapped, so errors point at the string's start.
    public private(set) var escapedStrings: Set<String> = []

    private var characters: [Character] = []
    private var index = 0
    private var line = 1, column = 1
    private var depth = 0

    /// Deepest nesting of objects and arrays accepted. A problem file needs a handful of levels;
    /// the limit keeps a hostile file (millions of `[`) from overflowing the stack.
    public static let maximumNesting = 64

    public init(text: String) throws {
        characters = Array(text)
        skipWhitespace()
        try value(path: "")
        skipWhitespace()
        guard index == characters.count else { throw error("unexpected text after the JSON value") }
    }

    public subscript(path: String) -> TextLocation? { locations[path] }

    private var here: TextLocation { TextLocation(line: line, column: column) }
    private func error(_ message: String) -> ProblemError { ProblemError(.syntax, "JSON: " + message, at: here) }

    private mutating func advance() {
        if characters[index] == "\n" { line += 1; column = 1 } else { column += 1 }
        index += 1
    }

    private mutating func skipWhitespace() {
        while index < characters.count, characters[index].isWhitespace { advance() }
    }

    private mutating func expect(_ c: Character) throws {
        skipWhitespace()
        guard index < characters.count, characters[index] == c else {
            throw error(index < characters.count ? "expected '\(c)', found '\(characters[index])'" : "expected '\(c)', found the end of the file")
        }
        advance()
    }

    private mutating func value(path: String) throws {
        skipWhitespace()
        guard index < characters.count else { throw error("unexpected end of the file") }
        let start = here
        let opensContainer = characters[index] == "{" || characters[index] == "["
        if opensContainer {
            guard depth < Self.maximumNesting else {
                throw error("objects and arrays nested deeper than \(Self.maximumNesting) levels")
            }
            depth += 1
        }
        defer { if opensContainer { depth -= 1 } }
        switch characters[index] {
        case "{":
            locations[path] = start
            advance()
            skipWhitespace()
            if index < characters.count, characters[index] == "}" { advance(); return }
            while true {
                skipWhitespace()
                guard index < characters.count, characters[index] == "\"" else { throw error("expected a quoted key") }
                let keyLocation = here
                let key = try string(path: nil)
                try expect(":")
                let child = path.isEmpty ? key : path + "/" + key
                locations[child + "#key"] = keyLocation
                try value(path: child)
                skipWhitespace()
                guard index < characters.count else { throw error("unterminated object") }
                if characters[index] == "," { advance(); continue }
                if characters[index] == "}" { advance(); return }
                throw error("expected ',' or '}' in an object, found '\(characters[index])'")
            }
        case "[":
            locations[path] = start
            advance()
            skipWhitespace()
            if index < characters.count, characters[index] == "]" { advance(); return }
            var n = 0
            while true {
                try value(path: path + "/" + String(n))
                n += 1
                skipWhitespace()
                guard index < characters.count else { throw error("unterminated array") }
                if characters[index] == "," { advance(); continue }
                if characters[index] == "]" { advance(); return }
                throw error("expected ',' or ']' in an array, found '\(characters[index])'")
            }
        case "\"":
            _ = try string(path: path)
        default:
            locations[path] = start
            let literalStart = index
            while index < characters.count, !(",]}".contains(characters[index]) || characters[index].isWhitespace) { advance() }
            let literal = String(characters[literalStart..<index])
            guard ["true", "false", "null"].contains(literal) || Double(literal) != nil else {
                index = literalStart
                throw ProblemError(.syntax, "JSON: unexpected '\(literal.prefix(20))'", at: start)
            }
        }
    }

    /// Reads a string; records the location of its first character under `path`.
    private mutating func string(path: String?) throws -> String {
        advance()   // the opening quote
        if let path { locations[path] = here }
        var result = ""
        var escaped = false
        while true {
            guard index < characters.count, characters[index] != "\n" else { throw error("unterminated string") }
            let c = characters[index]
            if c == "\"" { advance(); break }
            if c == "\\" {
                escaped = true
                advance()
                guard index < characters.count else { throw error("unterminated string") }
            }
            result.append(characters[index])
            advance()
        }
        if escaped, let path { escapedStrings.insert(path) }
        return result
    }
}
