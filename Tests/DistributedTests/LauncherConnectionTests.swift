import Foundation
import Testing
import Distributed

/// `LauncherConnection.sendImmediately()` sets `TCP_NODELAY` on connected TCP sockets only, read back
/// from the kernel with `getsockopt`: a loopback connection (both ends) gets it, the listening socket
/// and a Unix-domain pair are left alone.
@Suite struct LauncherConnectionTests {
    func noDelay(_ descriptor: Int32) -> Int32? {
        var value: Int32 = -1
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &value, &length) == 0 ? value : nil
    }

    @Test func setsNoDelayOnConnectedTCPSocketsOnly() throws {
        // A listener on an ephemeral loopback port, a client connected to it, and the accepted end.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        #expect(bound && listen(listener, 1) == 0)
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(client) }
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        #expect(connected)
        let server = accept(listener, nil, nil)
        #expect(server >= 0)
        defer { close(server) }
        var pair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { pair.forEach { close($0) } }
        // Linux default: Nagle on.
        #expect(noDelay(client) == 0 && noDelay(server) == 0 && noDelay(listener) == 0)

        let count = LauncherConnection.sendImmediately()
        #expect(count >= 2)
        #expect(noDelay(client) == 1 && noDelay(server) == 1)
        #expect(noDelay(listener) == 0)
        #expect(noDelay(pair[0]) == nil && noDelay(pair[1]) == nil)   // no TCP level on a Unix-domain socket
    }
}
