import Foundation
import RunSupport

/// The body of a `matrix coordinate` Matrix Market file parsed in parallel straight from its bytes,
/// then assembled into CSR in parallel.
///
/// ```
/// split:   the body at line ends into K chunks (`chunkCount`: about 4 per thread, ≥ 1 MiB each),
///          taken by the threads one after another (a thread slowed by other processes holds up
///          no other)
/// parse:   chunk c: lines "i j [v]" → `MatrixMarketTriplets` (32-bit indices when the sizes allow,
///          storage reserved for the most entries the chunk's bytes can hold, so it never moves;
///          numbers by `DecimalScanner`, correctly rounded, 8 digits at a time)
/// count:   G groups of consecutive chunks (`groupCount`: one per thread), in parallel:
///          counts_g[i] = entries group g puts in row i (mirrored entries of symmetric and
///          skew-symmetric files included), 32-bit
/// offsets: rowOffsets[i] = Σ_{i' < i} Σ_g counts_g[i'], and group g's first slot in row i is
///          rowOffsets[i] + Σ_{g' < g} counts_g'[i]: one pass over rows and groups
/// scatter: each group writes its entries to its own slots, in parallel, into CSR arrays that are
///          never zero-filled (file order within a row is kept, so files written row by row, or a
///          symmetric lower triangle column by column, give rows already sorted)
/// rows:    rows that are not sorted by column are sorted (in parallel) and duplicates summed
/// ```
/// The large arrays are mapped in one call per thread (`MatrixMarketTriplets.prefault`) rather than
/// faulted in page by page on first touch. A parse error is found with its byte offset and turned
/// into a line number only then (a count of line ends before it), so the hot loop keeps no line
/// counter.
///
/// Complexity: O(bytes / T + nnz + G·rows) time; memory 16 bytes per file entry (triplets), the CSR
/// arrays, and 12 bytes per row and group. Reference: NIST IR 5935 (format).
struct MatrixMarketCoordinateReader {
    enum EntryField { case real, integer, pattern }
    enum EntrySymmetry { case general, symmetric, skewSymmetric }

    let rowCount: Int
    let columnCount: Int
    let declaredEntries: Int
    let field: EntryField
    let symmetry: EntrySymmetry

    /// One chunk's entries, and where it stopped.
    struct Chunk<Index: FixedWidthInteger & UnsignedInteger> {
        let triplets: MatrixMarketTriplets<Index>
        /// Byte offset and kind of the first bad entry, if any.
        var failure: (offset: Int, kind: FailureKind)?
        /// Offset of the start of the last line holding an entry.
        var lastEntryOffset = 0
    }

    enum FailureKind: Equatable { case invalid, nonFinite, outOfRange(Int, Int), diagonalInSkew, outOfMemory }

    /// How many chunks a body of `bodyLength` bytes is parsed in: about 4 per thread (threads take
    /// the next chunk when done, so a thread that the machine's load slows down holds up no other),
    /// at least 1 MiB each, at most 32, and at least one per `maximumChunkBytes`.
    static func chunkCount(bodyLength: Int) -> Int {
        let threads = ProcessThreads.available
        let preferred = threads == 1 ? 1 : min(4 * threads, 32, bodyLength / (1 << 20))
        return max(1, preferred, bodyLength / maximumChunkBytes + 1)
    }

    /// How many groups of consecutive chunks count and scatter their entries (each group keeps a
    /// 32-bit counter and a cursor per row): one per thread, at most 8, and one when the matrix has
    /// fewer declared entries than rows; more only when a group would hold 2³² entries.
    static func groupCount(rowCount: Int, declaredEntries: Int) -> Int {
        declaredEntries >= rowCount ? max(1, min(ProcessThreads.available, 8)) : 1
    }

    /// 8 GiB: a chunk then holds fewer than 2³¹ entries (4 bytes or more each).
    static let maximumChunkBytes = 1 << 33

    /// Whether 0-based indices fit the 32-bit triplets.
    var fitsThirtyTwoBitIndices: Bool { rowCount <= Int(UInt32.max) && columnCount <= Int(UInt32.max) }

