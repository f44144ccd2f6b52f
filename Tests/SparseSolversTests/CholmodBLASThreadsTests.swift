import Testing
import RunSupport
import SparseSolvers

/// `CholmodBLASThreads`: factors whose update blocks stay small run on one OpenBLAS thread, large
/// 3-D fronts keep the threads, simplicial factors ask for nothing; the analysis only ever lowers the count.
@Suite struct CholmodBLASThreadsTests {
    @Test func smallSupernodesLowerOpenBLASToOneThread() throws {
        // A 128² grid (the Darcy generation size): supernodal, its largest update far below the threshold.
        let a = ModelProblems.poisson2D(n: 128)
        let factorization = try CholeskyFactorization(analyzing: a)
        let rows = factorization.largestUpdateRowCount
        #expect(rows > 0 && rows < a.rowCount, "a supernodal factor of a 2-D grid has an update block of \(rows) rows")
        #expect(rows < CholmodBLASThreads.threadedUpdateRows)
        #expect(CholmodBLASThreads.prefersOneThread(largestUpdateRows: rows))
        #expect(ProcessThreads.openBLASThreads == 1)
        // Still the right factorization (against the manufactured solution).
        try factorization.factorize(a)
        let xStar = manufacturedSolution(a.rowCount)
        let x = try factorization.solve(a.applied(to: xStar))
        let error = relativeError(x, xStar)
        #expect(error.isFinite && error < 1e-9)
    }

    @Test func largeFrontsKeepTheThreadsAndSimplicialFactorsAskForNothing() throws {
        // A 45³ grid: its top separators are about 45² unknowns, so the largest update has more rows than the threshold
        // (analysis only: no numeric factorization).
        let cube = try CholeskyFactorization(analyzing: ModelProblems.poisson3D(n: 45))
        #expect(cube.largestUpdateRowCount >= CholmodBLASThreads.threadedUpdateRows)
        #expect(!CholmodBLASThreads.prefersOneThread(largestUpdateRows: cube.largestUpdateRowCount))
        // A small grid is factored simplicially: no supernodes, no update blocks.
        let small = try CholeskyFactorization(analyzing: ModelProblems.poisson2D(n: 8))
        #expect(small.largestUpdateRowCount == 0)
        #expect(!CholmodBLASThreads.prefersOneThread(largestUpdateRows: 0))
        // The threshold itself: below asks for one thread, at it keeps them.
        #expect(CholmodBLASThreads.prefersOneThread(largestUpdateRows: CholmodBLASThreads.threadedUpdateRows - 1))
        #expect(!CholmodBLASThreads.prefersOneThread(largestUpdateRows: CholmodBLASThreads.threadedUpdateRows))
    }
}
