import TensorCore

/// Input and target fields of a supervised operator-learning set, in memory, channels first:
/// `inputs: [N, C_in, n₁, …, n_d]`, `targets: [N, C_out, n₁, …, n_d]`.
public struct FieldPairs: Sendable {
    public let inputs: Tensor<Float>
    public let targets: Tensor<Float>

    /// Checks that the sample counts agree and that every value is finite.
    public init(inputs: Tensor<Float>, targets: Tensor<Float>) throws(TrainingError) {
        guard inputs.rank >= 3, targets.rank == inputs.rank else {
            throw .dataMismatch("inputs \(inputs.shape) and targets \(targets.shape) must both be [samples, channels, grid…]")
        }
        guard inputs.shape[0] == targets.shape[0], inputs.shape[0] > 0 else {
            throw .dataMismatch("\(inputs.shape[0]) inputs but \(targets.shape[0]) targets")
        }
        guard inputs.shape.dropFirst(2) == targets.shape.dropFirst(2) else {
            throw .dataMismatch("input grid \(Array(inputs.shape.dropFirst(2))) differs from target grid \(Array(targets.shape.dropFirst(2)))")
        }
        guard inputs.isFinite else { throw .nonFiniteData("inputs") }
        guard targets.isFinite else { throw .nonFiniteData("targets") }
        self.inputs = inputs
        self.targets = targets
    }

    public var count: Int { inputs.shape[0] }

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

    static func rows(_ tensor: Tensor<Float>, _ indices: [Int]) -> Tensor<Float> {
        let per = tensor.count / tensor.shape[0]
        var shape = tensor.shape
        shape[0] = indices.count
        return Tensor(shape: shape) { out in
            tensor.scalars.withUnsafeBufferPointer { source in
                for (row, index) in indices.enumerated() {
                    (out.baseAddress! + row * per).update(from: source.baseAddress! + index * per, count: per)
                }
            }
        }
    }
}
