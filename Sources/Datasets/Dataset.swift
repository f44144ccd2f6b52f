import TensorCore

/// One sample (or a batch of samples stacked along axis 0): an operator's input and the target
/// it should map to.
public struct Sample<Scalar: TensorScalar>: Sendable {
    /// Input field(s), e.g. the Darcy coefficient a(x) or the Burgers initial condition u₀.
    public var input: Tensor<Scalar>
    /// Target field(s), e.g. the solution u(x) or u(·, T).
    public var target: Tensor<Scalar>

    public init(input: Tensor<Scalar>, target: Tensor<Scalar>) {
        self.input = input
        self.target = target
    }
}

/// A finite, indexable collection of input/target samples for supervised operator learning:
/// ``FieldPairs`` (a split in memory) and ``FieldPairFile`` (all pairs of a data file) conform.
public protocol Dataset {
    associatedtype Scalar: TensorScalar
    /// Number of samples.
    var count: Int { get }
    /// Shape of one input sample (without the sample axis).
    var inputSampleShape: [Int] { get }
    /// Shape of one target sample (without the sample axis).
    var targetSampleShape: [Int] { get }
    /// The samples at `indices`, stacked along a new axis 0 in that order.
    /// - Precondition: every index is in `0..<count`.
    func samples(at indices: [Int]) -> Sample<Scalar>
}

extension Dataset {
    /// Sample `index` without a sample axis.
    public func sample(at index: Int) -> Sample<Scalar> {
        let batch = samples(at: [index])
        return Sample(input: batch.input.reshaped(inputSampleShape), target: batch.target.reshaped(targetSampleShape))
    }

    /// Mini-batches over one epoch, optionally shuffled with a seed.
    public func batches(size: Int, order: BatchOrder = .sequential, dropLast: Bool = false) -> BatchIterator<Self> {
        BatchIterator(dataset: self, batchSize: size, order: order, dropLast: dropLast)
    }
}