    /// Parses the bytes [bodyStart, bytes.count) and returns the CSR matrix.
    func read(_ bytes: UnsafeRawBufferPointer, bodyStart: Int) throws -> CSRMatrix {
        fitsThirtyTwoBitIndices ? try read(bytes, bodyStart: bodyStart, index: UInt32.self)
                                : try read(bytes, bodyStart: bodyStart, index: UInt64.self)
    }

    func read<Index: FixedWidthInteger & UnsignedInteger>(_ bytes: UnsafeRawBufferPointer, bodyStart: Int, index: Index.Type) throws -> CSRMatrix {
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let end = bytes.count
        let bodyLength = end - bodyStart
        let chunkCount = Self.chunkCount(bodyLength: bodyLength)
        // Chunk starts: just after a line end at or beyond the nominal split point.
        var starts = [bodyStart]
        for c in 1..<max(chunkCount, 1) {
            var p = bodyStart + bodyLength / chunkCount * c
            if p <= starts[c - 1] { p = starts[c - 1] }
            while p < end, base[p - 1] != 0x0A { p += 1 }
            starts.append(p)
        }
        starts.append(end)
        var chunks = [Chunk<Index>?](repeating: nil, count: chunkCount)
        let chunkStarts = starts
        let bytePointer = SendablePointer(UnsafeMutablePointer(mutating: base))
        chunks.withUnsafeMutableBufferPointer { chunkBuffer in
            let buffer = SendablePointer(chunkBuffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: chunkCount) { c in
                buffer.pointer[c] = parseChunk(UnsafePointer(bytePointer.pointer), from: chunkStarts[c], to: chunkStarts[c + 1],
                                               end: end, bodyLength: bodyLength, index: Index.self)
            }
        }
        let parsed = chunks.map { $0! }
        // The first failure in file order.
        for chunk in parsed {
            if let failure = chunk.failure { throw error(for: failure, base, end) }
        }
        let found = parsed.reduce(0) { $0 + $1.triplets.count }
        guard found == declaredEntries else {
            let lastOffset = parsed.last { $0.triplets.count > 0 }?.lastEntryOffset ?? bodyStart
            throw MatrixMarketError.wrongEntryCount(line: found > declaredEntries ? lineNumber(at: lastOffset, base) : lineNumber(at: end, base),
                                                    expected: declaredEntries, found: found)
        }
        return try assemble(parsed.map(\.triplets))
    }

