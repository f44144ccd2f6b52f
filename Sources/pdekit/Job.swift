import ArgumentParser
import Foundation
import PDEKit

/// A command that splits its work over the ranks of an MPI job (`generate FAMILY`, `train fno|mgno|deeponet`,
/// `bench scaling --allreduce-only`). Any other command under `mpirun -np R > 1` is refused: R copies
/// would write the same files.
protocol DistributedCommand {}

/// The processes this `pdekit` run belongs to: the MPI world when `mpirun`/`srun` started it (MPI is
/// initialized here, by the CLI, never by the library), the single rank otherwise.
enum Job {
    /// Set once by `Entry.main` before a command runs; read by the commands that split work.
    nonisolated(unsafe) static var communicator: Communicator = .single

    /// Compute threads of this process: `PDEKIT_THREADS` when set (a positive integer), else under a
    /// launcher of several ranks the cores divided among this machine's ranks; nil (all cores, as
    /// before) otherwise. Read from the environment alone, so it is known before MPI starts.
    static func threads(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int? {
        if let text = environment["PDEKIT_THREADS"] {
            guard let count = Int(text), count >= 1, count <= 4096 else {
                throw ThreadCountError(description: "PDEKIT_THREADS='\(text.prefix(20))' is not a thread count in 1…4096")
            }
            return count
        }
        guard MPIRuntime.launchedByMPI(environment: environment), MPIRuntime.launcherSize(environment: environment) > 1 else { return nil }
        return max(1, ParallelLoop.processorCount / MPIRuntime.localProcessCount(environment: environment))
    }

    struct ThreadCountError: Error, CustomStringConvertible { let description: String }

    /// Refuses `command` under several ranks unless it is a ``DistributedCommand``.
    static func requireDistributable(_ command: any ParsableCommand) throws {
        guard communicator.size > 1, !(command is DistributedCommand) else { return }
        let name = type(of: command)._commandName
        throw NotDistributed(description: "'pdekit … \(name)' runs as one process; under mpirun only generate FAMILY, train fno, train mgno and train deeponet split their work over ranks, and solve splits one system (run it without mpirun)")
    }

    struct NotDistributed: Error, CustomStringConvertible { let description: String }

    /// Whether this process prints shared output (rank 0, or the only process).
    static var isRoot: Bool { communicator.isRoot }

    /// Reports `error` and ends the job. With several ranks the failure may be this rank's alone while
    /// the others wait in a collective, so the job ends with `MPI_Abort` (no rank hangs). A rank other
    /// than 0 waits briefly first: when every rank meets the same error (a bad value on the command
    /// line), rank 0 prints it and ends the job, so the error is printed once.
    static func failAndEnd(_ error: any Error) -> Never {
        guard communicator.usesMPI, communicator.size > 1 else {
            StatusLine.printError(error)
            exit(1)
        }
        if !communicator.isRoot { sleep(1) }
        StatusLine.printError(RankFailure(rank: communicator.rank, size: communicator.size, underlying: error))
        communicator.abort(exitCode: 1)
    }

    /// An error with the rank that met it.
    struct RankFailure: Error, CustomStringConvertible {
        let rank: Int, size: Int
        let underlying: any Error
        var description: String { "\(underlying) (rank \(rank) of \(size))" }
    }
}
