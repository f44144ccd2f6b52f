import Foundation
import RunSupport

/// The body of a `matrix coordinate` Matrix Market file parsed in parallel straight from its bytes,
/// then assembled into CSR.
///
/// ```
/// split the body at line ends into T chunks (T = min(cores, bytes / 1 MiB), at most 8)
/// chunk c (one thread each): lines "i j [v]" → triplet arrays sized by the chunk's line count
///         (no per-line allocation: arrays reserved for the chunk's share of the declared entries;
///         numbers by `DecimalScanner`, correctly rounded)
/// assemble: row counts (mirrored entries for symmetric / skew-symmetric) → prefix sums → scatter;
///           rows are sorted by column (in parallel, only rows that are not sorted already) and
///           duplicates summed
/// ```
/// A parse error is found with its byte offset and turned into a line number only then (a count of
/// line ends before it), so the hot loop keeps no line counter.
///
/// Complexity: O(bytes / T + nnz) time, 3 words per stored entry. Reference: NIST IR 5935 (format).
struct MatrixMarketCoordinateReader {
    enum EntryField { case real, integer, pattern }
    enum EntrySymmetry { case general, symmetric, skewSymmetric }

    let rowCount: Int
    let columnCount: Int
    let declaredEntries: Int
    let field: EntryField
    let symmetry: EntrySymmetry

    /// One chunk's triplets (1-based indices checked, stored 0-based).
    struct Chunk {
        var rows: [Int] = []
        var columns: [Int] = []
        var values: [Double] = []
        /// Byte offset and kind of the first bad entry, if any.
        var failure: (offset: Int, kind: FailureKind)?
        /// Offset of the start of the last line holding an entry.
        var lastEntryOffset = 0
    }

    enum FailureKind: Equatable { case invalid, nonFinite, outOfRange(Int, Int), diagonalInSkew }

    /// Parses the bytes [bodyStart, bytes.count) and returns the CSR matrix.
    func read(_ bytes: UnsafeRawBufferPointer, bodyStart: Int) throws -> CSRMatrix {
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let end = bytes.count
        let bodyLength = end - bodyStart
        let chunkCount = max(1, min(ProcessThreads.available, 8, bodyLength / (1 << 20)))
        // Chunk starts: just after a line end at or beyond the nominal split point.
        var starts = [bodyStart]
        for c in 1..<max(chunkCount, 1) {
            var p = bodyStart + bodyLength / chunkCount * c
            if p <= starts[c - 1] { p = starts[c - 1] }
            while p < end, base[p - 1] != 0x0A { p += 1 }
            starts.append(p)
        }
        starts.append(end)
        var chunks = [Chunk](repeating: Chunk(), count: chunkCount)
        let chunkStarts = starts
        let bytePointer = SendablePointer(UnsafeMutablePointer(mutating: base))
        chunks.withUnsafeMutableBufferPointer { chunkBuffer in
            let buffer = SendablePointer(chunkBuffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: chunkCount) { c in
                buffer.pointer[c] = parseChunk(UnsafePointer(bytePointer.pointer), from: chunkStarts[c], to: chunkStarts[c + 1], bodyLength: bodyLength)
            }
        }
        // The first failure in file order.
        for chunk in chunks {
            if let failure = chunk.failure { throw error(for: failure, base, end) }
        }
        let found = chunks.reduce(0) { $0 + $1.rows.count }
        guard found == declaredEntries else {
            let lastOffset = chunks.last { !$0.rows.isEmpty }?.lastEntryOffset ?? bodyStart
            throw MatrixMarketError.wrongEntryCount(line: found > declaredEntries ? lineNumber(at: lastOffset, base) : lineNumber(at: end, base),
                                                    expected: declaredEntries, found: found)
        }
        return assemble(chunks)
    }

