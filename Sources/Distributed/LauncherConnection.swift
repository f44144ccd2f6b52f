import Foundation

/// The TCP connection between a rank and its launcher (Open MPI's `mpirun` or `orted`), which
/// `MPIRuntime` switches to immediate sends (`TCP_NODELAY`) once `MPI_Init` has opened it.
///
/// Open MPI 4.1's PMIx client (libpmix 4, inside every rank) connects to the launcher's PMIx server over
/// loopback TCP and leaves Nagle's algorithm on. In `MPI_Finalize` the client sends several small
/// messages in a row; the server answers none of the first ones, so Linux delays its acknowledgement
/// (the delayed-ACK timer, 40 ms), and Nagle's algorithm holds the client's next messages until that
/// acknowledgement comes. Every rank's `MPI_Finalize` therefore took 43–53 ms instead of 3–12 ms (C program
/// timing `MPI_Finalize` under `mpirun -np 2`, Debian's Open MPI 4.1.4 / PMIx 4.2, 4 runs each, with and
/// without this option), a fixed cost of every `mpirun` job that a one-process run does not pay.
///
/// Only the option changes: the bytes sent and their order are the same, each small message simply
/// leaves at once. The MPI transports open their own connections later with `TCP_NODELAY` already set.
public enum LauncherConnection {
    /// Sets `TCP_NODELAY` on every connected TCP socket of this process (listening sockets and other
    /// families are left alone) and returns how many were set. Call it right after `MPI_Init`, before
    /// the program opens connections of its own: the `pdekit` CLI opens none.
    @discardableResult
    public static func sendImmediately() -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return 0 }
        var count = 0
        for name in names {
            guard let descriptor = Int32(name), descriptor > 2, isConnectedTCPSocket(descriptor) else { continue }
            var enabled: Int32 = 1
            if setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &enabled, socklen_t(MemoryLayout<Int32>.size)) == 0 { count += 1 }
        }
        return count
    }

    /// Whether `descriptor` is a stream socket of the IPv4 or IPv6 family with a peer (connected TCP).
    static func isConnectedTCPSocket(_ descriptor: Int32) -> Bool {
        var type: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_TYPE, &type, &length) == 0, type == Int32(SOCK_STREAM.rawValue) else { return false }
        var address = sockaddr_storage()
        length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(descriptor, $0, &length) }
        }
        guard named == 0 else { return false }
        return Int32(address.ss_family) == AF_INET || Int32(address.ss_family) == AF_INET6
    }
}
