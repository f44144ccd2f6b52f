import TensorCore

/// The order in which an epoch visits samples.
public enum BatchOrder: Sendable, Equatable {
    /// 0, 1, 2, …
    case sequential
    /// A uniformly random permutation (Fisher–Yates) drawn from a `SeededRandomNumberGenerator`;
    /// the same seed gives the same order on every machine.
    case shuffled(seed: UInt64)
}

/// Mini-batches over one epoch of a dataset.
///
/// The epoch's sample order is fixed when the iterator is made; batches are consecutive runs of
/// `batchSize` indices of that order, the last one shorter unless `dropLast` is set. For a new
/// order each epoch pass a seed derived from the epoch, e.g. `.shuffled(seed: base &+ epoch)`.
public struct BatchIterator<Source: Dataset>: IteratorProtocol, Sequence {
    public let dataset: Source
    public let batchSize: Int
    public let dropLast: Bool
    /// The epoch's sample order.
    public let order: [Int]
    private var position = 0

    public init(dataset: Source, batchSize: Int, order: BatchOrder = .sequential, dropLast: Bool = false) {
        precondition(batchSize > 0, "batch size must be positive")
        self.dataset = dataset
        self.batchSize = batchSize
        self.dropLast = dropLast
        var indices = Array(0..<dataset.count)
        if case .shuffled(let seed) = order {
            var generator = SeededRandomNumberGenerator(seed: seed)
            // Fisher–Yates: swap position i with a uniform j in 0...i, from the end down.
            if indices.count > 1 {
                for i in stride(from: indices.count - 1, to: 0, by: -1) {
                    let j = Int(generator.next() % UInt64(i + 1))
                    indices.swapAt(i, j)
                }
            }
        }
        self.order = indices
    }

    /// Number of batches in the epoch.
    public var batchCount: Int { dropLast ? order.count / batchSize : (order.count + batchSize - 1) / batchSize }

    public mutating func next() -> Sample<Source.Scalar>? {
        let end = Swift.min(position + batchSize, order.count)
        guard position < end, !(dropLast && end - position < batchSize) else { return nil }
        defer { position = end }
        return dataset.samples(at: Array(order[position..<end]))
    }
}
