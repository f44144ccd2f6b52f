import Foundation
import RunSupport

/// Errors from reading or writing Matrix Market files; every parse error carries its 1-based line number.
public enum MatrixMarketError: Error, CustomStringConvertible, Equatable, Sendable {
    case cannotRead(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case invalidHeader(line: Int, text: String)
    case unsupported(line: Int, feature: String)
    case invalidSizeLine(line: Int, text: String)
    case invalidEntry(line: Int, text: String)
    case indexOutOfRange(line: Int, row: Int, column: Int)
    case nonFiniteValue(line: Int)
    case wrongEntryCount(line: Int, expected: Int, found: Int)
    case notAVector(rowCount: Int, columnCount: Int)
    /// The declared sizes overflow or need more memory than the machine has.
    case tooLarge(line: Int, detail: String)

    public var description: String {
        switch self {
        case let .cannotRead(p, r): "cannot read '\(p)': \(r)"
        case let .cannotWrite(p, r): "cannot write '\(p)': \(r)"
        case let .invalidHeader(l, t): "line \(l): not a Matrix Market header: '\(t)'"
        case let .unsupported(l, f): "line \(l): unsupported Matrix Market feature '\(f)'"
        case let .invalidSizeLine(l, t): "line \(l): invalid size line '\(t)'"
        case let .invalidEntry(l, t): "line \(l): invalid entry '\(t)'"
        case let .indexOutOfRange(l, r, c): "line \(l): index (\(r), \(c)) out of range (indices are 1-based)"
        case let .nonFiniteValue(l): "line \(l): value is not finite"
        case let .wrongEntryCount(l, e, f): "line \(l): file declares \(e) entries but holds \(f)"
        case let .notAVector(m, n): "expected a vector (n×1), found a \(m)×\(n) matrix"
        case let .tooLarge(l, d): "line \(l): \(d)"
        }
    }
}

/// Reader and writer for the NIST Matrix Market exchange format.
///
/// Supported: `matrix coordinate real|integer|pattern general|symmetric` and, for vectors,
/// `matrix array real|integer general` (column-major). Symmetric files store the lower triangle;
/// reading mirrors it. Pattern entries read as 1.
///
/// Complexity: O(file size + nnz log(row length)).
/// References: R. F. Boisvert, R. Pozo, K. Remington, "The Matrix Market exchange formats: initial design",
/// NIST IR 5935, 1996.
public enum MatrixMarket {
    enum Field { case real, integer, pattern }
    enum Symmetry { case general, symmetric }

    /// Reads a sparse matrix (coordinate format; an array file is read as a dense matrix).
    public static func readMatrix(path: String) throws -> CSRMatrix {
        try parseMatrix(text: readText(path))
    }

    /// Reads a vector: an `array` file with one column, or a coordinate n×1 matrix.
    public static func readVector(path: String) throws -> [Double] {
        try parseVector(text: readText(path))
    }

