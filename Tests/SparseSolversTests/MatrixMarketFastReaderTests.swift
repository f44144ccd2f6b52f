import Foundation
import Testing
import SparseSolvers

/// The memory-mapped, parallel Matrix Market reader and the writer: exact round trips, every field
/// and symmetry, numbers against Foundation's `Double(String)` (strtod), and malformed files.
@Suite struct MatrixMarketFastReaderTests {
    /// A random sparse matrix whose values span many magnitudes (and include −0 and integers).
    static func randomMatrix(rows: Int, columns: Int, perRow: Int, seed: UInt64) -> CSRMatrix {
        var random = TestRandom(seed: seed)
        var coo = COOMatrix(rowCount: rows, columnCount: columns)
        for i in 0..<rows {
            for _ in 0..<perRow {
                let j = Int((random.next() + 1) / 2 * Double(columns)) % columns
                let exponent = Int(random.next() * 40)
                var value = random.next() * pow(10, Double(exponent))
                if j % 17 == 0 { value = Double(Int(value.truncatingRemainder(dividingBy: 1000))) }
                if j % 29 == 0 { value = -0.0 }
                try! coo.append(row: i, column: j, value: value)
            }
        }
        return coo.csr()
    }

    func bitEqual(_ a: CSRMatrix, _ b: CSRMatrix) -> Bool {
        a.rowCount == b.rowCount && a.columnCount == b.columnCount && a.rowOffsets == b.rowOffsets
            && a.columnIndices == b.columnIndices && zip(a.values, b.values).allSatisfy { $0.bitPattern == $1.bitPattern }
    }

    @Test func generalRoundTripIsBitExact() throws {
        // Large enough (about 3 MB) that the reader and the writer split the work into chunks.
        let a = Self.randomMatrix(rows: 20_000, columns: 15_000, perRow: 6, seed: 1)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mm-roundtrip-\(UUID().uuidString).mtx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try MatrixMarket.write(a, path: path)
        let b = try MatrixMarket.readMatrix(path: path)
        #expect(bitEqual(a, b))
    }

    @Test func symmetricRoundTripMirrorsTheLowerTriangle() throws {
        let a = ModelProblems.poisson2D(n: 30).addingToDiagonal(0.123456789012345678)
        let text = MatrixMarket.text(of: a, symmetric: true)
        #expect(text.hasPrefix("%%MatrixMarket matrix coordinate real symmetric\n900 900 "))
        #expect(bitEqual(try MatrixMarket.parseMatrix(text: text), a))
    }

    @Test func numbersAreCorrectlyRounded() throws {
        var random = TestRandom(seed: 5)
        var lines: [String] = []
        var expected: [Double] = []
        for k in 0..<4000 {
            let magnitude = pow(10, Double(Int(random.next() * 30)))
            let v = random.next() * magnitude
            // Printed with 17 significant digits, 16 digits, in fixed notation, and as long digit strings.
            let text: String
            switch k % 5 {
            case 0: text = String(format: "%.17g", v)
            case 1: text = String(format: "%.16e", v)
            case 2: text = String(format: "%.6f", v)
            case 3: text = String(format: "%.24e", v)       // more than 19 significant digits
            default: text = "\(Int64(v.truncatingRemainder(dividingBy: 1e15)))e\(Int(random.next() * 20))"
            }
            lines.append("\(k + 1) 1 \(text)")
            expected.append(Double(text)!)
        }
        let file = "%%MatrixMarket matrix coordinate real general\n4000 1 4000\n" + lines.joined(separator: "\n") + "\n"
        let a = try MatrixMarket.parseMatrix(text: file)
        for i in 0..<4000 {
            #expect(a.values[i].bitPattern == expected[i].bitPattern, "\(lines[i]): \(a.values[i]) vs \(expected[i])")
        }
    }

