import Foundation

/// Size arithmetic that cannot overflow, and the check of a request against the machine's memory.
///
/// Every size read from a file or a flag goes through ``product(_:what:)`` (an element count) and
/// ``bytes(elements:bytesPerElement:what:)`` before anything is allocated; ``require(bytes:what:)``
/// then refuses a request larger than the physical memory, so that a typo such as
/// `--resolution 3037000500` is one error line instead of an abort in the allocator.
public struct MemoryBudget: Sendable {
    /// Bytes the request may use at most.
    public let limitBytes: Int

    /// A budget of `limitBytes` (default: the machine's physical memory).
    public init(limitBytes: Int = MemoryBudget.physicalMemoryBytes) {
        self.limitBytes = limitBytes
    }

    /// A budget with no limit, for `--force`.
    public static let unlimited = MemoryBudget(limitBytes: .max)

    /// The machine's physical memory in bytes (`sysconf(_SC_PHYS_PAGES) × page size`).
    public static var physicalMemoryBytes: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return .max }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        return overflow ? .max : bytes
    }

    /// `∏ factors`, refusing negative factors and overflow.
    public static func product(_ factors: [Int], what: String) throws(MemoryBudgetError) -> Int {
        var result = 1
        for factor in factors {
            guard factor >= 0 else { throw .invalidSize(what: what, detail: "negative extent \(factor)") }
            let (next, overflow) = result.multipliedReportingOverflow(by: factor)
            guard !overflow else { throw .overflow(what: what, factors: factors) }
            result = next
        }
        return result
    }

    /// `elements × bytesPerElement`, refusing overflow.
    public static func bytes(elements: Int, bytesPerElement: Int, what: String) throws(MemoryBudgetError) -> Int {
        try product([elements, bytesPerElement], what: what)
    }

    /// Throws when `bytes` exceeds the budget.
    public func require(bytes: Int, what: String) throws(MemoryBudgetError) {
        guard bytes <= limitBytes else { throw .exceeds(what: what, bytes: bytes, limit: limitBytes) }
    }

    /// Checks that `∏ shape` elements of `bytesPerElement` bytes fit, and returns the element count.
    @discardableResult
    public func requireArray(shape: [Int], bytesPerElement: Int, what: String) throws(MemoryBudgetError) -> Int {
        let count = try Self.product(shape, what: what)
        try require(bytes: Self.bytes(elements: count, bytesPerElement: bytesPerElement, what: what), what: what)
        return count
    }
}

/// A size request that cannot be served.
public enum MemoryBudgetError: Error, CustomStringConvertible, Equatable, Sendable {
    case overflow(what: String, factors: [Int])
    case invalidSize(what: String, detail: String)
    case exceeds(what: String, bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .overflow(let what, let factors):
            return "\(what): the size \(factors.map(String.init).joined(separator: " × ")) overflows a 64-bit count"
        case .invalidSize(let what, let detail):
            return "\(what): \(detail)"
        case .exceeds(let what, let bytes, let limit):
            return "\(what) needs \(MemoryBudgetError.format(bytes)) but this machine has \(MemoryBudgetError.format(limit)) of memory (--force overrides where offered)"
        }
    }

    static func format(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
