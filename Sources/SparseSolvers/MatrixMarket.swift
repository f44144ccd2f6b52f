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
/// Supported: `matrix coordinate real|integer|pattern general|symmetric|skew-symmetric` and, for
/// vectors and small dense matrices, `matrix array real|integer general|symmetric` (column-major).
/// Symmetric and skew-symmetric files store one triangle; reading mirrors it (negated for skew).
/// Pattern entries read as 1. `complex` and `hermitian` files are refused with one line: PDEKit's
/// solvers are real.
///
/// Coordinate files are read from a memory map and parsed in parallel without per-line allocation
/// (`MatrixMarketCoordinateReader`, numbers correctly rounded by `DecimalScanner`); the writer
/// formats rows in parallel into one buffer and writes it atomically (`AtomicFile`), each value as
/// the shortest decimal that reads back to the same double.
///
/// Complexity: O(file size / cores + nnz). References: R. F. Boisvert, R. Pozo, K. Remington,
/// "The Matrix Market exchange formats: initial design", NIST IR 5935, 1996.
public enum MatrixMarket {
    enum Field { case real, integer, pattern }
    enum Symmetry { case general, symmetric, skewSymmetric }

    /// Reads a sparse matrix (coordinate format; an array file is read as a dense matrix).
    public static func readMatrix(path: String) throws -> CSRMatrix {
        let file = try MappedFile(path: path)
        return try file.withBytes { try parseMatrix(bytes: $0) }
    }

    /// Reads a vector: an `array` file with one column, or a coordinate n×1 matrix.
    public static func readVector(path: String) throws -> [Double] {
        try vector(of: readMatrix(path: path))
    }

    /// Parses Matrix Market text into a CSR matrix.
    public static func parseMatrix(text: String) throws -> CSRMatrix {
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBytes { try parseMatrix(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Parses Matrix Market bytes into a CSR matrix.
    public static func parseMatrix(bytes: UnsafeRawBufferPointer) throws -> CSRMatrix {
        guard bytes.count > 0 else { throw MatrixMarketError.invalidHeader(line: 1, text: "") }
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let end = bytes.count
        // The header line, then comment and blank lines, then the size line.
        var p = 0
        func nextLine() -> (start: Int, text: String)? {
            guard p < end else { return nil }
            let start = p
            while p < end, base[p] != 0x0A { p += 1 }
            var stop = p
            if stop > start, base[stop - 1] == 0x0D { stop -= 1 }
            if p < end { p += 1 }
            return (start, String(decoding: UnsafeBufferPointer(start: base + start, count: stop - start), as: UTF8.self))
        }
        guard let (_, headerText) = nextLine() else { throw MatrixMarketError.invalidHeader(line: 1, text: "") }
        let (isArray, field, symmetry) = try parseHeader(headerText)
        if isArray {
            return try parseArray(text: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<end]), as: UTF8.self))
        }
        var lineNumber = 1
        var sizeLine: (number: Int, text: Substring)?
        while let (_, line) = nextLine() {
            lineNumber += 1
            let t = line.drop(while: { $0 == " " || $0 == "\t" })
            if t.isEmpty || t.hasPrefix("%") { continue }
            sizeLine = (lineNumber, t)
            break
        }
        guard let (sizeLineNumber, sizeText) = sizeLine else { throw MatrixMarketError.invalidSizeLine(line: lineNumber + 1, text: "") }
        let sizes = sizeText.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { Int($0) }
        guard sizes.count == 3, let m = sizes[0], let n = sizes[1], let nnz = sizes[2], m >= 0, n >= 0, nnz >= 0 else {
            throw MatrixMarketError.invalidSizeLine(line: sizeLineNumber, text: String(sizeText))
        }
        if symmetry != .general && m != n { throw MatrixMarketError.invalidSizeLine(line: sizeLineNumber, text: String(sizeText)) }
        let reader = MatrixMarketCoordinateReader(
            rowCount: m, columnCount: n, declaredEntries: nnz,
            field: field == .pattern ? .pattern : field == .integer ? .integer : .real,
            symmetry: symmetry == .general ? .general : symmetry == .symmetric ? .symmetric : .skewSymmetric)
        // Every entry line has at least four characters ("1 1\n"), so the file bounds what is stored:
        // triplets (2 words with 32-bit indices, else 3), then the CSR (2 words per stored entry,
        // mirrored ones included), and row counters and cursors per counting group.
        let fileEntries = min(nnz, end / 4 + 1)
        // Counting groups: one per thread, more only past 2³² entries per group.
        let groups = MatrixMarketCoordinateReader.groupCount(rowCount: m, declaredEntries: nnz) + fileEntries >> 32
        try sizeChecked(line: sizeLineNumber) { () throws(MemoryBudgetError) in
            let what = "a \(m)×\(n) matrix"
            let tripletWords = try MemoryBudget.product([fileEntries, reader.fitsThirtyTwoBitIndices ? 2 : 3], what: what)
            let csrWords = try MemoryBudget.product([fileEntries, symmetry == .general ? 2 : 4], what: what)
            let (entryWords, overflow) = tripletWords.addingReportingOverflow(csrWords)
            guard !overflow else { throw .overflow(what: what, factors: [tripletWords, csrWords]) }
            // Per group: 32-bit row counters and a word per row for the cursors.
            try checkDimensions(m, n, rowCountArrays: MemoryBudget.product([groups, 2], what: what), entryWords: entryWords)
        }
        return try reader.read(bytes, bodyStart: p)
    }

