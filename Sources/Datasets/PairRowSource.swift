import RunSupport
import TensorCore

/// Input/target rows read from disk on demand, what a streamed operator-training task reads a chunk at a
/// time (``ChunkPrefetcher``): a file's pairs (``FieldPairStream``) or pairs formed from time series
/// (``SpaceTimePairStream``). Reads may come from a prefetch thread and the training thread at once.
public protocol PairRowSource: AnyObject, Sendable {
    /// The file (or directory) read, named in errors.
    var path: String { get }
    /// Rows, `N`.
    var count: Int { get }
    /// `[C_in, grid…]` and `[C_out, grid…]` of one row.
    var inputSampleShape: [Int] { get }
    var targetSampleShape: [Int] { get }
    /// Rows `indices` (in that order, repeats allowed) as `[n] + inputSampleShape` and `[n] + targetSampleShape`.
    /// - Throws: `DatasetError` for an index outside the rows, a changed file, NaN, or a read failure.
    func read(_ indices: [Int]) throws -> (inputs: Tensor<Float>, targets: Tensor<Float>)
    /// ``read(_:)`` with the inputs encoded by `normalizer` (nil: as read), bit for bit
    /// `normalizer.encode(read(indices).inputs)`; a source that expands what it reads (space-time pairs
    /// repeat each state along time) encodes before it expands.
    func read(_ indices: [Int], encodingInputsWith normalizer: UnitGaussianNormalizer<Float>?) throws -> (inputs: Tensor<Float>, targets: Tensor<Float>)
}

extension PairRowSource {
    public func read(_ indices: [Int], encodingInputsWith normalizer: UnitGaussianNormalizer<Float>?) throws -> (inputs: Tensor<Float>, targets: Tensor<Float>) {
        let (inputs, targets) = try read(indices)
        return (normalizer?.encode(inputs) ?? inputs, targets)
    }

    /// Bytes of one row (inputs and targets) as Float32 in memory (saturating).
    public var bytesPerRow: Int {
        let input = (try? MemoryBudget.product(inputSampleShape, what: "a row's inputs")) ?? .max
        let target = (try? MemoryBudget.product(targetSampleShape, what: "a row's targets")) ?? .max
        let (values, overflow) = input.addingReportingOverflow(target)
        return overflow ? .max : (try? MemoryBudget.product([values, MemoryLayout<Float>.size], what: "a row")) ?? .max
    }
}
