import ArgumentParser
import Foundation
import PDEKit

/// The `pdekit` command line: one subcommand per user job.
struct PDEKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pdekit",
        abstract: "Neural operators and classical/learned sparse solvers for PDEs.",
        version: PDEKitVersion.string,
        subcommands: [
            Demo.self,
            Solve.self,
            Generate.self,
            Merge.self,
            Inspect.self,
            Train.self,
            Evaluate.self,
            Import.self,
            Export.self,
            PINN.self,
            GaussianProcessCommand.self,
            DCDM.self,
            Bench.self,
        ]
    )
}

@main
enum Entry {
    static func main() {
        setLoadTimeEnvironment()
        // Valgrind limits the brk heap this relies on: PDEKIT_DEFAULT_MALLOC=1 keeps glibc's defaults.
        if ProcessInfo.processInfo.environment["PDEKIT_DEFAULT_MALLOC"] == nil { AllocatorTuning.retainFreedMemory() }
        let command: any ParsableCommand
        do { command = try PDEKitCommand.parseAsRoot() } catch {
            // Every rank parses the same flags: only rank 0 of a launched job reports a parse failure.
            if let rank = MPIRuntime.launcherRank(), rank != 0, MPIRuntime.launchedByMPI() {
                exit(PDEKitCommand.exitCode(for: error).rawValue)   // 0 for --help and --version
            }
            FailureReport.exitAfterParsing(error)
        }
        // Under mpirun/srun: initialize MPI (the CLI does, the library never) and divide the cores.
        do {
            Job.communicator = try MPIRuntime.initializeIfLaunched()
            // hypre (AMG, ILUT) runs on MPI: a single process starts it too, here and nowhere in the library.
            if (command as? any HypreCommand)?.usesHypre == true { try MPIRuntime.initializeForHypre() }
            let threads = try MPIRuntime.threadsPerProcess(ranks: Job.communicator.size)
            try Job.requireDistributable(command)
            // One cap for every pool: PDEKit's loops, OpenBLAS (CHOLMOD's BLAS) and OpenMP.
            ProcessThreads.cap(threads)
            var runnable = command
            try runnable.run()
        } catch { FailureReport.exitAfterRunning(error) }
        MPIRuntime.finalize()
    }

    /// Re-executes the process once when a variable that a library reads only while it loads must
    /// change: `OPENBLAS_CORETYPE` when OpenBLAS picked generic kernels on a CPU that has AVX2/AVX-512
    /// (see `BLASRuntime.recommendedCoreType()`), and under a thread cap (`PDEKIT_THREADS`, or the cores
    /// divided among the ranks under mpirun) `ProcessThreads.loadTimeEnvironment`, so that OpenMP's
    /// regions on every thread (CHOLMOD asks for 4 threads per region) and OpenBLAS's pool are capped.
    /// Nothing changes, and nothing is re-executed, without a cap on a CPU OpenBLAS recognized.
    static func setLoadTimeEnvironment() {
        let environment = ProcessInfo.processInfo.environment
        // A guard against a loop: this process (exec keeps the pid) re-executes at most once; and
        // PDEKIT_NO_REEXEC=1 (valgrind, debuggers) never does.
        let marker = String(getpid())
        guard environment["PDEKIT_REEXECUTED_PID"] != marker, environment["PDEKIT_NO_REEXEC"] == nil else { return }
        var changes: [String: String] = [:]
        if environment["OPENBLAS_CORETYPE"] == nil, let coreType = BLASRuntime.recommendedCoreType() { changes["OPENBLAS_CORETYPE"] = coreType }
        let launchedRanks = MPIRuntime.launchedByMPI(environment: environment) ? MPIRuntime.launcherSize(environment: environment) : 1
        if let threads = try? MPIRuntime.threadsPerProcess(ranks: launchedRanks, environment: environment) {   // a bad PDEKIT_THREADS is reported later, once
            changes.merge(ProcessThreads.missingLoadTimeEnvironment(threads: threads, in: environment)) { $1 }
        }
        guard !changes.isEmpty else { return }
        for (name, value) in changes { setenv(name, value, 1) }
        setenv("PDEKIT_REEXECUTED_PID", marker, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure: carry on with the libraries' own choices.
    }
}
