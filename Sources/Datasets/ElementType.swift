/// The element types PDEKit reads from and writes to dataset files.
///
/// Narrower integer types found in files (int8, int16, uint16, uint32) are widened on reading to
/// `int32` or `int64`, which hold them exactly.
public enum ElementType: String, Codable, Sendable, CaseIterable {
    case float32, float64, int32, int64, uint8, bool

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        case .uint8, .bool: return 1
        }
    }

    /// The NumPy type character and size (`f4`, `i8`, `u1`, `b1`) without byte order.
    public var numpyCode: String {
        switch self {
        case .float32: return "f4"
        case .float64: return "f8"
        case .int32: return "i4"
        case .int64: return "i8"
        case .uint8: return "u1"
        case .bool: return "b1"
        }
    }
}
