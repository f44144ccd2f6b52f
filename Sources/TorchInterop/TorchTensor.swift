import TensorCore

/// A tensor read from a PyTorch checkpoint, contiguous and row-major, converted to `Float`.
///
/// Complex tensors hold interleaved (real, imaginary) pairs: `scalars.count == 2 · Π shape`.
public struct TorchTensor: Sendable {
    public var shape: [Int]
    public var elementType: TorchElementType
    public var scalars: [Float]

    public init(shape: [Int], elementType: TorchElementType, scalars: [Float]) {
        self.shape = shape
        self.elementType = elementType
        self.scalars = scalars
    }

    /// Number of elements (complex pairs count once).
    public var count: Int { shape.reduce(1, *) }

    /// A real tensor as `Tensor<Float>`; complex ones gain a trailing axis of 2.
    public var tensor: Tensor<Float> {
        Tensor(uncheckedShape: shape + (elementType.isComplex ? [2] : []), scalars: scalars)
    }
}
