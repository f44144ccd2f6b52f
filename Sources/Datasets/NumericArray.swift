import Foundation
import TensorCore

/// A typed, row-major n-dimensional array read from or written to a dataset file.
///
/// The element type is kept as found in the file (`float32`, `float64`, `int32`, `int64`, `uint8`,
/// `bool`); `tensor(as:)` converts to `Tensor<Float>` or `Tensor<Double>` for computation.
/// Element `i` of a row-major array of shape `[d₀, …, dₙ₋₁]` sits at flat index
/// ```
/// i = ((i₀ d₁ + i₁) d₂ + i₂) … dₙ₋₁ + iₙ₋₁
/// ```
public struct NumericArray: Equatable, Sendable {
    /// The elements, one case per element type.
    public enum Storage: Equatable, Sendable {
        case float32([Float])
        case float64([Double])
        case int32([Int32])
        case int64([Int64])
        case uint8([UInt8])
        case bool([Bool])

        /// Number of elements.
        public var count: Int {
            switch self {
            case .float32(let values): return values.count
            case .float64(let values): return values.count
            case .int32(let values): return values.count
            case .int64(let values): return values.count
            case .uint8(let values): return values.count
            case .bool(let values): return values.count
            }
        }

        /// The element type of this storage.
        public var elementType: ElementType {
            switch self {
            case .float32: return .float32
            case .float64: return .float64
            case .int32: return .int32
            case .int64: return .int64
            case .uint8: return .uint8
            case .bool: return .bool
            }
        }
    }

    /// Extent along each axis (empty for a scalar).
    public let shape: [Int]
    /// The elements in row-major order.
    public let storage: Storage

    /// Creates an array, checking that the element count equals the product of the shape.
    ///
    /// - Throws: `DatasetError.shapeMismatch` when they differ or an extent is negative.
    public init(shape: [Int], storage: Storage) throws {
        guard shape.allSatisfy({ $0 >= 0 }), NumericArray.elementCount(shape) == storage.count else {
            throw DatasetError.shapeMismatch(path: "<array>", detail: "shape \(shape) needs \(NumericArray.elementCount(shape) ?? -1) elements, got \(storage.count)")
        }
        self.shape = shape
        self.storage = storage
    }

    /// Creates an array from trusted parts (the count has been checked by the caller).
    init(checkedShape shape: [Int], storage: Storage) {
        self.shape = shape
        self.storage = storage
    }

    /// Creates a `float32` or `float64` array holding a tensor's elements.
    public init<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>) {
        shape = tensor.shape
        if Scalar.self == Float.self {
            storage = .float32(unsafeBitCast(tensor.scalars, to: [Float].self))
        } else if Scalar.self == Double.self {
            storage = .float64(unsafeBitCast(tensor.scalars, to: [Double].self))
        } else {
            storage = .float64(tensor.scalars.map { Double($0) })
        }
    }

    /// Product of the extents, or nil on overflow.
    static func elementCount(_ shape: [Int]) -> Int? {
        var total = 1
        for extent in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: extent)
            if overflow { return nil }
            total = product
        }
        return total
    }

    /// The element type.
    public var elementType: ElementType { storage.elementType }
    /// Number of elements.
    public var count: Int { storage.count }
    /// Number of axes.
    public var rank: Int { shape.count }

    /// The elements converted to `Double` (booleans as 0 and 1).
    public var doubleValues: [Double] {
        switch storage {
        case .float32(let values): return values.map(Double.init)
        case .float64(let values): return values
        case .int32(let values): return values.map(Double.init)
        case .int64(let values): return values.map(Double.init)
        case .uint8(let values): return values.map(Double.init)
        case .bool(let values): return values.map { $0 ? 1 : 0 }
        }
    }

    /// The elements converted to `Scalar` (Float or Double), as a tensor of the same shape.
    public func tensor<Scalar: TensorScalar>(as type: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        let scalars: [Scalar]
        switch storage {
        case .float32(let values):
            scalars = Scalar.self == Float.self ? unsafeBitCast(values, to: [Scalar].self) : values.map { Scalar($0) }
        case .float64(let values):
            scalars = Scalar.self == Double.self ? unsafeBitCast(values, to: [Scalar].self) : values.map { Scalar($0) }
        case .int32(let values): scalars = values.map { Scalar($0) }
        case .int64(let values): scalars = values.map { Scalar($0) }
        case .uint8(let values): scalars = values.map { Scalar($0) }
        case .bool(let values): scalars = values.map { $0 ? 1 : 0 }
        }
        return Tensor(uncheckedShape: shape, scalars: scalars)
    }

    /// Minimum, maximum and mean of the elements, or nil for an empty array.
    ///
    /// NaN elements are skipped for the minimum and maximum and propagate into the mean.
    public var statistics: (minimum: Double, maximum: Double, mean: Double)? {
        guard count > 0 else { return nil }
        var minimum = Double.infinity, maximum = -Double.infinity, sum = 0.0
        func visit<S: Sequence>(_ values: S, _ convert: (S.Element) -> Double) {
            for value in values {
                let x = convert(value)
                if x < minimum { minimum = x }
                if x > maximum { maximum = x }
                sum += x
            }
        }
        switch storage {
        case .float32(let values): visit(values) { Double($0) }
        case .float64(let values): visit(values) { $0 }
        case .int32(let values): visit(values) { Double($0) }
        case .int64(let values): visit(values) { Double($0) }
        case .uint8(let values): visit(values) { Double($0) }
        case .bool(let values): visit(values) { $0 ? 1 : 0 }
        }
        return (minimum, maximum, sum / Double(count))
    }

    /// The samples `range` along axis 0 (shape `[range.count] + shape[1...]`).
    public func samples(_ range: Range<Int>) throws -> NumericArray {
        guard let first = shape.first, range.lowerBound >= 0, range.upperBound <= first else {
            throw DatasetError.shapeMismatch(path: "<array>", detail: "samples \(range) out of range for shape \(shape)")
        }
        let stride = shape.dropFirst().reduce(1, *)
        let elements = range.lowerBound * stride..<range.upperBound * stride
        return NumericArray(checkedShape: [range.count] + shape.dropFirst(), storage: storage.slice(elements))
    }

    /// Reinterprets the elements with a new shape of the same element count.
    public func reshaped(_ newShape: [Int]) throws -> NumericArray { try NumericArray(shape: newShape, storage: storage) }

    /// The array with its axes in reverse order (a full transpose).
    ///
    /// Column-major data of shape `s` read as row-major has shape `reversed(s)`; reversing the axes
    /// of that gives the row-major array of shape `s` (how Fortran-order NPY and MATLAB data are
    /// converted).
    public func reversingAxes() -> NumericArray {
        guard rank > 1 else { return self }
        let newShape = Array(shape.reversed())
        return NumericArray(checkedShape: newShape, storage: storage.permuted(from: shape))
    }
}

