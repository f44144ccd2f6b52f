/// A dense, row-major, n-dimensional array of `Float` or `Double`.
///
/// `Tensor` is a value: it holds its elements in a Swift `Array`, so copies are cheap and
/// copy-on-write. The last dimension is contiguous. Complex tensors are real tensors whose last
/// dimension has size 2 (interleaved real and imaginary parts, FFTW's layout); see
/// `Tensor+Complex.swift`.
///
/// Operations whose shapes come from code (a layer's own weights) check with `precondition`;
/// everything whose shape can come from a user (data, files, flags) has a throwing entry point
/// (`init(shape:scalars:)`, `reshaped(to:)`, `broadcastShape(_:_:)`, `concatenated(_:alongAxis:)`).
public struct Tensor<Scalar: TensorScalar>: Sendable {
    /// Size of each dimension, outermost first.
    public let shape: [Int]
    /// Elements in row-major order. Invariant: `scalars.count == shape.reduce(1, *)`; code that
    /// mutates elements in place must keep the count (no observer checks it, to keep in-place
    /// updates free of copies).
    public var scalars: [Scalar]

    /// Creates a tensor from a shape and row-major elements, checking that they agree.
    /// - Throws: `TensorError.invalidShape` or `.elementCountMismatch`.
    @inlinable
    public init(shape: [Int], scalars: [Scalar]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw TensorError.invalidShape(shape) }
        guard shape.reduce(1, *) == scalars.count else {
            throw TensorError.elementCountMismatch(shape: shape, count: scalars.count)
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor whose shape and element count are known to agree (programmer's guarantee).
    @inlinable
    public init(uncheckedShape shape: [Int], scalars: [Scalar]) {
        precondition(shape.reduce(1, *) == scalars.count, "shape \(shape) does not match \(scalars.count) elements")
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor filled with one value.
    @inlinable
    public init(repeating value: Scalar, shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "invalid shape \(shape)")
        self.shape = shape
        self.scalars = [Scalar](repeating: value, count: shape.reduce(1, *))
    }

    /// Creates a rank-0 tensor holding one value.
    @inlinable
    public init(_ value: Scalar) {
        self.shape = []
        self.scalars = [value]
    }

    /// Creates a rank-1 tensor from an array.
    @inlinable
    public init(_ values: [Scalar]) {
        self.shape = [values.count]
        self.scalars = values
    }

    /// Creates a tensor by writing `count` elements through `initializer`, without zero-filling first.
    @inlinable
    public init(shape: [Int], initializingWith initializer: (UnsafeMutableBufferPointer<Scalar>) -> Void) {
        let count = shape.reduce(1, *)
        self.shape = shape
        self.scalars = [Scalar](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            initializer(buffer)
            initializedCount = count
        }
    }

    /// A tensor of zeros.
    @inlinable
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }

    /// A tensor of ones.
    @inlinable
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }
    /// Number of elements.
    @inlinable public var count: Int { scalars.count }

    /// The single element of a tensor with one element.
    @inlinable
    public var scalar: Scalar {
        precondition(scalars.count == 1, "scalar: tensor of shape \(shape) has \(scalars.count) elements")
        return scalars[0]
    }

    /// Row-major strides in elements.
    @inlinable
    public var strides: [Int] { Tensor.contiguousStrides(for: shape) }

    /// Row-major strides of a shape, in elements.
    @inlinable
    public static func contiguousStrides(for shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// Element access by multi-index (for tests and small tensors; hot loops use buffers).
    @inlinable
    public subscript(_ index: Int...) -> Scalar {
        get { scalars[flatIndex(index)] }
        set { scalars[flatIndex(index)] = newValue }
    }

    @inlinable
    func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) has the wrong rank for shape \(shape)")
        var flat = 0
        for axis in 0..<shape.count {
            precondition(index[axis] >= 0 && index[axis] < shape[axis], "index \(index) out of range for shape \(shape)")
            flat = flat * shape[axis] + index[axis]
        }
        return flat
    }

    /// Whether every element is finite (no NaN, no infinity).
    @inlinable
    public var isFinite: Bool {
        scalars.withUnsafeBufferPointer { buffer in
            var allFinite = true
            for value in buffer where !value.isFinite { allFinite = false; break }
            return allFinite
        }
    }

    /// Throws `TensorError.nonFiniteValue` if any element is NaN or infinite.
    @inlinable
    public func checkFinite(_ context: @autoclosure () -> String) throws {
        if !isFinite { throw TensorError.nonFiniteValue(context: context()) }
    }

    /// Converts the elements to another precision.
    @inlinable
    public func converted<Other: TensorScalar>(to: Other.Type) -> Tensor<Other> {
        Tensor<Other>(uncheckedShape: shape, scalars: scalars.map { Other($0) })
    }

    /// Normalizes a possibly negative axis (`-1` is the last) and checks its range.
    @inlinable
    public func normalizedAxis(_ axis: Int) -> Int {
        let normalized = axis < 0 ? axis + rank : axis
        precondition(normalized >= 0 && normalized < rank, "axis \(axis) out of range for rank \(rank)")
        return normalized
    }
}

extension Tensor: Equatable {
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && lhs.scalars == rhs.scalars
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor<\(Scalar.typeName)>(shape: \(shape), [\(preview)\(scalars.count > 8 ? ", …" : "")])"
    }
}
