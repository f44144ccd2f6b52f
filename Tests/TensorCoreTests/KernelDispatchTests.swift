import Foundation
import Testing
import TensorCore

/// The kernels' run-time level is the CPU's (from /proc/cpuinfo, read independently here) capped by
/// `PDEKIT_SIMD_LEVEL`: scripts/kernel-levels-check.sh runs the kernel suites under each cap and
/// relies on this.
@Suite struct KernelDispatchTests {
    /// The CPU's level from the flags in /proc/cpuinfo (nil where that file is missing).
    static func machineLevel() -> KernelDispatch.Level? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(line.split(separator: " ").map(String.init))
        if ["avx512f", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return .avx512 }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return .avx2 }
        return .baseline
    }

    @Test func levelIsTheMachinesCappedByTheEnvironment() throws {
        let machine = try #require(Self.machineLevel(), "no /proc/cpuinfo")
        var expected = machine
        if let cap = ProcessInfo.processInfo.environment["PDEKIT_SIMD_LEVEL"], let capped = Int(cap).flatMap(KernelDispatch.Level.init) {
            expected = min(machine, capped)
        }
        #expect(KernelDispatch.level == expected, "machine \(machine), cap \(ProcessInfo.processInfo.environment["PDEKIT_SIMD_LEVEL"] ?? "none")")
    }
}