extension NumericArray.Storage {
    func slice(_ range: Range<Int>) -> NumericArray.Storage {
        switch self {
        case .float32(let values): return .float32(Array(values[range]))
        case .float64(let values): return .float64(Array(values[range]))
        case .int32(let values): return .int32(Array(values[range]))
        case .int64(let values): return .int64(Array(values[range]))
        case .uint8(let values): return .uint8(Array(values[range]))
        case .bool(let values): return .bool(Array(values[range]))
        }
    }

    /// Elements of the row-major array of shape `shape` rearranged into its full transpose.
    func permuted(from shape: [Int]) -> NumericArray.Storage {
        func transpose<T>(_ values: [T]) -> [T] {
            let rank = shape.count
            let count = values.count
            guard count > 0 else { return values }
            // Strides of the source, read in reversed axis order.
            var sourceStrides = [Int](repeating: 1, count: rank)
            for axis in stride(from: rank - 2, through: 0, by: -1) { sourceStrides[axis] = sourceStrides[axis + 1] * shape[axis + 1] }
            let newShape = Array(shape.reversed())
            let newStrides = Array(sourceStrides.reversed())  // source stride for each destination axis
            var result = [T]()
            result.reserveCapacity(count)
            var index = [Int](repeating: 0, count: rank)
            var sourceOffset = 0
            for _ in 0..<count {
                result.append(values[sourceOffset])
                var axis = rank - 1
                while axis >= 0 {
                    index[axis] += 1
                    sourceOffset += newStrides[axis]
                    if index[axis] < newShape[axis] { break }
                    sourceOffset -= newStrides[axis] * newShape[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
            return result
        }
        switch self {
        case .float32(let values): return .float32(transpose(values))
        case .float64(let values): return .float64(transpose(values))
        case .int32(let values): return .int32(transpose(values))
        case .int64(let values): return .int64(transpose(values))
        case .uint8(let values): return .uint8(transpose(values))
        case .bool(let values): return .bool(transpose(values))
        }
    }

    /// The elements as little-endian bytes (booleans as 0/1 bytes).
    func littleEndianBytes() -> [UInt8] {
        func bytes<T>(_ values: [T]) -> [UInt8] { values.withUnsafeBytes { [UInt8]($0) } }
        // The host is little-endian (x86_64, arm64), so the in-memory bytes are little-endian.
        switch self {
        case .float32(let values): return bytes(values)
        case .float64(let values): return bytes(values)
        case .int32(let values): return bytes(values)
        case .int64(let values): return bytes(values)
        case .uint8(let values): return values
        case .bool(let values): return values.map { $0 ? 1 : 0 }
        }
    }
}
