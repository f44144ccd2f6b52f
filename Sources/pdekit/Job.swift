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

    /// Refuses `command` under several ranks unless it is a ``DistributedCommand``.
    static func requireDistributable(_ command: any ParsableCommand) throws {
        guard communicator.size > 1, !(command is DistributedCommand) else { return }
        let name = type(of: command)._commandName
        throw NotDistributed(description: "'pdekit … \(name)' runs as one process; under mpirun only generate FAMILY, train fno, train mgno and train deeponet split their work over ranks, and solve splits one system (run it without mpirun)")
    }

    struct NotDistributed: Error, CustomStringConvertible { let description: String }

    /// Whether this process prints shared output (rank 0, or the only process).
    static var isRoot: Bool { communicator.isRoot }
}