    /// Parses the lines of [start, stop); `end` is the end of the whole buffer (numbers are read
    /// eight bytes at a time up to it).
    func parseChunk<Index: FixedWidthInteger & UnsignedInteger>(_ base: UnsafePointer<UInt8>, from start: Int, to stop: Int, end: Int,
                                                                bodyLength: Int, index: Index.Type) -> Chunk<Index> {
        // As many entries as the chunk's bytes can hold (an entry line has at least 4: "1 1\n"), at
        // most the declared count: address space only, as pages are given on first touch, and the
        // storage never has to move (a move copies what was read and touches new pages). It grows
        // only in a file with more entries than declared, found at the declared count plus one.
        let capacity = min(declaredEntries, (stop - start) / 4 + 1)
        var chunk = Chunk(triplets: MatrixMarketTriplets<Index>(capacity: capacity, storesValues: field != .pattern))
        guard chunk.triplets.isAllocated else { chunk.failure = (start, .outOfMemory); return chunk }
        let triplets = chunk.triplets
        // The pages of the chunk's share of the declared entries (lines have similar lengths), 2 % to spare.
        triplets.prefault(entries: Int(min(Double(declaredEntries) * Double(stop - start) / Double(max(bodyLength, 1)) * 1.02, 1e15)))
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
            // Numbers stop at the chunk's last line end; only the last chunk reaches `end`.
            guard let i = DecimalScanner.integer(base, &p, end), p < stop, base[p] == 0x20 || base[p] == 0x09 else {
                chunk.failure = (lineStart, .invalid); return chunk
            }
            while p < stop, base[p] == 0x20 || base[p] == 0x09 { p += 1 }
            guard let j = DecimalScanner.integer(base, &p, end) else { chunk.failure = (lineStart, .invalid); return chunk }
            var value = 1.0
            if field != .pattern {
                guard p < stop, base[p] == 0x20 || base[p] == 0x09 else { chunk.failure = (lineStart, .invalid); return chunk }
                while p < stop, base[p] == 0x20 || base[p] == 0x09 { p += 1 }
                if field == .integer {
                    guard let v = DecimalScanner.integer(base, &p, end) else { chunk.failure = (lineStart, .invalid); return chunk }
                    value = Double(v)
                } else {
                    guard let v = DecimalScanner.double(base, &p, end) else { chunk.failure = (lineStart, .invalid); return chunk }
                    value = v
                }
            }
            while p < stop, base[p] == 0x20 || base[p] == 0x09 || base[p] == 0x0D { p += 1 }
            guard p == stop || base[p] == 0x0A else { chunk.failure = (lineStart, .invalid); return chunk }
            p += 1
            guard value.isFinite else { chunk.failure = (lineStart, .nonFinite); return chunk }
            guard i >= 1, i <= m, j >= 1, j <= n else { chunk.failure = (lineStart, .outOfRange(i, j)); return chunk }
            if symmetry == .skewSymmetric, i == j { chunk.failure = (lineStart, .diagonalInSkew); return chunk }
            guard triplets.append(row: i - 1, column: j - 1, value: value) else { chunk.failure = (lineStart, .outOfMemory); return chunk }
            chunk.lastEntryOffset = lineStart
            if triplets.count > declaredEntries { return chunk }   // too many already: the count check reports it
        }
        return chunk
    }

    /// Consecutive chunks in `groupCount` groups of about equal entry counts, none with 2³² entries
    /// or more (as ranges of chunk indices).
    func groups<Index>(of chunks: [MatrixMarketTriplets<Index>]) -> [Range<Int>] {
        let total = chunks.reduce(0) { $0 + $1.count }
        let wanted = Self.groupCount(rowCount: rowCount, declaredEntries: declaredEntries)
        var groups: [Range<Int>] = []
        var start = 0, inGroup = 0, before = 0
        for (c, chunk) in chunks.enumerated() {
            let balanced = groups.count + 1 < wanted && before + inGroup >= total / wanted * (groups.count + 1)
            let full = inGroup > 0 && (balanced || inGroup + chunk.count >= Int(UInt32.max))
            if full { groups.append(start..<c); start = c; before += inGroup; inGroup = 0 }
            inGroup += chunk.count
        }
        groups.append(start..<chunks.count)
        return groups
    }

    /// CSR from the chunks' triplets, in parallel by groups of consecutive chunks: each group counts
    /// its entries per row, the row offsets and each group's first slot in every row follow, each
    /// group scatters its entries in file order, then rows are sorted by column where they are not
    /// already, with duplicates summed.
    func assemble<Index: FixedWidthInteger & UnsignedInteger>(_ chunks: [MatrixMarketTriplets<Index>]) throws -> CSRMatrix {
        let m = rowCount
        let mirrored = symmetry != .general
        let skewSign = symmetry == .skewSymmetric ? -1.0 : 1.0
        let groups = groups(of: chunks)
        // counts[g·m + i]: entries group g puts in row i (32-bit); cursors[g·m + i]: the slot of its next one.
        let (perGroup, overflow) = groups.count.multipliedReportingOverflow(by: max(m, 1))
        guard !overflow, let countMemory = calloc(perGroup, MemoryLayout<UInt32>.stride),
              let cursorMemory = malloc(perGroup * MemoryLayout<Int>.stride) else {
            throw MatrixMarketError.tooLarge(line: 1, detail: "not enough memory for \(groups.count) × \(m) row counters")
        }
        defer { free(countMemory); free(cursorMemory) }
        let countBase = SendablePointer(countMemory.assumingMemoryBound(to: UInt32.self))
        let cursorBase = cursorMemory.assumingMemoryBound(to: Int.self)
        DispatchQueue.concurrentPerform(iterations: groups.count) { g in
            let counts = countBase.pointer + g * m
            for c in groups[g] {
                let rows = chunks[c].rows.unsafelyUnwrapped, columns = chunks[c].columns.unsafelyUnwrapped
                for k in 0..<chunks[c].count {
                    let i = Int(truncatingIfNeeded: rows[k]), j = Int(truncatingIfNeeded: columns[k])
                    counts[i] &+= 1
                    if mirrored, i != j { counts[j] &+= 1 }
                }
            }
        }
        let counts = (0..<groups.count).map { countBase.pointer + $0 * m }
        let counters = (0..<groups.count).map { SendablePointer(cursorBase + $0 * m) }
        // Row offsets; each group's first slot in every row.
        let offsets = [Int](unsafeUninitializedCapacity: m + 1) { offsetBuffer, initialized in
            var total = 0
            for i in 0..<m {
                offsetBuffer[i] = total
                for g in 0..<counts.count {
                    counters[g].pointer[i] = total
                    total += Int(counts[g][i])
                }
            }
            offsetBuffer[m] = total
            initialized = m + 1
        }
        let stored = offsets[m]
        var lengths = [Int](repeating: 0, count: m)
        let threads = max(1, min(ProcessThreads.available, 8, stored / 200_000))
        var values: [Double] = []
        var columns = [Int](unsafeUninitializedCapacity: stored) { columnBuffer, columnsInitialized in
            values = [Double](unsafeUninitializedCapacity: stored) { valueBuffer, valuesInitialized in
                let cs = SendablePointer(columnBuffer.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
                let vs = SendablePointer(valueBuffer.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
                // Scatter: every slot is written exactly once (the counters sum to `stored`).
                DispatchQueue.concurrentPerform(iterations: groups.count) { g in
                    // This group's share of the pages, mapped in one call before the scatter touches them.
                    let first = stored / groups.count * g, last = g == groups.count - 1 ? stored : stored / groups.count * (g + 1)
                    MatrixMarketTriplets<Index>.prefault(cs.pointer + first, bytes: (last - first) * MemoryLayout<Int>.stride)
                    MatrixMarketTriplets<Index>.prefault(vs.pointer + first, bytes: (last - first) * MemoryLayout<Double>.stride)
                    let next = counters[g].pointer
                    let (cb, vb) = (cs.pointer, vs.pointer)
                    for c in groups[g] {
                        let triplets = chunks[c]
                        let rows = triplets.rows.unsafelyUnwrapped, columns = triplets.columns.unsafelyUnwrapped
                        let values = triplets.values
                        for k in 0..<triplets.count {
                            let i = Int(truncatingIfNeeded: rows[k]), j = Int(truncatingIfNeeded: columns[k])
                            let v = values?[k] ?? 1.0
                            let slot = next[i]
                            cb[slot] = j; vb[slot] = v; next[i] = slot + 1
                            if mirrored, i != j {
                                let mirror = next[j]
                                cb[mirror] = i; vb[mirror] = skewSign * v; next[j] = mirror + 1
                            }
                        }
                    }
                }
                // Sort rows that are not sorted and sum duplicates in place (new lengths in `lengths`).
                lengths.withUnsafeMutableBufferPointer { lp in
                    let ls = SendablePointer(lp.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
                    DispatchQueue.concurrentPerform(iterations: threads) { t in
                        let (cb, vb, lb) = (cs.pointer, vs.pointer, ls.pointer)
                        var scratch: [(Int, Double)] = []
                        for i in (m * t / threads)..<(m * (t + 1) / threads) {
                            let start = offsets[i], end = offsets[i + 1]
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
                valuesInitialized = stored
            }
            columnsInitialized = stored
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
        case .outOfMemory: return .tooLarge(line: line, detail: "not enough memory for the entries read so far")
        }
    }

    /// 1-based line number of the byte at `offset`.
    func lineNumber(at offset: Int, _ base: UnsafePointer<UInt8>) -> Int {
        var line = 1
        for p in 0..<offset where base[p] == 0x0A { line += 1 }
        return line
    }
}
