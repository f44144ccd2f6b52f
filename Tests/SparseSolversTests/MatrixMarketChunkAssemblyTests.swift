import Foundation
import Testing
import SparseSolvers

/// The reader's parallel paths: chunks that each count and scatter their own entries (symmetric
/// mirroring, unsorted rows, duplicates across chunks), the 8-byte digit scanner at every length and
/// at the very end of the buffer, and a file holding more entries than it declares.
@Suite struct MatrixMarketChunkAssemblyTests {
    @Test func symmetricFileInManyChunksMatchesTheMirroredMatrix() throws {
        // B + Bᵀ of a random B: the writer stores the lower triangle (about 3 MB, so several chunks).
        let b = MatrixMarketFastReaderTests.randomMatrix(rows: 20_000, columns: 20_000, perRow: 4, seed: 3)
        var sum = COOMatrix(rowCount: b.rowCount, columnCount: b.columnCount)
        let bt = b.transposed()
        for m in [b, bt] {
            for i in 0..<m.rowCount {
                for k in m.rowOffsets[i]..<m.rowOffsets[i + 1] { try sum.append(row: i, column: m.columnIndices[k], value: m.values[k]) }
            }
        }
        let a = sum.csr()
        let text = MatrixMarket.text(of: a, symmetric: true)
        #expect(text.utf8.count > 2 << 20)
        let read = try MatrixMarket.parseMatrix(text: text)
        #expect(read.rowOffsets == a.rowOffsets && read.columnIndices == a.columnIndices)
        #expect(zip(read.values, a.values).allSatisfy { $0.bitPattern == $1.bitPattern })
    }

    @Test func unsortedRowsAndDuplicatesAcrossChunksAreSummedAsCOODoes() throws {
        // Entries in random order, many positions twice (possibly in different chunks); values are
        // small integers, so every order of summation gives the same double.
        var random = TestRandom(seed: 11)
        let rows = 5_000, columns = 3_000, count = 200_000
        var coo = COOMatrix(rowCount: rows, columnCount: columns)
        var lines = ["%%MatrixMarket matrix coordinate integer general", "\(rows) \(columns) \(count)"]
        for _ in 0..<count {
            let i = Int((random.next() + 1) / 2 * Double(rows)) % rows
            let j = Int((random.next() + 1) / 2 * Double(columns)) % columns
            let v = Int(random.next() * 1000)
            try coo.append(row: i, column: j, value: Double(v))
            lines.append("\(i + 1) \(j + 1) \(v)")
        }
        let text = lines.joined(separator: "\n") + "\n"
        #expect(text.utf8.count > 2 << 20)
        let read = try MatrixMarket.parseMatrix(text: text)
        let expected = coo.csr()
        #expect(read.rowOffsets == expected.rowOffsets && read.columnIndices == expected.columnIndices && read.values == expected.values)
    }

    @Test func integersOfEveryLengthIncludingAtTheEndOfTheBuffer() throws {
        // Values of 1 to 18 digits (signs, leading zeros), each also as the file's last bytes with no
        // line end, where fewer than 8 bytes remain.
        for digits in 1...18 {
            let magnitude = String(repeating: "9876543210", count: 2).prefix(digits)
            for text in [String(magnitude), "-" + magnitude, "+" + magnitude, "00" + magnitude.dropFirst(min(2, digits - 1))] {
                let expected = try #require(Int(text.hasPrefix("+") ? String(text.dropFirst()) : text))
                let file = "%%MatrixMarket matrix coordinate integer general\n3 1 2\n1 1 \(text)\n3 1 \(text)"
                let a = try MatrixMarket.parseMatrix(text: file)
                #expect(a.values == [Double(expected), Double(expected)], "\(text)")
            }
        }
        // 19 digits do not fit the integer scanner: an invalid entry, not a wrapped value.
        #expect(throws: MatrixMarketError.invalidEntry(line: 3, text: "1 1 1234567890123456789")) {
            try MatrixMarket.parseMatrix(text: "%%MatrixMarket matrix coordinate integer general\n1 1 1\n1 1 1234567890123456789\n")
        }
    }

    @Test func moreEntriesThanDeclaredIsAWrongCountOnTheExtraLine() {
        #expect(throws: MatrixMarketError.wrongEntryCount(line: 5, expected: 2, found: 3)) {
            try MatrixMarket.parseMatrix(text: "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2 2 2\n1 2 3\n")
        }
    }

    @Test func emptyMatricesHaveNoEntriesAndTheirSizes() throws {
        for (text, rows, columns) in [("%%MatrixMarket matrix coordinate real general\n0 0 0\n", 0, 0),
                                      ("%%MatrixMarket matrix coordinate real general\n3 5 0\n", 3, 5),
                                      ("%%MatrixMarket matrix coordinate pattern symmetric\n4 4 0", 4, 4)] {
            let a = try MatrixMarket.parseMatrix(text: text)
            #expect(a.rowCount == rows && a.columnCount == columns && a.entryCount == 0 && a.rowOffsets == [Int](repeating: 0, count: rows + 1))
        }
    }
}