    /// The dense `array` format (vectors and small matrices), line by line.
    static func parseArray(text: String) throws -> CSRMatrix {
        var lines = LineReader(text: text)
        let (_, _, symmetry) = try parseHeader(String(lines.next() ?? ""))
        if symmetry == .skewSymmetric { throw MatrixMarketError.unsupported(line: 1, feature: "array skew-symmetric") }
        guard let (sizeLine, sizeText) = lines.nextContentLine() else {
            throw MatrixMarketError.invalidSizeLine(line: lines.lineNumber + 1, text: "")
        }
        let sizes = sizeText.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { Int($0) }
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
            try checkDimensions(m, n, entryWords: MemoryBudget.product([min(entries, text.utf8.count / 2 + 1), 3], what: "the Matrix Market array \(m)×\(n)"))
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

    /// Parses a vector from Matrix Market text.
    public static func parseVector(text: String) throws -> [Double] {
        try vector(of: parseMatrix(text: text))
    }

    static func vector(of a: CSRMatrix) throws -> [Double] {
        guard a.columnCount == 1 else { throw MatrixMarketError.notAVector(rowCount: a.rowCount, columnCount: a.columnCount) }
        var x = [Double](repeating: 0, count: a.rowCount)
        for i in 0..<a.rowCount where a.rowOffsets[i + 1] > a.rowOffsets[i] { x[i] = a.values[a.rowOffsets[i]] }
        return x
    }

    /// Matrix Market text of a matrix (`coordinate real`; `symmetric` writes the lower triangle).
    public static func text(of a: CSRMatrix, symmetric: Bool = false) -> String {
        String(decoding: bytes(of: a, symmetric: symmetric), as: UTF8.self)
    }

    /// Matrix Market bytes of a matrix: rows formatted in parallel blocks, values as the shortest
    /// decimal that reads back to the same double.
    public static func bytes(of a: CSRMatrix, symmetric: Bool = false) -> [UInt8] {
        precondition(!symmetric || a.isSquare, "MatrixMarket: a symmetric matrix must be square")
        var entries = 0
        if symmetric {
            for i in 0..<a.rowCount { for k in a.rowOffsets[i]..<a.rowOffsets[i + 1] where a.columnIndices[k] <= i { entries += 1 } }
        } else { entries = a.entryCount }
        var out = Array("%%MatrixMarket matrix coordinate real \(symmetric ? "symmetric" : "general")\n\(a.rowCount) \(a.columnCount) \(entries)\n".utf8)
        let blocks = max(1, min(ProcessThreads.available, 8, a.entryCount / 100_000))
        var pieces = [[UInt8]](repeating: [], count: blocks)
        pieces.withUnsafeMutableBufferPointer { pp in
            let pieceBuffer = SendablePointer(pp.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: blocks) { t in
                let first = a.rowCount * t / blocks, last = a.rowCount * (t + 1) / blocks
                var piece: [UInt8] = []
                piece.reserveCapacity((a.rowOffsets[last] - a.rowOffsets[first]) * 32)
                for i in first..<last {
                    for k in a.rowOffsets[i]..<a.rowOffsets[i + 1] where !symmetric || a.columnIndices[k] <= i {
                        appendDecimal(i + 1, to: &piece)
                        piece.append(0x20)
                        appendDecimal(a.columnIndices[k] + 1, to: &piece)
                        piece.append(0x20)
                        piece.append(contentsOf: a.values[k].description.utf8)
                        piece.append(0x0A)
                    }
                }
                pieceBuffer.pointer[t] = piece
            }
        }
        out.reserveCapacity(out.count + pieces.reduce(0) { $0 + $1.count })
        for piece in pieces { out.append(contentsOf: piece) }
        return out
    }

    /// Appends the decimal digits of a non-negative integer.
    @inline(__always)
    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var v = value, count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat { d[count] = UInt8(0x30 + v % 10); v /= 10; count += 1 } while v > 0
            for k in stride(from: count - 1, through: 0, by: -1) { out.append(d[k]) }
        }
    }

    /// Matrix Market text of a vector (`array real general`, one column).
    public static func text(of x: [Double]) -> String {
        var out = "%%MatrixMarket matrix array real general\n\(x.count) 1\n"
        out.reserveCapacity(x.count * 24 + 64)
        for v in x { out += "\(v)\n" }
        return out
    }

    /// Writes a matrix atomically (a unique temporary in the same directory, then rename).
    public static func write(_ a: CSRMatrix, path: String, symmetric: Bool = false) throws {
        try writeBytes(bytes(of: a, symmetric: symmetric), path: path)
    }

    /// Writes a vector atomically.
    public static func write(_ x: [Double], path: String) throws {
        try writeBytes(Array(text(of: x).utf8), path: path)
    }

    // MARK: Internals

    /// Runs a size computation, reporting its failure as `tooLarge` on `line`.
    static func sizeChecked<T>(line: Int, _ body: () throws(MemoryBudgetError) -> T) throws(MatrixMarketError) -> T {
        do { return try body() } catch { throw .tooLarge(line: line, detail: error.description) }
    }

    /// Checks that reading an m×n matrix fits in memory: CSR row offsets (m + 1), a solution and
    /// right-hand side (m + n values), `rowCountArrays` arrays of m counters, and `entryWords`
    /// words for the entries (triplets and CSR).
    static func checkDimensions(_ m: Int, _ n: Int, rowCountArrays: Int = 0, entryWords: Int) throws(MemoryBudgetError) {
        let what = "a \(m)×\(n) matrix"
        let (rowsPlusOne, overflow) = m.addingReportingOverflow(1)
        guard !overflow else { throw .overflow(what: what, factors: [m, 1]) }
        let (vectors, overflowVectors) = rowsPlusOne.addingReportingOverflow(n)
        guard !overflowVectors else { throw .overflow(what: what, factors: [m, n]) }
        let counters = try MemoryBudget.product([rowsPlusOne, rowCountArrays], what: what)
        let (rowWords, overflowRows) = vectors.addingReportingOverflow(counters)
        guard !overflowRows else { throw .overflow(what: what, factors: [vectors, counters]) }
        let (words, overflowWords) = rowWords.addingReportingOverflow(entryWords)
        guard !overflowWords else { throw .overflow(what: what, factors: [rowWords, entryWords]) }
        try MemoryBudget().require(bytes: MemoryBudget.bytes(elements: words, bytesPerElement: 8, what: what), what: what)
    }

    static func writeBytes(_ bytes: [UInt8], path: String) throws {
        do { try AtomicFile.write(Data(bytes), to: URL(fileURLWithPath: path)) } catch {
            throw MatrixMarketError.cannotWrite(path: path, reason: error.description)
        }
    }

    /// The banner `%%MatrixMarket matrix <format> <field> <symmetry>`.
    static func parseHeader(_ first: String) throws -> (isArray: Bool, Field, Symmetry) {
        let words = first.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.count == 5, words[0] == "%%matrixmarket" else { throw MatrixMarketError.invalidHeader(line: 1, text: String(first.prefix(200))) }
        guard words[1] == "matrix" else { throw MatrixMarketError.unsupported(line: 1, feature: words[1]) }
        let isArray: Bool
        switch words[2] { case "coordinate": isArray = false; case "array": isArray = true
        default: throw MatrixMarketError.unsupported(line: 1, feature: words[2]) }
        let field: Field
        switch words[3] {
        case "real", "double": field = .real
        case "integer": field = .integer
        case "pattern": field = .pattern
        case "complex": throw MatrixMarketError.unsupported(line: 1, feature: "complex (PDEKit's solvers are real)")
        default: throw MatrixMarketError.unsupported(line: 1, feature: words[3]) }
        if isArray && field == .pattern { throw MatrixMarketError.unsupported(line: 1, feature: "array pattern") }
        let symmetry: Symmetry
        switch words[4] {
        case "general": symmetry = .general
        case "symmetric": symmetry = .symmetric
        case "skew-symmetric": symmetry = .skewSymmetric
        case "hermitian": throw MatrixMarketError.unsupported(line: 1, feature: "hermitian (PDEKit's solvers are real)")
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