    /// Parses Matrix Market text into a CSR matrix.
    public static func parseMatrix(text: String) throws -> CSRMatrix {
        var lines = LineReader(text: text)
        let (isArray, field, symmetry) = try parseHeader(&lines)
        guard let (sizeLine, sizeText) = lines.nextContentLine() else {
            throw MatrixMarketError.invalidSizeLine(line: lines.lineNumber + 1, text: "")
        }
        let sizes = sizeText.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { Int($0) }
        if isArray {
            guard sizes.count == 2, let m = sizes[0], let n = sizes[1], m >= 0, n >= 0 else {
                throw MatrixMarketError.invalidSizeLine(line: sizeLine, text: String(sizeText))
            }
            if symmetry == .symmetric && m != n { throw MatrixMarketError.invalidSizeLine(line: sizeLine, text: String(sizeText)) }
            // n(n+1)/2 entries of a symmetric matrix (bounded by n·(n/2+1) to check overflow), m·n otherwise.
            let expectedEntries = try sizeChecked(line: sizeLine) { () throws(MemoryBudgetError) -> Int in
                let entries: Int
                if symmetry == .symmetric {
                    _ = try MemoryBudget.product([n, n / 2 + 1], what: "the Matrix Market array \(m)×\(n)")
                    entries = n % 2 == 0 ? (n / 2) * (n + 1) : n * ((n + 1) / 2)
                } else {
                    entries = try MemoryBudget.product([m, n], what: "the Matrix Market array \(m)×\(n)")
                }
                // Every value line has at least two characters, so the text bounds what is stored.
                try checkDimensions(m, n, entries: min(entries, text.utf8.count / 2 + 1))
                return entries
            }
            var coo = COOMatrix(rowCount: m, columnCount: n)
            var count = 0
            var i = 0, j = 0
            while let (lineNo, t) = lines.nextContentLine() {
                let parts = t.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard parts.count == 1, let v = Double(parts[0]) else { throw MatrixMarketError.invalidEntry(line: lineNo, text: String(t)) }
                guard v.isFinite else { throw MatrixMarketError.nonFiniteValue(line: lineNo) }
                guard count < expectedEntries else { throw MatrixMarketError.wrongEntryCount(line: lineNo, expected: expectedEntries, found: count + 1) }
                if v != 0 {
                    coo.appendUnchecked(row: i, column: j, value: v)
                    if symmetry == .symmetric && i != j { coo.appendUnchecked(row: j, column: i, value: v) }
                }
                count += 1
                // Column-major order (the lower triangle, rows j…n−1 of column j, when symmetric).
                i += 1
                if i == m { j += 1; i = symmetry == .symmetric ? j : 0 }
            }
            guard count == expectedEntries else { throw MatrixMarketError.wrongEntryCount(line: lines.lineNumber, expected: expectedEntries, found: count) }
            return coo.csr()
        }
        guard sizes.count == 3, let m = sizes[0], let n = sizes[1], let nnz = sizes[2], m >= 0, n >= 0, nnz >= 0 else {
            throw MatrixMarketError.invalidSizeLine(line: sizeLine, text: String(sizeText))
        }
        if symmetry == .symmetric && m != n { throw MatrixMarketError.invalidSizeLine(line: sizeLine, text: String(sizeText)) }
        // Every entry line has at least four characters ("1 1\n"), so the text bounds what is stored.
        let storedBound = min(nnz, text.utf8.count / 4 + 1)
        let stored = symmetry == .symmetric ? 2 * storedBound : storedBound
        try sizeChecked(line: sizeLine) { () throws(MemoryBudgetError) in try checkDimensions(m, n, entries: stored) }
        var coo = COOMatrix(rowCount: m, columnCount: n)
        coo.reserveCapacity(stored)
        var count = 0
        while let (lineNo, t) = lines.nextContentLine() {
            let parts = t.split(whereSeparator: { $0 == " " || $0 == "\t" })
            let needed = field == .pattern ? 2 : 3
            guard parts.count == needed, let i = Int(parts[0]), let j = Int(parts[1]) else {
                throw MatrixMarketError.invalidEntry(line: lineNo, text: String(t))
            }
            var v = 1.0
            if field != .pattern {
                if field == .integer {
                    guard let iv = Int(parts[2]) else { throw MatrixMarketError.invalidEntry(line: lineNo, text: String(t)) }
                    v = Double(iv)
                } else {
                    guard let dv = Double(parts[2]) else { throw MatrixMarketError.invalidEntry(line: lineNo, text: String(t)) }
                    v = dv
                }
            }
            guard v.isFinite else { throw MatrixMarketError.nonFiniteValue(line: lineNo) }
            guard i >= 1, i <= m, j >= 1, j <= n else { throw MatrixMarketError.indexOutOfRange(line: lineNo, row: i, column: j) }
            count += 1
            guard count <= nnz else { throw MatrixMarketError.wrongEntryCount(line: lineNo, expected: nnz, found: count) }
            coo.appendUnchecked(row: i - 1, column: j - 1, value: v)
            if symmetry == .symmetric && i != j { coo.appendUnchecked(row: j - 1, column: i - 1, value: v) }
        }
        guard count == nnz else { throw MatrixMarketError.wrongEntryCount(line: lines.lineNumber, expected: nnz, found: count) }
        return coo.csr()
    }

    /// Parses a vector from Matrix Market text.
    public static func parseVector(text: String) throws -> [Double] {
        let a = try parseMatrix(text: text)
        guard a.columnCount == 1 else { throw MatrixMarketError.notAVector(rowCount: a.rowCount, columnCount: a.columnCount) }
        var x = [Double](repeating: 0, count: a.rowCount)
        for i in 0..<a.rowCount where a.rowOffsets[i + 1] > a.rowOffsets[i] { x[i] = a.values[a.rowOffsets[i]] }
        return x
    }

    /// Matrix Market text of a matrix (`coordinate real`; `symmetric` writes the lower triangle).
    public static func text(of a: CSRMatrix, symmetric: Bool = false) -> String {
        precondition(!symmetric || a.isSquare, "MatrixMarket: a symmetric matrix must be square")
        var out = "%%MatrixMarket matrix coordinate real \(symmetric ? "symmetric" : "general")\n"
        var entries = 0
        if symmetric {
            for i in 0..<a.rowCount { for k in a.rowOffsets[i]..<a.rowOffsets[i + 1] where a.columnIndices[k] <= i { entries += 1 } }
        } else { entries = a.entryCount }
        out += "\(a.rowCount) \(a.columnCount) \(entries)\n"
        out.reserveCapacity(out.utf8.count + entries * 32)
        for i in 0..<a.rowCount {
            for k in a.rowOffsets[i]..<a.rowOffsets[i + 1] where !symmetric || a.columnIndices[k] <= i {
                out += "\(i + 1) \(a.columnIndices[k] + 1) \(a.values[k])\n"
            }
        }
        return out
    }

