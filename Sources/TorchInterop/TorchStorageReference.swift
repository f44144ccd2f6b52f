/// A storage of a `torch.save` archive: the file `data/<key>` holding `count` elements.
public struct TorchStorageReference: Sendable, Equatable {
    public var elementType: TorchElementType
    public var key: String
    public var count: Int
}

/// A tensor view of a storage: `element(i₁, …, i_k) = storage[offset + Σ i_j stride_j]`.
public struct TorchTensorReference: Sendable, Equatable {
    public var storage: TorchStorageReference
    public var offset: Int
    public var shape: [Int]
    public var strides: [Int]
}

/// Element types of PyTorch storages and safetensors entries that the importer reads.
public enum TorchElementType: String, Sendable, CaseIterable {
    case float16 = "HalfStorage", bfloat16 = "BFloat16Storage", float32 = "FloatStorage", float64 = "DoubleStorage"
    case complex64 = "ComplexFloatStorage", complex128 = "ComplexDoubleStorage"
    case int64 = "LongStorage", int32 = "IntStorage", int16 = "ShortStorage", int8 = "CharStorage"
    case uint8 = "ByteStorage", bool = "BoolStorage"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .float16, .bfloat16, .int16: return 2
        case .float32, .int32: return 4
        case .float64, .int64, .complex64: return 8
        case .complex128: return 16
        }
    }
    /// Whether an element is a complex pair.
    public var isComplex: Bool { self == .complex64 || self == .complex128 }
}
