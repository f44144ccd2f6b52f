import Datasets
import RunSupport

/// A `torch.save` zip archive: its unpickled root object and its storages (see `TorchStateDict`).
public struct TorchArchive {
    let zip: ZipArchive
    /// The folder every entry shares (`<folder>/data.pkl`).
    let folder: String
    let bigEndian: Bool
    /// The unpickled `data.pkl`, with tensors as unread storage views.
    public let root: PickleValue
    public let path: String

    /// Parses the zip directory and unpickles `data.pkl` (no storage is read yet).
    public init(bytes: [UInt8], path: String) throws(TorchInteropError) {
        self.path = path
        do { zip = try ZipArchive(bytes: bytes, path: path) } catch { throw .malformed(path: path, detail: "\(error)") }
        guard let pickle = zip.entries.first(where: { $0.name.hasSuffix("data.pkl") && $0.name.split(separator: "/").count == 2 }) else {
            throw .malformed(path: path, detail: "the zip has no <folder>/data.pkl entry")
        }
        folder = String(pickle.name.dropLast("data.pkl".count))
        let entries = zip.entries
        let byteOrderName = folder + "byteorder"
        if let order = entries.first(where: { $0.name == byteOrderName }) {
            let text: [UInt8]
            do { text = try zip.contents(of: order) } catch { throw .malformed(path: path, detail: "\(error)") }
            switch String(decoding: text, as: UTF8.self) {
            case "little": bigEndian = false
            case "big": bigEndian = true
            case let other: throw .malformed(path: path, detail: "byteorder is '\(other.prefix(20))', expected 'little' or 'big'")
            }
        } else {
            bigEndian = false
        }
        let pickleBytes: [UInt8]
        do { pickleBytes = try zip.contents(of: pickle) } catch { throw .malformed(path: path, detail: "\(error)") }
        root = try Self.unpickle(pickleBytes, path: path)
    }

    /// `data.pkl` read by Datasets' `RestrictedUnpickler` (any global allowed: none is ever called).
    public static func unpickle(_ bytes: [UInt8], path: String) throws(TorchInteropError) -> PickleValue {
        switch Result(catching: { () throws(PickleError) in try RestrictedUnpickler(bytes: bytes).read() }) {
        case .success(let value): return value
        case .failure(.unsupportedOpcode(let opcode, let offset)): throw .unsupportedOpcode(path: path, opcode: opcode, offset: offset)
        case .failure(let error): throw .malformed(path: path, detail: error.description)
        }
    }

    /// The tensor view a state-dict value rebuilds, or nil for another value:
    /// `torch._utils._rebuild_tensor_v2` / `_rebuild_tensor` of `(storage, offset, size, stride, …)`
    /// with the storage a persistent id, or `_rebuild_parameter(tensor, …)` of one.
    public func tensorReference(_ value: PickleValue) throws(TorchInteropError) -> TorchTensorReference? {
        guard case .opaque(.global("torch._utils", let name), let arguments, _) = value, let args = arguments.elements else { return nil }
        switch name {
        case "_rebuild_parameter", "_rebuild_parameter_with_state":
            guard let first = args.first, let tensor = try tensorReference(first) else {
                throw .malformed(path: path, detail: "\(name) without a tensor")
            }
            return tensor
        case "_rebuild_tensor_v2", "_rebuild_tensor":
            guard args.count >= 4, case .persistent(let id) = args[0] else { throw .malformed(path: path, detail: "\(name) without a storage") }
            guard let storageOffset = args[1].integerValue, let sizes = args[2].elements, let strides = args[3].elements else {
                throw .malformed(path: path, detail: "\(name) arguments are not (storage, offset, size, stride)")
            }
            let shape = sizes.compactMap(\.integerValue), steps = strides.compactMap(\.integerValue)
            guard shape.count == sizes.count, steps.count == strides.count else {
                throw .malformed(path: path, detail: "\(name) size or stride is not an integer")
            }
            return TorchTensorReference(storage: try storage(id), offset: storageOffset, shape: shape, strides: steps)
        default:
            return nil
        }
    }