    /// Parses the lines of [start, stop).
    func parseChunk(_ base: UnsafePointer<UInt8>, from start: Int, to stop: Int, bodyLength: Int) -> Chunk {
        var chunk = Chunk()
        // The chunk's share of the declared entries (lines have similar lengths), with 2 % to spare,
        // never more than its bytes can hold (an entry line has at least 4: "1 1\n"); the arrays grow
        // if a chunk holds more.
        let share = Double(declaredEntries) * Double(stop - start) / Double(max(bodyLength, 1))
        let capacity = min(declaredEntries, (stop - start) / 4 + 1, Int(min(share * 1.02, 1e15)) + 16)
        chunk.rows.reserveCapacity(capacity)
        chunk.columns.reserveCapacity(capacity)
        if field != .pattern { chunk.values.reserveCapacity(capacity) }
        let m = rowCount, n = columnCount
        var p = start
        while p < stop {
            let lineStart = p
            while p < stop, base[p] == 0x20 || base[p] == 0x09 { p += 1 }
            if p == stop { break }
            let first = base[p]
            if first == 0x0A || first == 0x0D || first == 0x25 {   // blank line, CR, or a % comment
                while p < stop, base[p] != 0x0A { p += 1 }
                p += 1
                continue
            }
            guard let i = DecimalScanner.integer(base, &p, stop), p < stop, base[p] == 0x20 || base[p] == 0x09 else {
                chunk.failure = (lineStart, .invalid); return chunk
            }
            while p < stop, base[p] == 0x20 || base[p] == 0x09 { p += 1 }
            guard let j = DecimalScanner.integer(base, &p, stop) else { chunk.failure = (lineStart, .invalid); return chunk }
            var value = 1.0
            if field != .pattern {
                guard p < stop, base[p] == 0x20 || base[p] == 0x09 else { chunk.failure = (lineStart, .invalid); return chunk }
                while p < stop, base[p] == 0x20 || base[p] == 0x09 { p += 1 }
                if field == .integer {
                    guard let v = DecimalScanner.integer(base, &p, stop) else { chunk.failure = (lineStart, .invalid); return chunk }
                    value = Double(v)
                } else {
                    guard let v = DecimalScanner.double(base, &p, stop) else { chunk.failure = (lineStart, .invalid); return chunk }
                    value = v
                }
            }
            while p < stop, base[p] == 0x20 || base[p] == 0x09 || base[p] == 0x0D { p += 1 }
            guard p == stop || base[p] == 0x0A else { chunk.failure = (lineStart, .invalid); return chunk }
            p += 1
            guard value.isFinite else { chunk.failure = (lineStart, .nonFinite); return chunk }
            guard i >= 1, i <= m, j >= 1, j <= n else { chunk.failure = (lineStart, .outOfRange(i, j)); return chunk }
            if symmetry == .skewSymmetric, i == j { chunk.failure = (lineStart, .diagonalInSkew); return chunk }
            chunk.rows.append(i - 1)
            chunk.columns.append(j - 1)
            if field != .pattern { chunk.values.append(value) }
            chunk.lastEntryOffset = lineStart
            if chunk.rows.count > declaredEntries { return chunk }   // too many already: the count check reports it
        }
        return chunk
    }

