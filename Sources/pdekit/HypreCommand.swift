import PDEKit

/// A command that may build hypre's AMG or ILUT (`solve`, `generate FAMILY`). hypre runs on MPI, and MPI
/// is the CLI's to start (the library never does): `Entry.main` calls `MPIRuntime.initializeForHypre()`
/// before such a command runs when `usesHypre`, and `MPIRuntime.finalize()` after it.
protocol HypreCommand {
    /// Whether this run's flags choose AMG or ILUT (or a rule that may choose them).
    var usesHypre: Bool { get }
}

extension GeneratePDE: HypreCommand {
    var usesHypre: Bool { preconditioner == .amg || preconditioner == .thresholdILU }
}
