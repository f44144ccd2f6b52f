import Foundation

/// The pickles NumPy writes into object arrays (`dtype=object`), read by `RestrictedUnpickler` and
/// interpreted as a list or tuple of numeric `ndarray`s such as DeepXDE's `X = [branch, trunk]`.
///
/// Only the globals NumPy's `ndarray.__reduce__` emits may appear
/// (`numpy.core.multiarray._reconstruct`, `numpy._core.multiarray._reconstruct`, `numpy.ndarray`,
/// `numpy.dtype`) and `_codecs.encode` (protocol-2 bytes); any other global is refused where it
/// appears, and nothing is ever called. An ndarray is `_reconstruct(ndarray, (0,), b'b')` with the
/// `BUILD` state `(version, shape, dtype, is_fortran, data)`, `data` raw bytes (numeric) or a list
/// (object); a dtype is `dtype(code, False, True)` with the state `(version, byteorder, …)`.
enum NumPyPickle {
    static let allowedGlobals: Set<String> = [
        "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
        "numpy.ndarray", "numpy.dtype", "_codecs.encode",
    ]

    /// Unpickles an object array of numeric arrays and returns its elements in order.
    static func numericArrays(in bytes: ArraySlice<UInt8>, path: String) throws -> [NumericArray] {
        let value: PickleValue
        switch Result(catching: { () throws(PickleError) in try RestrictedUnpickler(bytes: Array(bytes), allowedGlobals: allowedGlobals).read() }) {
        case .success(let read): value = read
        case .failure(.malformed(let detail)): throw DatasetError.malformed(path: path, detail: "pickle: \(detail)")
        case .failure(let error): throw unsupported(path, error.description)
        }
        let items: [PickleValue]
        if let array = try ndarray(value, path: path) {
            guard array.dtype.code.hasPrefix("O") else { return [try numeric(array, path: path)] }
            guard case .list(let list) = array.data else { throw unsupported(path, "object array data is not a list") }
            items = list
        } else if let elements = value.elements {
            items = elements
        } else {
            throw unsupported(path, "the pickle is not an array or a list of arrays")
        }
        return try items.map { item in
            guard let array = try ndarray(item, path: path) else {
                throw unsupported(path, "object array holds a Python object that is not a numeric array")
            }
            return try numeric(array, path: path)
        }
    }

    static func unsupported(_ path: String, _ detail: String) -> DatasetError {
        DatasetError.unsupported(path: path, detail: "object arrays (pickled Python objects) are not supported: \(detail)")
    }

    struct Dtype {
        var code: String
        var byteOrder: String
    }

    struct NDArray {
        var shape: [Int]
        var dtype: Dtype
        var fortran: Bool
        var data: PickleValue
    }

    /// The ndarray a value rebuilds, or nil when it is no `_reconstruct` call.
    static func ndarray(_ value: PickleValue, path: String) throws -> NDArray? {
        guard case .opaque(.global(let module, "_reconstruct"), _, let state) = value,
              module == "numpy.core.multiarray" || module == "numpy._core.multiarray" else { return nil }
        guard case .tuple(var items)? = state, items.count >= 4 else { throw unsupported(path, "incomplete ndarray in pickle") }
        if items.count == 4 { items.insert(.integer(1), at: 0) }
        guard case .tuple(let shapeValues) = items[1], let dtype = try self.dtype(items[2], path: path), case .bool(let fortran) = items[3] else {
            throw unsupported(path, "unexpected ndarray state")
        }
        let shape = try shapeValues.map { value in
            guard case .integer(let extent) = value, extent >= 0 else { throw unsupported(path, "ndarray shape is not integers") }
            return extent
        }
        return NDArray(shape: shape, dtype: dtype, fortran: fortran, data: items[4])
    }

    /// A `numpy.dtype(code, …)` call with its byte order from the `BUILD` state (`|` when absent).
    static func dtype(_ value: PickleValue, path: String) throws -> Dtype? {
        guard case .opaque(.global("numpy", "dtype"), let arguments, let state) = value else { return nil }
        guard let code = arguments.elements?.first?.stringValue else { throw unsupported(path, "numpy.dtype without a type string") }
        var byteOrder = "|"
        if let items = state?.elements, items.count > 1, let order = items[1].stringValue { byteOrder = order }
        return Dtype(code: code, byteOrder: byteOrder)
    }

    /// The raw data of a numeric ndarray: bytes, a Python 2 `str`, or `_codecs.encode(text, 'latin1')`.
    static func rawBytes(_ value: PickleValue, path: String) throws -> [UInt8] {
        switch value {
        case .bytes(let bytes), .byteString(let bytes): return bytes
        case .opaque(.global("_codecs", "encode"), let arguments, _):
            guard let text = arguments.elements?.first?.stringValue else { throw unsupported(path, "_codecs.encode without a string") }
            var bytes = [UInt8]()
            for scalar in text.unicodeScalars {
                guard scalar.value < 256 else { throw unsupported(path, "_codecs.encode of a non-latin1 string") }
                bytes.append(UInt8(scalar.value))
            }
            return bytes
        default:
            throw unsupported(path, "ndarray data is not raw bytes")
        }
    }

    static func numeric(_ array: NDArray, path: String) throws -> NumericArray {
        if array.dtype.code.hasPrefix("O") { throw unsupported(path, "nested object arrays") }
        let format = try NPYFormat.elementFormat((array.dtype.byteOrder == ">" ? ">" : "<") + array.dtype.code, path: path)
        guard let count = NumericArray.elementCount(array.shape) else { throw DatasetError.malformed(path: path, detail: "pickled shape overflows") }
        let data = try rawBytes(array.data, path: path)
        guard count.multipliedReportingOverflow(by: format.size) == (data.count, false) else {
            throw DatasetError.malformed(path: path, detail: "pickled ndarray of shape \(array.shape) has \(data.count) data bytes")
        }
        let storage = try format.decode(data[...], count: count, path: path)
        if array.fortran {
            return NumericArray(checkedShape: Array(array.shape.reversed()), storage: storage).reversingAxes()
        }
        return NumericArray(checkedShape: array.shape, storage: storage)
    }
}
