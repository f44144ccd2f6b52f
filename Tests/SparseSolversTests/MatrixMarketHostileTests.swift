import Testing
import Foundation
import SparseSolvers

/// Matrix Market files with hostile sizes: each ends in a typed `MatrixMarketError`, and the
/// array formats still read correctly (checked entry by entry against the dense matrix).
@Suite struct MatrixMarketHostileTests {
    func isTooLarge(_ error: any Error) -> Bool {
        if case MatrixMarketError.tooLarge = error { return true }
        return false
    }

    @Test func arrayFormatsReadInColumnMajorOrder() throws {
        let general = try MatrixMarket.parseMatrix(text: "%%MatrixMarket matrix array real general\n2 3\n1\n2\n3\n4\n5\n6\n")
        #expect(general.rowCount == 2 && general.columnCount == 3)
        for i in 0..<2 { for j in 0..<3 { #expect(general[i, j] == Double(j * 2 + i + 1)) } }
        // Symmetric: the lower triangle column by column, (0,0) (1,0) (2,0) (1,1) (2,1) (2,2).
        let symmetric = try MatrixMarket.parseMatrix(text: "%%MatrixMarket matrix array real symmetric\n3 3\n1\n2\n3\n4\n5\n6\n")
        let expected: [[Double]] = [[1, 2, 3], [2, 4, 5], [3, 5, 6]]
        for i in 0..<3 { for j in 0..<3 { #expect(symmetric[i, j] == expected[i][j]) } }
    }

    @Test func overflowingOrHugeSizesAreRefused() {
        let texts = [
            "%%MatrixMarket matrix array real general\n3037000500 3037000500\n1\n",        // m·n overflows
            "%%MatrixMarket matrix array real general\n1000000000000 0\n",                  // 1e12 rows, no entries
            "%%MatrixMarket matrix array real symmetric\n9223372036854775807 9223372036854775807\n1\n",
            "%%MatrixMarket matrix coordinate real general\n9223372036854775807 1 1\n1 1 1\n",   // rows = Int.max
            "%%MatrixMarket matrix coordinate real general\n1000000000000 1000000000000 1\n1 1 1\n",
        ]
        for text in texts {
            #expect { try MatrixMarket.parseMatrix(text: text) } throws: { isTooLarge($0) }
        }
    }

    @Test func hugeEntryCountWithFewLinesIsAWrongCount() {
        // Reserving 2·nnz for 9e18 declared entries used to overflow before the first line was read.
        let text = "%%MatrixMarket matrix coordinate real symmetric\n2 2 9000000000000000000\n1 1 1\n"
        #expect {
            try MatrixMarket.parseMatrix(text: text)
        } throws: { error in
            guard case MatrixMarketError.wrongEntryCount(_, let expected, let found) = error else { return false }
            return expected == 9_000_000_000_000_000_000 && found == 1
        }
    }

    @Test func symmetricArrayMustBeSquare() {
        // 3×2 symmetric used to address row 2 of a 2-column lower triangle (a precondition trap).
        #expect(throws: MatrixMarketError.invalidSizeLine(line: 2, text: "3 2")) {
            try MatrixMarket.parseMatrix(text: "%%MatrixMarket matrix array real symmetric\n3 2\n1\n2\n3\n4\n5\n")
        }
    }
}
