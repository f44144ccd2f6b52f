import Testing
import RunSupport
import SparseSolvers

/// `ProcessThreads.cap` reaches the pools this module's solvers run on: OpenBLAS (CHOLMOD's BLAS) and
/// OpenMP (SuiteSparse), read back from the libraries themselves, and PDEKit's own split of the
/// sparse matrix–vector product.
@Suite(.serialized) struct ProcessThreadsTests {
    @Test func capLowersOpenBLASAndOpenMPAndTheOwnLoops() throws {
        let previous = ProcessThreads.limit
        defer { ProcessThreads.cap(previous) }
        // This test process links CHOLMOD, hence OpenBLAS and libgomp: both must be found.
        let blasBefore = try #require(ProcessThreads.openBLASThreads)
        #expect(try #require(ProcessThreads.openMPThreads) >= 1)
        ProcessThreads.cap(1)
        #expect(ProcessThreads.limit == 1 && ProcessThreads.available == 1)
        #expect(ProcessThreads.openBLASThreads == 1)
        #expect(ProcessThreads.openMPThreads == 1)
        // The cap only lowers OpenBLAS: a larger cap leaves it at 1.
        ProcessThreads.cap(max(2, blasBefore))
        #expect(ProcessThreads.openBLASThreads == 1)
        #expect(ProcessThreads.available == max(2, blasBefore))
        ProcessThreads.cap(0)   // clamped: never zero threads
        #expect(ProcessThreads.available == 1)
        // Work on the capped pools is still right: a factorization (BLAS inside CHOLMOD) and a matrix–vector
        // product large enough to split (it runs serially under the cap), against the manufactured solution.
        let a = ModelProblems.poisson2D(n: 160)
        #expect(a.values.count >= CSRMatrix.parallelThreshold)
        let xStar = manufacturedSolution(a.rowCount)
        let x = try CholeskyFactorization(a).solve(a.applied(to: xStar))
        #expect(relativeError(x, xStar) < 1e-9)
        #expect(ProcessThreads.currentThreadCount.map { $0 >= 1 } ?? true)
    }

    @Test func loadTimeEnvironmentNamesEveryLoadTimeCap() {
        let wanted = ProcessThreads.loadTimeEnvironment(threads: 3)
        #expect(wanted == ["OMP_THREAD_LIMIT": "3", "OMP_NUM_THREADS": "3", "OPENBLAS_NUM_THREADS": "3"])
        #expect(ProcessThreads.loadTimeEnvironment(threads: 0)["OMP_THREAD_LIMIT"] == "1")   // never zero threads
        // A process started with the values needs nothing; one started without them, or with others, needs them.
        #expect(ProcessThreads.missingLoadTimeEnvironment(threads: 3, in: wanted.merging(["PATH": "/bin"]) { $1 }).isEmpty)
        #expect(ProcessThreads.missingLoadTimeEnvironment(threads: 3, in: [:]) == wanted)
        #expect(ProcessThreads.missingLoadTimeEnvironment(threads: 3, in: wanted.merging(["OMP_THREAD_LIMIT": "8"]) { $1 })
                == ["OMP_THREAD_LIMIT": "3"])
    }
}
