import Foundation
import Testing
import SparseSolvers

/// PDEKit's Matrix Market reading against SciPy's (`scipy.io.mmread`, fast_matrix_market) bit for
/// bit: the files of Tests/Fixtures/matrix-market and SciPy's CSR of each were written by
/// `bench/peers/amg_mm_fixture.py make` (values in many spellings, exact midpoints between doubles,
/// subnormals, duplicates). With PDEKIT_MM_REFERENCE_DIR set, every FILE.mtx there that has a
/// FILE.csr.txt (`amg_mm_fixture.py reference FILE.mtx`) is compared too, e.g. the benchmark matrices.
@Suite struct MatrixMarketScipyValueTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/matrix-market")

    /// SciPy's CSR from a `.csr.txt` file: "rows columns entries", then "row column 0xBITS" per entry.
    static func scipyMatrix(path: String) throws -> (rows: Int, columns: Int, entries: [(Int, Int, UInt64)]) {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n")
        let header = lines.removeFirst().split(separator: " ").compactMap { Int($0) }
        try #require(header.count == 3 && header[2] == lines.count)
        let entries = try lines.map { line -> (Int, Int, UInt64) in
            let parts = line.split(separator: " ")
            try #require(parts.count == 3 && parts[2].hasPrefix("0x"))
            return (try #require(Int(parts[0])), try #require(Int(parts[1])), try #require(UInt64(parts[2].dropFirst(2), radix: 16)))
        }
        return (header[0], header[1], entries)
    }

    /// Every difference between PDEKit's reading of `matrixPath` and SciPy's (empty when identical).
    static func differences(matrixPath: String, referencePath: String) throws -> [String] {
        let a = try MatrixMarket.readMatrix(path: matrixPath)
        let reference = try scipyMatrix(path: referencePath)
        guard a.rowCount == reference.rows, a.columnCount == reference.columns else {
            return ["size \(a.rowCount)×\(a.columnCount) vs SciPy \(reference.rows)×\(reference.columns)"]
        }
        guard a.entryCount == reference.entries.count else { return ["\(a.entryCount) entries vs SciPy \(reference.entries.count)"] }
        var found: [String] = []
        var k = 0
        for i in 0..<a.rowCount {
            for slot in a.rowOffsets[i]..<a.rowOffsets[i + 1] {
                let (row, column, bits) = reference.entries[k]
                if row != i || column != a.columnIndices[slot] || bits != a.values[slot].bitPattern {
                    found.append("entry \(k): PDEKit (\(i), \(a.columnIndices[slot])) \(a.values[slot]) vs SciPy (\(row), \(column)) \(Double(bitPattern: bits))")
                    if found.count == 10 { return found }
                }
                k += 1
            }
        }
        return found
    }

    /// The `.mtx` files with a SciPy reference: the fixtures, and those in PDEKIT_MM_REFERENCE_DIR.
    static func matrixFiles() -> [String] {
        var files = ["decimals", "symmetric"].map { fixtures.appendingPathComponent("\($0).mtx").path }
        if let directory = ProcessInfo.processInfo.environment["PDEKIT_MM_REFERENCE_DIR"],
           let names = try? FileManager.default.contentsOfDirectory(atPath: directory) {
            files += names.filter { $0.hasSuffix(".csr.txt") }.sorted()
                .map { (directory as NSString).appendingPathComponent(String($0.dropLast(".csr.txt".count))) + ".mtx" }
        }
        return files
    }

    @Test(arguments: matrixFiles())
    func valuesAndPatternMatchScipyBitForBit(matrixPath: String) throws {
        let differences = try Self.differences(matrixPath: matrixPath, referencePath: String(matrixPath.dropLast(4)) + ".csr.txt")
        #expect(differences.isEmpty, "\(differences)")
    }
}
