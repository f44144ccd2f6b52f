import Testing
import Foundation
import SparseSolvers

@Suite struct SparseMatrixTests {
    @Test func duplicateTripletsAreSummed() throws {
        let coo = try COOMatrix(rowCount: 3, columnCount: 3, rows: [0, 2, 0, 1, 2, 0], columns: [1, 2, 1, 0, 2, 0],
                                values: [1, 2, 3, 4, 5, 6])
        let a = coo.csr()
        #expect(a.entryCount == 4)
        #expect(a[0, 1] == 4)
        #expect(a[2, 2] == 7)
        #expect(a[0, 0] == 6)
        #expect(a[1, 0] == 4)
        #expect(a[1, 1] == 0)
        #expect(a.diagonal() == [6, 0, 7])
    }

    @Test func assemblyRejectsBadInput() {
        var coo = COOMatrix(rowCount: 2, columnCount: 2)
        #expect(throws: SparseMatrixError.indexOutOfRange(row: 2, column: 0, rowCount: 2, columnCount: 2)) {
            try coo.append(row: 2, column: 0, value: 1)
        }
        #expect(throws: SparseMatrixError.nonFiniteValue(row: 0, column: 0)) { try coo.append(row: 0, column: 0, value: .nan) }
    }

    @Test(arguments: [50, 700])
    func spmvMatchesDenseReference(n: Int) {
        // Random sparse matrix; n = 700 with ~200 entries per row exceeds the parallel threshold.
        var rng = TestRandom(seed: UInt64(n))
        let perRow = n == 50 ? 5 : 200
        var coo = COOMatrix(rowCount: n, columnCount: n + 3)
        for i in 0..<n { for _ in 0..<perRow {
            let j = Int((rng.next() + 1) / 2 * Double(n + 3)) % (n + 3)
            coo.appendUnchecked(row: i, column: j, value: rng.next())
        } }
        let a = coo.csr()
        if n == 700 { #expect(a.entryCount > CSRMatrix.parallelThreshold) }
        let x = rng.vector(n + 3)
        let dense = a.dense()
        let reference = dense.map { row in zip(row, x).reduce(0) { $0 + $1.0 * $1.1 } }
        #expect(maxAbsDifference(a.applied(to: x), reference) < 1e-12)
        // Transpose against the dense transpose.
        let t = a.transposed()
        let y = rng.vector(n)
        let referenceT = (0..<(n + 3)).map { j in (0..<n).reduce(0.0) { $0 + dense[$1][j] * y[$1] } }
        #expect(maxAbsDifference(t.applied(to: y), referenceT) < 1e-12)
    }

    @Test func floatSpMVMatchesDoubleSpMV() {
        let a = ModelProblems.convectionDiffusion2D(n: 12, diffusion: 0.3, velocity: (2, -1))
        var rng = TestRandom(seed: 9)
        let x = rng.vector(a.columnCount)
        let yDouble = a.applied(to: x)
        let yFloat = a.applied(to: x.map { Float($0) })
        #expect(maxAbsDifference(yFloat.map { Double($0) }, yDouble) < 1e-5)
    }

    @Test func symmetryCheck() {
        #expect(ModelProblems.poisson2D(n: 8).isSymmetric())
        #expect(ModelProblems.poisson3D(n: 4).isSymmetric())
        #expect(!ModelProblems.convectionDiffusion2D(n: 8, diffusion: 1, velocity: (10, 5)).isSymmetric())
        #expect(!CSRMatrix(dense: [[1, 2], [2.0001, 1]]).isSymmetric(relativeTolerance: 1e-6))
        #expect(CSRMatrix(dense: [[1, 2], [2.0001, 1]]).isSymmetric(relativeTolerance: 1e-3))
    }

    @Test func modelProblemsHaveKnownStructure() {
        // A·1 for the 2-D Laplacian is 0 in the interior, 1 at edges, 2 at corners.
        let n = 6
        let a = ModelProblems.poisson2D(n: n)
        #expect(a.rowCount == 36 && a.entryCount == 5 * 36 - 4 * 6)
        let ones = [Double](repeating: 1, count: 36)
        let y = a.applied(to: ones)
        #expect(y[0] == 2 && y[1] == 1 && y[7] == 0)
        let b = ModelProblems.poisson3D(n: 4)
        #expect(b.entryCount == 7 * 64 - 6 * 16)
        #expect(b.applied(to: [Double](repeating: 1, count: 64))[0] == 3)
        // Upwind convection–diffusion annihilates constants in the interior too.
        let c = ModelProblems.convectionDiffusion2D(n: n, diffusion: 0.1, velocity: (3, -2))
        #expect(abs(c.applied(to: ones)[14]) < 1e-14)
    }

    @Test func matrixMarketRoundTrip() throws {
        let a = ModelProblems.convectionDiffusion2D(n: 5, diffusion: 0.3, velocity: (1.7, -0.4))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("a.mtx").path
        try MatrixMarket.write(a, path: path)
        #expect(try MatrixMarket.readMatrix(path: path) == a)
        let s = ModelProblems.poisson2D(n: 4)
        try MatrixMarket.write(s, path: path, symmetric: true)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("symmetric"))
        #expect(try MatrixMarket.readMatrix(path: path) == s)
        let v = [1.5, -2.25, 1e-300, 3]
        try MatrixMarket.write(v, path: path)
        #expect(try MatrixMarket.readVector(path: path) == v)
    }

    @Test func matrixMarketFieldsAndSymmetry() throws {
        let pattern = "%%MatrixMarket matrix coordinate pattern symmetric\n% comment\n3 3 2\n1 1\n3 1\n"
        let p = try MatrixMarket.parseMatrix(text: pattern)
        #expect(p.dense() == [[1, 0, 1], [0, 0, 0], [1, 0, 0]])
        let integer = "%%MatrixMarket matrix coordinate integer general\n2 2 3\n1 1 5\n2 1 -3\n1 1 2\n"
        #expect(try MatrixMarket.parseMatrix(text: integer).dense() == [[7, 0], [-3, 0]])
        let array = "%%MatrixMarket matrix array real general\n3 1\n1\n2.5\n-1\n"
        #expect(try MatrixMarket.parseVector(text: array) == [1, 2.5, -1])
    }

    @Test func malformedMatrixMarketReportsLineNumbers() {
        #expect(throws: MatrixMarketError.invalidHeader(line: 1, text: "hello")) { try MatrixMarket.parseMatrix(text: "hello\n1 1 1\n") }
        #expect(throws: MatrixMarketError.invalidEntry(line: 4, text: "1 x 2.0")) {
            try MatrixMarket.parseMatrix(text: "%%MatrixMarket matrix coordinate real general\n% c\n2 2 2\n1 x 2.0\n2 2 1\n")
        }
        #expect(throws: MatrixMarketError.indexOutOfRange(line: 4, row: 3, column: 1)) {
            try MatrixMarket.parseMatrix(text: "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n3 1 1\n")
        }
        #expect(throws: MatrixMarketError.nonFiniteValue(line: 3)) {
            try MatrixMarket.parseMatrix(text: "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 nan\n")
        }
        #expect(throws: MatrixMarketError.invalidSizeLine(line: 2, text: "2 two 1")) {
            try MatrixMarket.parseMatrix(text: "%%MatrixMarket matrix coordinate real general\n2 two 1\n1 1 1\n")
        }
        #expect(throws: MatrixMarketError.wrongEntryCount(line: 4, expected: 3, found: 1)) {
            try MatrixMarket.parseMatrix(text: "%%MatrixMarket matrix coordinate real general\n2 2 3\n1 1 1\n")
        }
        #expect(throws: MatrixMarketError.wrongEntryCount(line: 5, expected: 2, found: 3)) {
            try MatrixMarket.parseMatrix(text: "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2 2 1\n1 2 1\n")
        }
        #expect(throws: MatrixMarketError.unsupported(line: 1, feature: "complex (PDEKit's solvers are real)")) {
            try MatrixMarket.parseMatrix(text: "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n")
        }
        #expect(throws: MatrixMarketError.cannotRead(path: "/nonexistent/a.mtx", reason: "no such file")) {
            try MatrixMarket.readMatrix(path: "/nonexistent/a.mtx")
        }
    }
}