    /// Matrix Market text of a vector (`array real general`, one column).
    public static func text(of x: [Double]) -> String {
        var out = "%%MatrixMarket matrix array real general\n\(x.count) 1\n"
        out.reserveCapacity(x.count * 24 + 64)
        for v in x { out += "\(v)\n" }
        return out
    }

    /// Writes a matrix atomically (temporary file, then rename).
    public static func write(_ a: CSRMatrix, path: String, symmetric: Bool = false) throws {
        try writeText(text(of: a, symmetric: symmetric), path: path)
    }

    /// Writes a vector atomically.
    public static func write(_ x: [Double], path: String) throws {
        try writeText(text(of: x), path: path)
    }

    // MARK: Internals

    /// Runs a size computation, reporting its failure as `tooLarge` on `line`.
    static func sizeChecked<T>(line: Int, _ body: () throws(MemoryBudgetError) -> T) throws(MatrixMarketError) -> T {
        do { return try body() } catch { throw .tooLarge(line: line, detail: error.description) }
    }

    /// Checks that an m×n matrix with `entries` stored entries fits in memory: CSR row offsets
    /// (m + 1), a solution and right-hand side (m + n values) and the triplets (3 words each).
    static func checkDimensions(_ m: Int, _ n: Int, entries: Int) throws(MemoryBudgetError) {
        let what = "a \(m)×\(n) matrix"
        let (rowsPlusOne, overflow) = m.addingReportingOverflow(1)
        guard !overflow else { throw .overflow(what: what, factors: [m, 1]) }
        let (vectors, overflowVectors) = rowsPlusOne.addingReportingOverflow(n)
        guard !overflowVectors else { throw .overflow(what: what, factors: [m, n]) }
        let triplets = try MemoryBudget.product([entries, 3], what: what)
        let (words, overflowWords) = vectors.addingReportingOverflow(triplets)
        guard !overflowWords else { throw .overflow(what: what, factors: [vectors, triplets]) }
        try MemoryBudget().require(bytes: MemoryBudget.bytes(elements: words, bytesPerElement: 8, what: what), what: what)
    }

    static func readText(_ path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw MatrixMarketError.cannotRead(path: path, reason: "no such file") }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let s = String(data: data, encoding: .utf8) else { throw MatrixMarketError.cannotRead(path: path, reason: "not UTF-8 text") }
            return s
        } catch let e as MatrixMarketError { throw e } catch {
            throw MatrixMarketError.cannotRead(path: path, reason: error.localizedDescription)
        }
    }

    static func writeText(_ s: String, path: String) throws {
        do { try Data(s.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw MatrixMarketError.cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    static func parseHeader(_ lines: inout LineReader) throws -> (isArray: Bool, Field, Symmetry) {
        guard let first = lines.next() else { throw MatrixMarketError.invalidHeader(line: 1, text: "") }
        let words = first.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.count == 5, words[0] == "%%matrixmarket" else { throw MatrixMarketError.invalidHeader(line: 1, text: String(first)) }
        guard words[1] == "matrix" else { throw MatrixMarketError.unsupported(line: 1, feature: words[1]) }
        let isArray: Bool
        switch words[2] { case "coordinate": isArray = false; case "array": isArray = true
        default: throw MatrixMarketError.unsupported(line: 1, feature: words[2]) }
        let field: Field
        switch words[3] { case "real", "double": field = .real; case "integer": field = .integer; case "pattern": field = .pattern
        default: throw MatrixMarketError.unsupported(line: 1, feature: words[3]) }
        if isArray && field == .pattern { throw MatrixMarketError.unsupported(line: 1, feature: "array pattern") }
        let symmetry: Symmetry
        switch words[4] { case "general": symmetry = .general; case "symmetric": symmetry = .symmetric
        default: throw MatrixMarketError.unsupported(line: 1, feature: words[4]) }
        return (isArray, field, symmetry)
    }

    struct LineReader {
        var lines: [Substring]
        var index = 0
        init(text: String) { lines = text.split(separator: "\n", omittingEmptySubsequences: false) }
        var lineNumber: Int { index }
        mutating func next() -> Substring? {
            guard index < lines.count else { return nil }
            defer { index += 1 }
            var l = lines[index]
            if l.hasSuffix("\r") { l = l.dropLast() }
            return l
        }
        /// Next line that is neither blank nor a comment, with its 1-based number.
        mutating func nextContentLine() -> (Int, Substring)? {
            while let l = next() {
                let t = l.drop(while: { $0 == " " || $0 == "\t" })
                if t.isEmpty || t.hasPrefix("%") { continue }
                return (index, t)
            }
            return nil
        }
    }
}