    /// The storage of a persistent id `('storage', torch.<Type>Storage, key, location, count)`.
    func storage(_ id: PickleValue) throws(TorchInteropError) -> TorchStorageReference {
        guard let parts = id.elements, parts.count >= 5, parts[0].stringValue == "storage",
              case .global(let module, let typeName) = parts[1], module == "torch",
              let key = parts[2].stringValue, let count = parts[4].integerValue else {
            throw .malformed(path: path, detail: "persistent id \(id.description.prefix(60)) is not ('storage', torch.<Type>Storage, key, location, count)")
        }
        guard let elementType = TorchElementType(rawValue: typeName) else {
            throw .invalidTensor(path: path, name: "storage \(key)", detail: "storage type torch.\(typeName) is not supported")
        }
        guard count >= 0 else { throw .invalidTensor(path: path, name: "storage \(key)", detail: "negative element count \(count)") }
        guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw .malformed(path: path, detail: "storage key '\(key)' is not a plain name")
        }
        return TorchStorageReference(elementType: elementType, key: key, count: count)
    }

    /// The state dict of the archive: the root dict, or the dict under `state_dict` or `model`.
    public func stateDict(budget: MemoryBudget = MemoryBudget()) throws(TorchInteropError) -> TorchStateDict {
        var dictionary = root
        for key in ["state_dict", "model_state_dict", "model"] {
            if let nested = root[key], case .dictionary = nested { dictionary = nested; break }
        }
        guard case .dictionary(let pairs) = dictionary else {
            throw .malformed(path: path, detail: "the pickled object is \(root.description.prefix(60)), not a state dict")
        }
        var tensors: [(name: String, tensor: TorchTensor)] = []
        var extras: [(name: String, value: PickleValue)] = []
        var storageCache: [String: [UInt8]] = [:]
        for (key, value) in pairs {
            guard let name = key.stringValue else { throw .malformed(path: path, detail: "state dict key \(key.description.prefix(40)) is not a string") }
            if let reference = try tensorReference(value) {
                tensors.append((name, try tensor(reference, name: name, cache: &storageCache, budget: budget)))
            } else {
                extras.append((name, value))
            }
        }
        return TorchStateDict(tensors: tensors, extras: extras, path: path)
    }

    /// Reads the elements of a strided view after checking it against its storage.
    public func tensor(_ reference: TorchTensorReference, name: String, budget: MemoryBudget = MemoryBudget()) throws(TorchInteropError) -> TorchTensor {
        var cache: [String: [UInt8]] = [:]
        return try tensor(reference, name: name, cache: &cache, budget: budget)
    }

    func tensor(_ reference: TorchTensorReference, name: String, cache: inout [String: [UInt8]], budget: MemoryBudget) throws(TorchInteropError) -> TorchTensor {
        var reference = reference
        let storage = reference.storage, type = storage.elementType
        func invalid(_ detail: String) -> TorchInteropError { .invalidTensor(path: path, name: name, detail: detail) }
        guard reference.shape.count == reference.strides.count else {
            throw invalid("size \(reference.shape) and stride \(reference.strides) differ in rank")
        }
        guard reference.shape.allSatisfy({ $0 >= 0 }), reference.strides.allSatisfy({ $0 >= 0 }), reference.offset >= 0 else {
            throw invalid("negative size, stride or offset (size \(reference.shape), stride \(reference.strides), offset \(reference.offset))")
        }
        // An axis of size 1 never steps: its stride is irrelevant (and may be anything).
        for axis in reference.shape.indices where reference.shape[axis] == 1 { reference.strides[axis] = 0 }
        let count: Int
        do { count = try MemoryBudget.product(reference.shape, what: "tensor '\(name)'") } catch { throw invalid("\(error)") }
        // The largest element index the view touches must lie inside the storage.
        if count > 0 {
            var last = reference.offset
            for (size, stride) in Swift.zip(reference.shape, reference.strides) {
                let (step, overflow1) = (size - 1).multipliedReportingOverflow(by: stride)
                let (sum, overflow2) = last.addingReportingOverflow(step)
                guard !overflow1, !overflow2 else { throw invalid("stride \(reference.strides) with size \(reference.shape) overflows") }
                last = sum
            }
            guard last < storage.count else {
                throw invalid("the view (offset \(reference.offset), size \(reference.shape), stride \(reference.strides)) reaches element \(last) of a storage of \(storage.count)")
            }
        }
        let scalarsPerElement = type.isComplex ? 2 : 1
        do {
            _ = try budget.requireArray(shape: [count, scalarsPerElement], bytesPerElement: 4, what: "tensor '\(name)'")
        } catch { throw invalid("\(error)") }
        let raw: [UInt8]
        if let cached = cache[storage.key] {
            raw = cached
        } else {
            let entryName = folder + "data/" + storage.key
            guard let entry = zip.entries.first(where: { $0.name == entryName }) else {
                throw .malformed(path: path, detail: "storage '\(storage.key)' of tensor '\(name)' has no entry \(entryName)")
            }
            do { raw = try zip.contents(of: entry) } catch { throw .malformed(path: path, detail: "\(error)") }
            cache[storage.key] = raw
        }
        let (storageBytes, overflow) = storage.count.multipliedReportingOverflow(by: type.byteCount)
        guard !overflow, raw.count >= storageBytes else {
            throw invalid("storage '\(storage.key)' declares \(storage.count) elements of \(type.byteCount) bytes but its entry holds \(raw.count) bytes")
        }
        // Gather row-major: an odometer over the view's indices.
        var scalars = [Float](repeating: 0, count: count * scalarsPerElement)
        if count > 0 {
            let rank = reference.shape.count
            var index = [Int](repeating: 0, count: rank)
            var element = reference.offset
            raw.withUnsafeBytes { buffer in
                for flat in 0..<count {
                    let byteOffset = element * type.byteCount
                    if type.isComplex {
                        let half = type.byteCount / 2
                        scalars[2 * flat] = Self.decode(buffer, byteOffset, half, type, bigEndian)
                        scalars[2 * flat + 1] = Self.decode(buffer, byteOffset + half, half, type, bigEndian)
                    } else {
                        scalars[flat] = Self.decode(buffer, byteOffset, type.byteCount, type, bigEndian)
                    }
                    var axis = rank - 1
                    while axis >= 0 {
                        index[axis] += 1
                        element += reference.strides[axis]
                        if index[axis] < reference.shape[axis] { break }
                        element -= reference.strides[axis] * reference.shape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return TorchTensor(shape: reference.shape, elementType: type, scalars: scalars)
    }

    /// One scalar of `width` bytes at `offset` (a complex element is two scalars of half its size).
    static func decode(_ buffer: UnsafeRawBufferPointer, _ offset: Int, _ width: Int, _ type: TorchElementType, _ bigEndian: Bool) -> Float {
        var bits: UInt64 = 0
        for position in 0..<width {
            let byte = UInt64(buffer[offset + (bigEndian ? width - 1 - position : position)])
            bits |= byte << (8 * UInt64(position))
        }
        switch type {
        case .float32, .complex64: return Float(bitPattern: UInt32(truncatingIfNeeded: bits))
        case .float64, .complex128: return Float(Double(bitPattern: bits))
        case .float16: return Float(Float16(bitPattern: UInt16(truncatingIfNeeded: bits)))
        case .bfloat16: return Float(bitPattern: UInt32(truncatingIfNeeded: bits) << 16)
        case .int64: return Float(Int64(bitPattern: bits))
        case .int32: return Float(Int32(truncatingIfNeeded: bits))
        case .int16: return Float(Int16(truncatingIfNeeded: bits))
        case .int8: return Float(Int8(truncatingIfNeeded: bits))
        case .uint8: return Float(UInt8(truncatingIfNeeded: bits))
        case .bool: return bits != 0 ? 1 : 0
        }
    }
}