    @Test func integerPatternAndSkewSymmetricFiles() throws {
        let integer = try MatrixMarket.parseMatrix(text: "%%MatrixMarket matrix coordinate integer general\n% c\n2 3 3\n1 1 -7\n2 3 12\n 1 3 4 \r\n")
        #expect(integer[0, 0] == -7 && integer[1, 2] == 12 && integer[0, 2] == 4 && integer.entryCount == 3)
        let pattern = try MatrixMarket.parseMatrix(text: "%%MatrixMarket matrix coordinate pattern symmetric\n3 3 2\n2 1\n3 3\n")
        #expect(pattern[1, 0] == 1 && pattern[0, 1] == 1 && pattern[2, 2] == 1 && pattern.entryCount == 3)
        let skew = try MatrixMarket.parseMatrix(text: "%%MatrixMarket matrix coordinate real skew-symmetric\n3 3 2\n2 1 2.5\n3 2 -1e-3\n")
        #expect(skew[1, 0] == 2.5 && skew[0, 1] == -2.5 && skew[2, 1] == -1e-3 && skew[1, 2] == 1e-3)
        // Duplicates are summed and rows sorted by column.
        let duplicates = try MatrixMarket.parseMatrix(text: "%%MatrixMarket matrix coordinate real general\n2 3 4\n1 3 1\n1 1 2\n1 3 0.5\n2 2 1\n")
        #expect(duplicates.columnIndices == [0, 2, 1] && duplicates.values == [2, 1.5, 1])
    }

    @Test func complexAndHermitianAreRefusedWithOneLine() {
        for header in ["%%MatrixMarket matrix coordinate complex general", "%%MatrixMarket matrix coordinate real hermitian"] {
            #expect {
                try MatrixMarket.parseMatrix(text: header + "\n1 1 1\n1 1 1 0\n")
            } throws: { error in
                guard case MatrixMarketError.unsupported(line: 1, let feature) = error else { return false }
                return !String(describing: error).contains("\n") && (feature.contains("complex") || feature.contains("hermitian"))
            }
        }
    }

    @Test func malformedFilesAreTypedErrorsWithTheirLine() {
        let cases: [(String, MatrixMarketError)] = [
            ("", .invalidHeader(line: 1, text: "")),
            ("%%MatrixMarket vector coordinate real general\n", .unsupported(line: 1, feature: "vector")),
            ("%%MatrixMarket matrix coordinate real general\n2 2\n", .invalidSizeLine(line: 2, text: "2 2")),
            ("%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 x\n", .invalidEntry(line: 3, text: "1 1 x")),
            ("%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1 5\n", .invalidEntry(line: 3, text: "1 1 1 5")),
            ("%%MatrixMarket matrix coordinate real general\n2 2 1\n3 1 1\n", .indexOutOfRange(line: 3, row: 3, column: 1)),
            ("%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 nan\n", .nonFiniteValue(line: 3)),
            ("%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1e999\n", .nonFiniteValue(line: 3)),
            ("%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n", .wrongEntryCount(line: 4, expected: 2, found: 1)),
            ("%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n1 1 1\n", .unsupported(line: 3, feature: "a diagonal entry in a skew-symmetric file")),
            ("%%MatrixMarket matrix coordinate real symmetric\n2 3 1\n1 1 1\n", .invalidSizeLine(line: 2, text: "2 3 1")),
        ]
        for (text, expected) in cases {
            #expect(throws: expected, "\(text)") { try MatrixMarket.parseMatrix(text: text) }
        }
    }

    @Test func anErrorInALaterChunkNamesItsLine() {
        // Two chunks (over 2 MiB on a machine with 2 or more cores); a bad value on line 2 + 100001.
        var lines = ["%%MatrixMarket matrix coordinate real general", "120000 1 120000"]
        for i in 1...120000 { lines.append("\(i) 1 \(i == 100001 ? "1.5e+0q" : "0.33333333333333331")") }
        let text = lines.joined(separator: "\n") + "\n"
        #expect(text.utf8.count > 2 << 20)
        #expect(throws: MatrixMarketError.invalidEntry(line: 100003, text: "100001 1 1.5e+0q")) { try MatrixMarket.parseMatrix(text: text) }
    }

    @Test func missingFileAndDirectoryAreCannotRead() {
        #expect { try MatrixMarket.readMatrix(path: "/nonexistent/matrix.mtx") } throws: { error in
            if case MatrixMarketError.cannotRead = error { return true } else { return false }
        }
        #expect { try MatrixMarket.readMatrix(path: NSTemporaryDirectory()) } throws: { error in
            if case MatrixMarketError.cannotRead = error { return true } else { return false }
        }
    }
}
