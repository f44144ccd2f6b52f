import TensorCore

/// A dataset held as two tensors whose axis 0 indexes samples: `inputs` of shape `[N] + a` and
/// `targets` of shape `[N] + b`, with an optional shared `grid` (e.g. the coordinates).
public struct InMemoryDataset<Scalar: TensorScalar>: Dataset, Sendable {
    /// All inputs, samples along axis 0.
    public let inputs: Tensor<Scalar>
    /// All targets, samples along axis 0.
    public let targets: Tensor<Scalar>
    /// Coordinates shared by every sample, if known.
    public let grid: Tensor<Scalar>?

    /// - Throws: `DatasetError.shapeMismatch` when the sample counts differ or a tensor has no axis.
    public init(inputs: Tensor<Scalar>, targets: Tensor<Scalar>, grid: Tensor<Scalar>? = nil) throws {
        guard let inputCount = inputs.shape.first, let targetCount = targets.shape.first, inputCount == targetCount else {
            throw DatasetError.shapeMismatch(path: "<dataset>", detail: "inputs \(inputs.shape) and targets \(targets.shape) must have the same number of samples along axis 0")
        }
        self.inputs = inputs
        self.targets = targets
        self.grid = grid
    }

    /// Loads inputs and targets from a file by key, e.g. `coeff`/`sol` (FNO Darcy) or `a`/`u`
    /// (FNO Burgers), optionally keeping only the first `limit` samples.
    public init(contentsOf path: String, inputKey: String, targetKey: String, limit: Int? = nil) throws {
        let file = try DatasetLoader.open(path)
        var input = try file.array(named: inputKey)
        var target = try file.array(named: targetKey)
        if let limit {
            let available = min(input.shape.first ?? 0, target.shape.first ?? 0)
            guard limit <= available else {
                throw DatasetError.shapeMismatch(path: path, detail: "asked for \(limit) samples, the file has \(available)")
            }
            input = try input.samples(0..<limit)
            target = try target.samples(0..<limit)
        }
        do {
            try self.init(inputs: input.tensor(as: Scalar.self), targets: target.tensor(as: Scalar.self))
        } catch DatasetError.shapeMismatch(_, let detail) {
            throw DatasetError.shapeMismatch(path: path, detail: detail)
        }
    }

    public var count: Int { inputs.shape[0] }
    public var inputSampleShape: [Int] { Array(inputs.shape.dropFirst()) }
    public var targetSampleShape: [Int] { Array(targets.shape.dropFirst()) }

    public func batch(_ indices: [Int]) -> Sample<Scalar> {
        Sample(input: Self.gather(inputs, indices), target: Self.gather(targets, indices))
    }

    /// Samples `range` as a new dataset (e.g. the first 1000 for training, the last 100 for testing).
    public func subset(_ range: Range<Int>) -> InMemoryDataset {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "subset \(range) out of 0..<\(count)")
        return try! InMemoryDataset(inputs: inputs.sliced(alongAxis: 0, range), targets: targets.sliced(alongAxis: 0, range), grid: grid)
    }

    static func gather(_ tensor: Tensor<Scalar>, _ indices: [Int]) -> Tensor<Scalar> {
        let sampleSize = tensor.shape.dropFirst().reduce(1, *)
        let samples = tensor.shape[0]
        return Tensor(shape: [indices.count] + tensor.shape.dropFirst(), initializingWith: { destination in
            tensor.scalars.withUnsafeBufferPointer { source in
                for (position, index) in indices.enumerated() {
                    precondition(index >= 0 && index < samples, "sample index \(index) out of 0..<\(samples)")
                    guard sampleSize > 0 else { continue }
                    (destination.baseAddress! + position * sampleSize)
                        .update(from: source.baseAddress! + index * sampleSize, count: sampleSize)
                }
            }
        })
    }
}
