import Testing
import Foundation
import RunSupport
import SparseSolvers

/// CHOLMOD's OpenMP regions run as plain calls (`CholmodParallelRegions`): the factors
/// must be bitwise those of libgomp's own execution, and the solves right.
@Suite(.serialized) struct CholmodParallelRegionsTests {
    /// D A D + σ I for the 2-D Poisson matrix A with a positive diagonal D that varies row by row:
    /// symmetric positive definite with A's pattern, values unlike a constant-coefficient stencil.
    static func variableCoefficientMatrix(n: Int, seed: Int) -> CSRMatrix {
        let a = ModelProblems.poisson2D(n: n)
        let d: [Double] = (0..<a.rowCount).map { i in
            let phase = Double(i * (seed + 3)) * 0.37
            return 1 + 0.5 * sin(phase)
        }
        var values = a.values
        for i in 0..<a.rowCount {
            for k in a.rowOffsets[i]..<a.rowOffsets[i + 1] {
                values[k] *= d[i] * d[a.columnIndices[k]]
                if a.columnIndices[k] == i { values[k] += 0.01 * Double(seed + 1) }
            }
        }
        return CSRMatrix(rowCount: a.rowCount, columnCount: a.columnCount, rowOffsets: a.rowOffsets,
                         columnIndices: a.columnIndices, values: values)
    }

    /// Factor and solve every matrix of a short sequence with one analysis.
    static func solveSequence(_ matrices: [CSRMatrix], _ b: [Double]) throws -> [[Double]] {
        let factorization = try CholeskyFactorization(analyzing: matrices[0])
        return try matrices.map { try factorization.factorize($0); return try factorization.solve(b) }
    }

    /// OpenBLAS at one thread for both executions, as PDEKit runs it (TensorCore lowers it on first use,
    /// `PDEKIT_THREADS=1` at load): its threaded kernels block differently, so their rounding would
    /// depend on whether ProcessThreadsTests, which lowers it in this same process, has run yet.
    static func lowerOpenBLASToOneThread() {
        guard let process = dlopen(nil, RTLD_NOW), let set = dlsym(process, "openblas_set_num_threads") else { return }
        unsafeBitCast(set, to: (@convention(c) (Int32) -> Void).self)(1)
    }

    @Test func inlineRegionsGiveLibgompsBitsAndSmallResiduals() throws {
        #expect(CholmodParallelRegions.isBound)
        Self.lowerOpenBLASToOneThread()
        #expect(ProcessThreads.openBLASThreads == 1)
        // 120² unknowns: CHOLMOD's analysis picks the supernodal factorization, which opens the regions.
        let matrices = (0..<3).map { Self.variableCoefficientMatrix(n: 120, seed: $0) }
        let b = manufacturedSolution(matrices[0].rowCount)

        let before = CholmodParallelRegions.counts
        let inline = try Self.solveSequence(matrices, b)
        let afterInline = CholmodParallelRegions.counts
        #expect(afterInline.inlined > before.inlined)

        // Through libgomp: this process has no OMP_THREAD_LIMIT, so the regions whose `if` clause holds
        // run on real teams (CHOLMOD asks for 4 threads): the bits must not depend on it.
        CholmodParallelRegions.runsRegionsInline = false
        defer { CholmodParallelRegions.runsRegionsInline = true }
        let throughLibgomp = try Self.solveSequence(matrices, b)
        #expect(CholmodParallelRegions.counts.forwarded > afterInline.forwarded)

        for (k, matrix) in matrices.enumerated() {
            let identical = inline[k] == throughLibgomp[k]
            #expect(identical, "system \(k): inline and libgomp solutions differ by \(maxAbsDifference(inline[k], throughLibgomp[k])) at most")
            let residual = trueRelativeResidual(matrix, inline[k], b)
            #expect(residual.isFinite && residual <= 1e-10, "system \(k): relative residual \(residual)")
        }
    }
}

/// `CSRMatrix.isSymmetric` (no transpose built) against the definition on the dense matrix.
@Suite struct TransposeFreeSymmetryTests {
    /// |a_ij − a_ji| ≤ tolerance · max|a| for all i, j, on the dense form.
    static func denseIsSymmetric(_ dense: [[Double]], tolerance: Double) -> Bool {
        let scale = dense.joined().reduce(0) { max($0, abs($1)) }
        for i in dense.indices { for j in dense.indices where abs(dense[i][j] - dense[j][i]) > tolerance * scale { return false } }
        return true
    }

    @Test func agreesWithTheDenseDefinition() {
        var generator = SystemRandomNumberGenerator()
        var seen = (symmetric: 0, unsymmetric: 0)
        for trial in 0..<200 {
            let n = 1 + trial % 9
            var dense = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
            for i in 0..<n { for j in 0...i where Double.random(in: 0..<1, using: &generator) < 0.5 {
                let v = Double.random(in: -2...2, using: &generator)
                dense[i][j] = v
                dense[j][i] = v
            } }
            // Perturb some: a mirror entry changed slightly, dropped, or added alone.
            if n > 1, trial % 3 != 0 {
                let i = Int.random(in: 1..<n, using: &generator), j = Int.random(in: 0..<i, using: &generator)
                switch trial % 3 {
                case 1: dense[i][j] += [1e-15, 1e-9, 0.3][trial % 5 % 3]
                default: dense[j][i] = dense[i][j] == 0 ? 1e-13 : 0
                }
            }
            let a = CSRMatrix(dense: dense)
            for tolerance in [0, 1e-14, 1e-12, 1e-6] {
                let expected = Self.denseIsSymmetric(dense, tolerance: tolerance)
                #expect(a.isSymmetric(relativeTolerance: tolerance) == expected, "trial \(trial) tolerance \(tolerance): \(dense)")
                if expected { seen.symmetric += 1 } else { seen.unsymmetric += 1 }
            }
        }
        #expect(seen.symmetric > 100 && seen.unsymmetric > 100)
        #expect(!CSRMatrix(dense: [[1, 2, 3], [2, 1, 0]]).isSymmetric())
    }
}
