import Dispatch
import RunSupport

/// A pointer that may cross into `DispatchQueue.concurrentPerform` closures. The caller
/// guarantees that concurrent iterations touch disjoint elements.
public struct SendablePointer<Pointee>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Pointee>
    @inlinable public init(_ base: UnsafeMutablePointer<Pointee>) { self.base = base }
    @inlinable public init(mutating base: UnsafePointer<Pointee>) { self.base = UnsafeMutablePointer(mutating: base) }
}

/// Runs `body(range)` over `0..<count` split into contiguous chunks, in parallel when the work
/// is large enough to pay for it.
///
/// - Parameters:
///   - count: Number of items.
///   - minimumItemsPerChunk: Below twice this count the loop runs serially on the caller's thread.
///   - body: Called once per chunk with a disjoint half-open range; it must not touch other ranges.
/// - Complexity: `body` is called at most `ParallelLoop.workerCount` times.
///
/// Determinism: kernels give every output element the same bits whatever `workerCount` is. Work that
/// writes disjoint outputs may be split by `workerCount`; sums across items (weight gradients over a
/// batch) go through `reductionBlocks`, whose bounds depend only on the item count, and are added in
/// block order.
public enum ParallelLoop {
    /// The machine's active processor count.
    public static let processorCount: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Overrides `workerCount` for the current task or thread (`$workerCountOverride.withValue(3) { … }`),
    /// for tests that check results do not depend on it. Loops started inside a parallel loop's
    /// workers see the default.
    @TaskLocal public static var workerCountOverride: Int?

    /// Number of chunks a parallel loop uses: the override, else the process's thread cap
    /// (``RunSupport/ProcessThreads``, `PDEKIT_THREADS`), else the processor count.
    public static var workerCount: Int { workerCountOverride.map { max(1, $0) } ?? ProcessThreads.limit ?? processorCount }

    /// At most `maximumBlocks` contiguous blocks covering `0..<count`, as equal as possible, whose bounds
    /// depend only on `count` (never on the number of cores): a reduction that keeps one partial sum per
    /// block and adds the partials in block order gives the same bits on every machine and split.
    @inlinable
    public static func reductionBlocks(count: Int, maximumBlocks: Int = 8) -> [Range<Int>] {
        let blocks = min(max(count, 0), max(1, maximumBlocks))
        return (0..<blocks).map { (count * $0 / blocks)..<(count * ($0 + 1) / blocks) }
    }

    @inlinable
    public static func forEachChunk(count: Int, minimumItemsPerChunk: Int, _ body: (Range<Int>) -> Void) {
        let workers = workerCount
        let chunks = min(workers, count / max(1, minimumItemsPerChunk))
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { escapingBody in
            let box = UncheckedSendableBox(escapingBody)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = count * chunk / chunks
                let end = count * (chunk + 1) / chunks
                box.value(start..<end)
            }
        }
    }
}

/// Wraps a non-`Sendable` value for use inside `concurrentPerform`; the caller guarantees safety.
public struct UncheckedSendableBox<Value>: @unchecked Sendable {
    public let value: Value
    @inlinable public init(_ value: Value) { self.value = value }
}

import Foundation