    /// CSR from the chunks' triplets: counting sort by row, then each row sorted by column with
    /// duplicates summed.
    func assemble(_ chunks: [Chunk]) -> CSRMatrix {
        let m = rowCount
        let mirrored = symmetry != .general
        let skewSign = symmetry == .skewSymmetric ? -1.0 : 1.0
        var offsets = [Int](repeating: 0, count: m + 1)
        for chunk in chunks {
            for k in 0..<chunk.rows.count {
                offsets[chunk.rows[k] + 1] += 1
                if mirrored, chunk.rows[k] != chunk.columns[k] { offsets[chunk.columns[k] + 1] += 1 }
            }
        }
        for i in 0..<m { offsets[i + 1] += offsets[i] }
        let stored = offsets[m]
        var columns = [Int](repeating: 0, count: stored)
        var values = [Double](repeating: 0, count: stored)
        var next = offsets
        for chunk in chunks {
            let pattern = chunk.values.isEmpty
            for k in 0..<chunk.rows.count {
                let i = chunk.rows[k], j = chunk.columns[k], v = pattern ? 1.0 : chunk.values[k]
                columns[next[i]] = j; values[next[i]] = v; next[i] += 1
                if mirrored, i != j { columns[next[j]] = i; values[next[j]] = skewSign * v; next[j] += 1 }
            }
        }
        // Sort rows that are not sorted and sum duplicates in place (new lengths in `next`).
        let threads = max(1, min(ProcessThreads.available, 8, stored / 200_000))
        var lengths = [Int](repeating: 0, count: m)
        let rowStarts = offsets
        columns.withUnsafeMutableBufferPointer { cp in
            values.withUnsafeMutableBufferPointer { vp in
                lengths.withUnsafeMutableBufferPointer { lp in
                    let cs = SendablePointer(cp.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
                    let vs = SendablePointer(vp.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
                    let ls = SendablePointer(lp.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
                    DispatchQueue.concurrentPerform(iterations: threads) { t in
                        let (cb, vb, lb) = (cs.pointer, vs.pointer, ls.pointer)
                        var scratch: [(Int, Double)] = []
                        for i in (m * t / threads)..<(m * (t + 1) / threads) {
                            let start = rowStarts[i], end = rowStarts[i + 1]
                            var sorted = true
                            var k = start + 1
                            while k < end { if cb[k - 1] >= cb[k] { sorted = false; break }; k += 1 }
                            if sorted { lb[i] = end - start; continue }
                            scratch.removeAll(keepingCapacity: true)
                            for k in start..<end { scratch.append((cb[k], vb[k])) }
                            scratch.sort { $0.0 < $1.0 }
                            var out = start
                            for (c, v) in scratch {
                                if out > start, cb[out - 1] == c { vb[out - 1] += v } else { cb[out] = c; vb[out] = v; out += 1 }
                            }
                            lb[i] = out - start
                        }
                    }
                }
            }
        }
        // Compact when duplicates were summed.
        var compacted = 0
        var newOffsets = offsets
        for i in 0..<m {
            let start = offsets[i]
            if compacted != start {
                for k in 0..<lengths[i] { columns[compacted + k] = columns[start + k]; values[compacted + k] = values[start + k] }
            }
            compacted += lengths[i]
            newOffsets[i + 1] = compacted
        }
        if compacted != stored {
            columns.removeLast(stored - compacted)
            values.removeLast(stored - compacted)
        }
        return CSRMatrix(rowCount: m, columnCount: columnCount, rowOffsets: newOffsets, columnIndices: columns, values: values)
    }

    /// The typed error of a chunk failure, with the 1-based line number and the line's text.
    func error(for failure: (offset: Int, kind: FailureKind), _ base: UnsafePointer<UInt8>, _ end: Int) -> MatrixMarketError {
        let line = lineNumber(at: failure.offset, base)
        switch failure.kind {
        case .invalid:
            var stop = failure.offset
            while stop < end, base[stop] != 0x0A, stop - failure.offset < 200 { stop += 1 }
            let text = String(decoding: UnsafeBufferPointer(start: base + failure.offset, count: stop - failure.offset), as: UTF8.self)
            return .invalidEntry(line: line, text: text.trimmingCharacters(in: .whitespacesAndNewlines))
        case .nonFinite: return .nonFiniteValue(line: line)
        case let .outOfRange(i, j): return .indexOutOfRange(line: line, row: i, column: j)
        case .diagonalInSkew: return .unsupported(line: line, feature: "a diagonal entry in a skew-symmetric file")
        }
    }

    /// 1-based line number of the byte at `offset`.
    func lineNumber(at offset: Int, _ base: UnsafePointer<UInt8>) -> Int {
        var line = 1
        for p in 0..<offset where base[p] == 0x0A { line += 1 }
        return line
    }
}
