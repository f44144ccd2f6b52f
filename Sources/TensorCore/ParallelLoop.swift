import Dispatch

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
public enum ParallelLoop {
    /// Number of chunks a parallel loop uses (the machine's active processor count).
    public static let workerCount: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    @inlinable
    public static func forEachChunk(count: Int, minimumItemsPerChunk: Int, _ body: (Range<Int>) -> Void) {
        let chunks = min(workerCount, count / max(1, minimumItemsPerChunk))
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
