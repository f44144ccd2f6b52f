import CMPI
import Foundation

/// The processes of one job and the collectives PDEKit needs between them: rank and size, a barrier,
/// broadcast, an in-place sum over one flat buffer, gather, and abort.
///
/// Two kinds exist. ``single`` is the one-process job every command runs as without a launcher: its
/// collectives are identities and it never calls MPI, so nothing changes for a plain run. ``world()``
/// is `MPI_COMM_WORLD` of a job started by `mpirun`/`srun`; it exists only after the host code
/// initialized MPI (``MPIRuntime/initialize()``, which the `pdekit` CLI calls). The library never
/// initializes MPI behind a host code's back.
///
/// Every collective must be called by every rank in the same order (the MPI rule); a rank that fails
/// alone must ``abort(exitCode:)`` so that no other rank waits forever in a collective.
public final class Communicator: @unchecked Sendable {
    /// 0-based index of this process.
    public let rank: Int
    /// Number of processes.
    public let size: Int
    /// Whether the collectives go through MPI (false for ``single``).
    public let usesMPI: Bool

    init(rank: Int, size: Int, usesMPI: Bool) {
        self.rank = rank
        self.size = size
        self.usesMPI = usesMPI
    }

    /// The one-process communicator: no MPI calls, collectives are identities.
    public static let single = Communicator(rank: 0, size: 1, usesMPI: false)

    /// `MPI_COMM_WORLD`.
    /// - Throws: ``DistributedError/notInitialized`` when MPI was not initialized by the host code.
    public static func world() throws -> Communicator {
        guard MPIRuntime.isInitialized else { throw DistributedError.notInitialized }
        var rank: Int32 = 0, size: Int32 = 0
        try check(MPI_Comm_rank(pdekit_mpi_comm_world(), &rank), "MPI_Comm_rank")
        try check(MPI_Comm_size(pdekit_mpi_comm_world(), &size), "MPI_Comm_size")
        return Communicator(rank: Int(rank), size: Int(size), usesMPI: true)
    }

    /// Whether this is rank 0 (the one that writes shared outputs and prints).
    public var isRoot: Bool { rank == 0 }

    /// Blocks until every rank has called it.
    public func barrier() throws {
        guard usesMPI else { return }
        try Self.check(MPI_Barrier(pdekit_mpi_comm_world()), "MPI_Barrier")
    }

    /// Copies `root`'s `buffer` into every rank's `buffer` (all ranks must pass the same count).
    public func broadcast<Element: CommunicatorScalar>(_ buffer: inout [Element], root: Int = 0) throws {
        guard usesMPI else { return }
        let count = try Self.count(buffer.count)
        try buffer.withUnsafeMutableBytes { bytes in
            try Self.check(MPI_Bcast(bytes.baseAddress, count, Element.communicatorKind.datatype, Int32(root), pdekit_mpi_comm_world()),
                           "MPI_Bcast")
        }
    }

    /// ``broadcast(_:root:)-([Element],_)`` over a buffer the caller owns.
    public func broadcast<Element: CommunicatorScalar>(_ buffer: UnsafeMutableBufferPointer<Element>, root: Int = 0) throws {
        guard usesMPI else { return }
        try Self.check(MPI_Bcast(buffer.baseAddress, try Self.count(buffer.count), Element.communicatorKind.datatype, Int32(root),
                                 pdekit_mpi_comm_world()), "MPI_Bcast")
    }

    /// ``allreduceSum(_:)-([Element])`` over a buffer the caller owns.
    public func allreduceSum<Element: ReducibleScalar>(_ buffer: UnsafeMutableBufferPointer<Element>) throws {
        guard usesMPI else { return }
        try Self.check(MPI_Allreduce(pdekit_mpi_in_place(), buffer.baseAddress, try Self.count(buffer.count), Element.communicatorKind.datatype,
                                     pdekit_mpi_sum(), pdekit_mpi_comm_world()), "MPI_Allreduce")
    }

    /// `root`'s value of `value`, on every rank.
    public func broadcast<Element: CommunicatorScalar>(_ value: Element, root: Int = 0) throws -> Element {
        var buffer = [value]
        try broadcast(&buffer, root: root)
        return buffer[0]
    }

    /// Replaces `buffer` on every rank by the elementwise sum over the ranks (`MPI_Allreduce` with
    /// `MPI_IN_PLACE`: one call for the whole buffer). The sum's order is MPI's and the same on every
    /// rank, so every rank holds bitwise the same result.
    public func allreduceSum<Element: ReducibleScalar>(_ buffer: inout [Element]) throws {
        guard usesMPI else { return }
        let count = try Self.count(buffer.count)
        try buffer.withUnsafeMutableBytes { bytes in
            try Self.check(MPI_Allreduce(pdekit_mpi_in_place(), bytes.baseAddress, count, Element.communicatorKind.datatype,
                                         pdekit_mpi_sum(), pdekit_mpi_comm_world()), "MPI_Allreduce")
        }
    }

    /// The largest `value` over the ranks, on every rank.
    public func allreduceMax(_ value: Int64) throws -> Int64 {
        guard usesMPI else { return value }
        var result = value
        try Self.check(MPI_Allreduce(pdekit_mpi_in_place(), &result, 1, pdekit_mpi_int64(), pdekit_mpi_max(), pdekit_mpi_comm_world()),
                       "MPI_Allreduce")
        return result
    }

    /// Every rank's `values` (all ranks pass the same count), in rank order, on `root`; nil elsewhere.
    public func gather<Element: CommunicatorScalar>(_ values: [Element], root: Int = 0) throws -> [[Element]]? {
        guard usesMPI else { return [values] }
        let count = try Self.count(values.count)
        let (total, overflow) = values.count.multipliedReportingOverflow(by: size)
        guard !overflow else { throw DistributedError.tooLarge(values.count) }
        var received = [Element](repeating: Element.zeroForCommunicator, count: rank == root ? total : 0)
        let datatype = Element.communicatorKind.datatype
        try values.withUnsafeBytes { send in
            try received.withUnsafeMutableBytes { receive in
                try Self.check(MPI_Gather(send.baseAddress, count, datatype, receive.baseAddress, count, datatype, Int32(root),
                                          pdekit_mpi_comm_world()), "MPI_Gather")
            }
        }
        guard rank == root else { return nil }
        return (0..<size).map { Array(received[($0 * values.count)..<(($0 + 1) * values.count)]) }
    }

    /// Ends every process of the job with `exitCode` (`MPI_Abort`; `exit` for ``single``). A rank that
    /// meets an error the others cannot see calls this, so that no rank waits in a collective forever.
    public func abort(exitCode: Int32) -> Never {
        if usesMPI { MPI_Abort(pdekit_mpi_comm_world(), exitCode) }
        exit(exitCode)
    }

    static func count(_ count: Int) throws -> Int32 {
        guard let result = Int32(exactly: count) else { throw DistributedError.tooLarge(count) }
        return result
    }

    static func check(_ code: Int32, _ call: String) throws {
        guard code == pdekit_mpi_success() else { throw DistributedError.mpi(call: call, code: Int(code)) }
    }
}
