import CMPI
import Foundation

/// Starting and ending MPI in a host program (the `pdekit` CLI; a C, C++ or Fortran host initializes
/// MPI itself). Nothing in the library calls these.
public enum MPIRuntime {
    /// Environment variables a launcher sets for each process it starts, with the job's size:
    /// Open MPI's `mpirun` (`OMPI_COMM_WORLD_SIZE`), Slurm's `srun` and MPICH's Hydra (`PMI_SIZE`),
    /// PMIx launchers (`PMIX_SIZE`, set by some).
    public static let launcherSizeVariables = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"]

    /// Whether this process was started by an MPI launcher, read from `environment`.
    public static func launchedByMPI(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        launcherSizeVariables.contains { environment[$0] != nil }
    }

    /// The job's size as the launcher announced it in `environment` (1 when not launched), known before
    /// MPI is initialized.
    public static func launcherSize(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        for name in launcherSizeVariables {
            if let text = environment[name], let size = Int(text), size >= 1 { return size }
        }
        return 1
    }

    /// The rank the launcher gave this process, from the environment (before MPI is initialized).
    public static func launcherRank(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        for name in ["OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"] {
            if let text = environment[name], let rank = Int(text) { return rank }
        }
        return nil
    }

    /// Processes of the job on this machine, from the launcher's environment (1 when not launched).
    public static func localProcessCount(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        for name in ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"] {
            if let text = environment[name], let count = Int(text), count >= 1 { return count }
        }
        return 1
    }

    /// Compute threads of one process of a job of `ranks` processes (the CLI caps every pool at it):
    /// `PDEKIT_THREADS` when set (an integer in 1…4096), else with several ranks the machine's cores divided
    /// among the job's processes on this machine (at least 1); nil (every core) for a single process.
    public static func threadsPerProcess(ranks: Int, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int? {
        if let text = environment["PDEKIT_THREADS"] {
            guard let count = Int(text), (1...4096).contains(count) else { throw DistributedError.invalidThreadCount(String(text.prefix(20))) }
            return count
        }
        guard ranks > 1 else { return nil }
        return max(1, max(1, ProcessInfo.processInfo.activeProcessorCount) / localProcessCount(environment: environment))
    }

    /// Whether MPI is initialized and not finalized in this process.
    public static var isInitialized: Bool {
        var initialized: Int32 = 0, finalized: Int32 = 0
        MPI_Initialized(&initialized)
        MPI_Finalized(&finalized)
        return initialized != 0 && finalized == 0
    }

    /// Initializes MPI and returns the world communicator, after ``OpenMPIStartup/apply(environment:)``
    /// (Open MPI's `ob1` layer named on a machine without a fabric: 0.19 s less `MPI_Init`), then sets
    /// ``LauncherConnection/sendImmediately()`` (about 45 ms less `MPI_Finalize`). Thread level `MPI_THREAD_SERIALIZED`: the
    /// CLI's own MPI calls come from the main thread, but hypre (AMG, ILUT; it calls MPI) also runs on
    /// worker threads (the data generator's solves, Krylov solves in parallel jobs), one call at a time
    /// under CHypre's lock. Funnelling every hypre call to the main thread instead would deadlock
    /// while the main thread waits for those workers.
    public static func initialize() throws -> Communicator {
        if !isInitialized {
            OpenMPIStartup.apply()
            var provided: Int32 = 0
            try Communicator.check(MPI_Init_thread(nil, nil, Int32(MPI_THREAD_SERIALIZED), &provided), "MPI_Init_thread")
            LauncherConnection.sendImmediately()
        }
        return try Communicator.world()
    }

    /// The world communicator when launched by `mpirun`/`srun` (initializing MPI), ``Communicator/single``
    /// otherwise (MPI untouched).
    public static func initializeIfLaunched(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Communicator {
        launchedByMPI(environment: environment) ? try initialize() : .single
    }

    /// Initializes MPI for a process that uses hypre (AMG, ILUT; hypre runs on MPI) when nobody has:
    /// not launched, as a singleton without Open MPI's launcher daemon (`OMPI_MCA_ess_singleton_isolated`).
    /// Thread level `MPI_THREAD_SERIALIZED`: hypre may be called from any thread, one call at a time
    /// (CHypre's lock). Does nothing when MPI is already initialized; ``finalize()`` ends it.
    /// Thread-safe (callers on several threads initialize MPI once).
    public static func initializeForHypre(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        hypreInitializationLock.lock()
        defer { hypreInitializationLock.unlock() }
        guard !isInitialized else { return }
        if !launchedByMPI(environment: environment) {
            setenv("OMPI_MCA_ess_singleton_isolated", "1", 0)
            // Isolated singletons all use the session directory …/ompi.HOST.UID/jf.0: one process ending
            // removes it while another starts (mkdir fails, MPI_Init aborts). A directory per process
            // avoids that; it is removed at exit.
            if needsOwnSessionDirectory(environment: environment) {
                let directory = singletonSessionDirectory()
                if mkdir(directory, 0o700) == 0 || errno == EEXIST {
                    setenv(sessionBaseVariable, directory, 1)
                    setenv(sessionBaseMarkerVariable, directory, 1)
                    atexit { MPIRuntime.removeSingletonSessionDirectory() }
                }
            }
        }
        OpenMPIStartup.apply()
        var provided: Int32 = 0
        try Communicator.check(MPI_Init_thread(nil, nil, Int32(MPI_THREAD_SERIALIZED), &provided), "MPI_Init_thread")
    }

    /// Open MPI's base directory for session directories (an MCA parameter read at `MPI_Init`).
    public static let sessionBaseVariable = "OMPI_MCA_orte_tmpdir_base"

    /// Set with ``sessionBaseVariable`` by `initializeForHypre`, so that a child process (which
    /// inherits both) can tell its parent's directory from one the user chose.
    public static let sessionBaseMarkerVariable = "PDEKIT_MPI_SESSION_BASE"

    /// Whether a singleton needs a session directory of its own: when the environment names none, or
    /// names the one a PDEKit parent process made for itself. Children inheriting their parent's
    /// (a test runner that spawned `pdekit solve --preconditioner amg` twice at once) would share
    /// …/jf.0 and race as above. A base the user set is kept.
    public static func needsOwnSessionDirectory(environment: [String: String], processID: Int32 = getpid()) -> Bool {
        guard let base = environment[sessionBaseVariable] else { return true }
        return base == environment[sessionBaseMarkerVariable] && base != singletonSessionDirectory(processID: processID)
    }

    /// The per-process session directory of a singleton started by `initializeForHypre`.
    private static func singletonSessionDirectory(processID: Int32 = getpid()) -> String {
        (ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") + "/pdekit-mpi-\(processID)"
    }

    /// Removes the singleton's session directory (at exit, after MPI is finalized).
    private static func removeSingletonSessionDirectory() {
        try? FileManager.default.removeItem(atPath: singletonSessionDirectory())
    }

    /// Serializes `initializeForHypre` (MPI_Init twice is fatal).
    private static let hypreInitializationLock = NSLock()

    /// Finalizes MPI if this process initialized it.
    public static func finalize() {
        if isInitialized { MPI_Finalize() }
    }
}
