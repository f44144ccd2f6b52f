import TensorCore

/// Input and target fields of a supervised operator-learning set, in memory, channels first:
/// `inputs: [N, C_in, n₁, …, n_d]`, `targets: [N, C_out, n₁, …, n_d]`. A split of a
/// ``FieldPairFile`` is one; a trainer takes one for training, validation and testing.
public struct FieldPairs: Dataset, Sendable {
    public typealias Scalar = Float

    public let inputs: Tensor<Float>
    public let targets: Tensor<Float>

    /// Checks that the sample counts agree and that every value is finite.
    ///
    /// - Throws: `DatasetError.shapeMismatch` for shapes that do not pair up, `DatasetError.nonFinite`
    ///   when a value is NaN or infinite.
    public init(inputs: Tensor<Float>, targets: Tensor<Float>) throws(DatasetError) {
        guard inputs.rank >= 3, targets.rank == inputs.rank else {
            throw .shapeMismatch(path: "<pairs>", detail: "inputs \(inputs.shape) and targets \(targets.shape) must both be [samples, channels, grid…]")
        }
        guard inputs.shape[0] == targets.shape[0], inputs.shape[0] > 0 else {
            throw .shapeMismatch(path: "<pairs>", detail: "\(inputs.shape[0]) inputs but \(targets.shape[0]) targets")
        }
        guard inputs.shape.dropFirst(2) == targets.shape.dropFirst(2) else {
            throw .shapeMismatch(path: "<pairs>", detail: "input grid \(Array(inputs.shape.dropFirst(2))) differs from target grid \(Array(targets.shape.dropFirst(2)))")
        }
        guard inputs.isFinite else { throw .nonFinite(path: "<pairs>", detail: "inputs") }
        guard targets.isFinite else { throw .nonFinite(path: "<pairs>", detail: "targets") }
        self.inputs = inputs
        self.targets = targets
    }

    public var count: Int { inputs.shape[0] }
    public var inputSampleShape: [Int] { Array(inputs.shape.dropFirst()) }
    public var targetSampleShape: [Int] { Array(targets.shape.dropFirst()) }

    /// A 64-bit FNV-1a hash of both shapes and every value's bit pattern, inputs then targets: equal
    /// for the same samples in the same order, different (with overwhelming probability) otherwise.
    /// A checkpoint records it so that a resumed run cannot silently continue on other samples.
    public var fingerprint: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ word: UInt64) { hash = (hash ^ word) &* 0x0000_0100_0000_01b3 }
        for tensor in [inputs, targets] {
            for size in tensor.shape { mix(UInt64(size)) }
            tensor.scalars.withUnsafeBufferPointer { values in
                for value in values { mix(UInt64(value.bitPattern)) }
            }
        }
        return hash
    }

    /// The samples at `indices`, in that order.
    public func batch(_ indices: [Int]) -> (inputs: Tensor<Float>, targets: Tensor<Float>) {
        (Self.rows(inputs, indices), Self.rows(targets, indices))
    }

    public func samples(at indices: [Int]) -> Sample<Float> {
        Sample(input: Self.rows(inputs, indices), target: Self.rows(targets, indices))
    }

    /// Samples `range`, in order (already checked values: no new checks).
    public func subset(_ range: Range<Int>) -> FieldPairs {
        FieldPairs(checked: inputs.sliced(alongAxis: 0, range), targets: targets.sliced(alongAxis: 0, range))
    }

    init(checked inputs: Tensor<Float>, targets: Tensor<Float>) {
        self.inputs = inputs
        self.targets = targets
    }

    /// Rows `indices` of `tensor` (samples along axis 0), in that order.
    /// - Precondition: every index is in `0..<tensor.shape[0]`.
    public static func rows<Element: TensorScalar>(_ tensor: Tensor<Element>, _ indices: [Int]) -> Tensor<Element> {
        let samples = tensor.shape.first ?? 0
        let per = samples == 0 ? 0 : tensor.count / samples
        var shape = tensor.shape
        shape[0] = indices.count
        return Tensor(shape: shape) { out in
            tensor.scalars.withUnsafeBufferPointer { source in
                for (row, index) in indices.enumerated() {
                    precondition(index >= 0 && index < samples, "sample index \(index) out of 0..<\(samples)")
                    guard per > 0 else { continue }
                    (out.baseAddress! + row * per).update(from: source.baseAddress! + index * per, count: per)
                }
            }
        }
    }
}
