/// Part `index` of `count` equal parts of a job: `--shard I/N` on the command line (0-based I), or
/// rank I of an N-rank MPI job.
///
/// Part I of n items is the contiguous range `⌊I·n/N⌋ ..< ⌊(I+1)·n/N⌋`: the parts cover `0..<n`
/// once, in order, and differ in length by at most one.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// - Throws: ``DistributedError/invalidShard(_:)`` unless `0 ≤ index < count`.
    public init(index: Int, count: Int) throws {
        guard count >= 1, index >= 0, index < count else {
            throw DistributedError.invalidShard("\(index)/\(count) needs 0 ≤ I < N")
        }
        self.index = index
        self.count = count
    }

    /// The whole job as one part.
    public static let whole = try! Shard(index: 0, count: 1)

    /// Parses `I/N`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw DistributedError.invalidShard("'\(text.prefix(40))' is not I/N (for example 0/4)")
        }
        try self.init(index: index, count: count)
    }

    /// The shard of `communicator`'s rank.
    public init(of communicator: Communicator) {
        self = try! Shard(index: communicator.rank, count: communicator.size)
    }

    /// This part's range of `0..<itemCount`.
    public func range(of itemCount: Int) -> Range<Int> {
        Self.bound(index, count, itemCount)..<Self.bound(index + 1, count, itemCount)
    }

    /// ⌊i·n/N⌋ without overflow for 0 ≤ i ≤ N: i·⌊n/N⌋ ≤ n, and i·(n mod N) is formed in double width.
    static func bound(_ i: Int, _ parts: Int, _ n: Int) -> Int {
        let (quotient, remainder) = n.quotientAndRemainder(dividingBy: parts)
        let product = i.multipliedFullWidth(by: remainder)
        return i * quotient + parts.dividingFullWidth(product).quotient
    }

    public var isWhole: Bool { count == 1 }
    public var description: String { "\(index)/\(count)" }
}
