import Testing
import Distributed
import SparseSolvers

/// The library never initializes MPI: without it, hypre's AMG and ILUT are typed errors that say to
/// call MPI_Init. Run in a process where nothing has initialized MPI (scripts/test.sh runs this suite
/// with CommunicatorTests, apart from the main run whose hypre tests initialize MPI).
@Suite struct HypreWithoutMPITests {
    @Test func amgAndILUTWithoutMPIAreTypedErrors() throws {
        try #require(!MPIRuntime.isInitialized, "run this suite in a process of its own (see scripts/test.sh)")
        let a = ModelProblems.poisson2D(n: 8)
        #expect(throws: PreconditionerError.mpiNotInitialized) { try HyprePreconditioner(a, amg: AlgebraicMultigridOptions()) }
        #expect(throws: PreconditionerError.mpiNotInitialized) { try HyprePreconditioner(a, thresholdILU: ThresholdILUOptions()) }
        #expect(PreconditionerError.mpiNotInitialized.description.contains("MPI_Init"))
        let configuration = SolverConfiguration(method: .conjugateGradient, preconditioner: .amg)
        let solver = try configuration.makeSolver()
        #expect(throws: PreconditionerError.mpiNotInitialized) { try solver.setup(a) }
        #expect(DistributedHypreSolver.world == nil && !HyprePreconditioner.mpiIsInitialized)
        #expect(throws: PreconditionerError.mpiNotInitialized) {
            try DistributedHypreSolver.solve(a, [Double](repeating: 1, count: a.rowCount), configuration: configuration)
        }
        // None of it initialized MPI behind the caller's back.
        #expect(!MPIRuntime.isInitialized)
    }
}
