import CHDF5
import Foundation

/// Turns off HDF5's automatic error-stack printing for the calling thread (the thread-safe HDF5
/// build keeps one error stack per thread, so every entry point calls this); failures are
/// reported by return codes and mapped to `DatasetError`.
@inline(__always) func silenceHDF5Errors() {
    pdekit_H5_silence_errors()
}

/// An open HDF5 file: groups, chunked and compressed datasets, typed attributes, hyperslab reads
/// and appends along an unlimited axis 0.
///
/// Every HDF5 handle opened by a method is closed before it returns (`defer`); the file handle is
/// closed by `close()` or when the object is released. Files written in one go should use
/// `writeAtomically(to:_:)` (temporary file, then rename). Resumable jobs instead open an existing
/// file read-write and `appendSamples(_:to:)`: appends are *not* atomic — a crash mid-append can
/// leave the last chunk partly written, so a job records how many samples it completed (for
/// example in an attribute written after each append) and resumes from that count.
///
/// References: The HDF Group, "HDF5 User's Guide" (datasets, dataspaces and hyperslabs, chunking).
public final class HDF5File {
    /// How to open an existing file.
    public enum Mode: Sendable { case readOnly, readWrite }

    /// The file's path, used in error messages.
    public let path: String
    private var fileID: hid_t
    /// Object header addresses of the groups whose link storage passed ``HDF5StructureCheck`` (a dense
    /// group's indexes are walked once, not at every lookup through the group).
    var checkedGroupHeaders: Set<UInt64> = []
    /// Object header addresses of a read-only file whose attributes, stored densely (or shared), passed
    /// ``HDF5StructureCheck`` (walked once, not for every attribute read).
    var checkedDenseAttributeHeaders: Set<UInt64> = []
    /// Object header addresses of a read-only file's datasets whose chunk index passed ``HDF5StructureCheck``.
    var checkedDatasetHeaders: Set<UInt64> = []
    /// Whether the file is still open.
    public var isOpen: Bool { fileID >= 0 }

    private init(path: String, fileID: hid_t) {
        self.path = path
        self.fileID = fileID
    }

    /// Opens an existing HDF5 file (also finds the superblock after a user block, as in MATLAB
    /// v7.3 files).
    public convenience init(opening path: String, mode: Mode = .readOnly) throws {
        silenceHDF5Errors()
        guard FileManager.default.fileExists(atPath: path) else { throw DatasetError.cannotOpen(path: path, reason: "no such file") }
        let flags = mode == .readOnly ? pdekit_H5F_ACC_RDONLY() : pdekit_H5F_ACC_RDWR()
        let id = H5Fopen(path, flags, pdekit_H5P_DEFAULT())
        guard id >= 0 else {
            if H5Fis_hdf5(path) <= 0 { throw DatasetError.malformed(path: path, detail: "not an HDF5 file (no superblock)") }
            throw DatasetError.cannotOpen(path: path, reason: "HDF5 could not open it (corrupt or locked)")
        }
        self.init(path: path, fileID: id)
    }

    /// Creates (or truncates) an HDF5 file in place. Prefer `writeAtomically` for whole files.
    /// - Parameter userBlockSize: bytes reserved before the superblock (0, or a power of two ≥ 512).
    public static func create(_ path: String, userBlockSize: Int = 0) throws -> HDF5File {
        silenceHDF5Errors()
        let properties = H5Pcreate(pdekit_H5P_FILE_CREATE())
        defer { H5Pclose(properties) }
        if userBlockSize > 0 { H5Pset_userblock(properties, hsize_t(userBlockSize)) }
        let id = H5Fcreate(path, pdekit_H5F_ACC_TRUNC(), properties, pdekit_H5P_DEFAULT())
        guard id >= 0 else { throw DatasetError.cannotWrite(path: path, reason: "HDF5 could not create the file") }
        return HDF5File(path: path, fileID: id)
    }

    /// Writes a whole file atomically: `body` fills a temporary file in the same folder, which is
    /// closed and renamed over `path` only if `body` succeeds.
    public static func writeAtomically(to path: String, userBlockSize: Int = 0, _ body: (HDF5File) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)").path
        do {
            let file = try create(temporary, userBlockSize: userBlockSize)
            try body(file)
            try file.close()
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw DatasetError.cannotWrite(path: path, reason: reason)
        }
    }

    /// Flushes and closes the file. Further calls throw.
    public func close() throws {
        guard fileID >= 0 else { return }
        let status = H5Fclose(fileID)
        fileID = -1
        if status < 0 { throw DatasetError.hdf5(path: path, operation: "closing the file") }
    }

    deinit {
        if fileID >= 0 { H5Fclose(fileID) }
    }

    // MARK: Helpers

    func openFile() throws -> hid_t {
        silenceHDF5Errors()
        guard fileID >= 0 else { throw DatasetError.hdf5(path: path, operation: "use after close") }
        return fileID
    }

    func check(_ status: herr_t, _ operation: @autoclosure () -> String) throws {
        if status < 0 { throw DatasetError.hdf5(path: path, operation: operation()) }
    }

    func check(_ id: hid_t, _ operation: @autoclosure () -> String) throws -> hid_t {
        if id < 0 { throw DatasetError.hdf5(path: path, operation: operation()) }
        return id
    }

    static func normalized(_ objectPath: String) -> String {
        objectPath.hasPrefix("/") ? objectPath : "/" + objectPath
    }

    /// Whether every link along `objectPath` exists (H5Lexists fails on a missing intermediate).
    public func exists(_ objectPath: String) throws -> Bool {
        let file = try openFile()
        var prefix = ""
        for component in Self.normalized(objectPath).split(separator: "/") {
            try checkLocalHeap(atPath: prefix.isEmpty ? "/" : prefix)   // the lookup reads the parent's link names
            prefix += "/" + component
            if H5Lexists(file, prefix, pdekit_H5P_DEFAULT()) <= 0 { return false }
        }
        return true
    }

    /// Opens an object, throwing `missingKey` (with the datasets available) if it is absent.
    func openObject(_ objectPath: String) throws -> hid_t {
        let file = try openFile()
        let name = Self.normalized(objectPath)
        if name != "/", try !exists(name) {
            let available = (try? contents().filter { $0.kind == .dataset }.map { String($0.path.dropFirst()) }) ?? []
            throw DatasetError.missingKey(path: path, key: String(name.dropFirst()), available: available)
        }
        try checkDatasetStorage(atPath: name)
        return try check(H5Oopen(file, name, pdekit_H5P_DEFAULT()), "opening '\(name)'")
    }

    func openDataset(_ datasetPath: String) throws -> hid_t {
        let object = try openObject(datasetPath)
        guard H5Iget_type(object) == H5I_DATASET else {
            H5Oclose(object)
            throw DatasetError.unsupported(path: path, detail: "'\(datasetPath)' is a group, not a dataset")
        }
        return object
    }

    // MARK: Groups and listing

    /// Creates a group (and any missing parent groups).
    public func createGroup(_ groupPath: String) throws {
        let file = try openFile()
        if try exists(groupPath) { return }
        let links = H5Pcreate(pdekit_H5P_LINK_CREATE())
        defer { H5Pclose(links) }
        H5Pset_create_intermediate_group(links, 1)
        let creation = H5Pcreate(pdekit_H5P_GROUP_CREATE())
        defer { H5Pclose(creation) }
        H5Pset_obj_track_times(creation, false)   // see writeDataset
        let group = try check(H5Gcreate2(file, Self.normalized(groupPath), links, creation, pdekit_H5P_DEFAULT()), "creating group '\(groupPath)'")
        H5Gclose(group)
    }

    private final class NameList { var names: [String] = [] }

    /// Every group and dataset below `groupPath`, depth first, in name order. A group reached
    /// again (a hard link to an ancestor, or a second link to the same group) is listed but not
    /// entered again, so cyclic files terminate.
    public func contents(of groupPath: String = "/") throws -> [HDF5Entry] {
        var visited = Set<haddr_t>()
        var entries = [HDF5Entry]()
        try list(groupPath, into: &entries, visited: &visited, depth: 0)
        return entries
    }

    /// The largest group nesting `contents` follows.
    static let maximumGroupDepth = 256

    private func list(_ groupPath: String, into entries: inout [HDF5Entry], visited: inout Set<haddr_t>, depth: Int) throws {
        guard depth < Self.maximumGroupDepth else {
            throw DatasetError.unsupported(path: path, detail: "groups nested deeper than \(Self.maximumGroupDepth) levels at '\(groupPath)'")
        }
        let group = try openObject(groupPath)
        defer { H5Oclose(group) }
        try checkLocalHeap(ofGroup: group, groupPath)
        visited.insert(try objectAddress(group, groupPath))
        let names = NameList()
        let box = Unmanaged.passUnretained(names).toOpaque()
        var index: hsize_t = 0
        // Native order, sorted here as libhdf5 sorts (strcmp, byte by byte): for a dense group, increasing
        // name order makes libhdf5 1.10 build a table of all links, and a link that fails to decode then
        // frees the table's unfilled entries (SIGSEGV in H5G__link_release_table); native order walks the
        // name index itself and returns the error.
        let status = H5Literate(group, H5_INDEX_NAME, H5_ITER_NATIVE, &index, { _, name, _, context in
            guard let name, let context else { return -1 }
            Unmanaged<NameList>.fromOpaque(context).takeUnretainedValue().names.append(String(cString: name))
            return 0
        }, box)
        try check(status, "listing '\(groupPath)'")
        let base = Self.normalized(groupPath) == "/" ? "" : Self.normalized(groupPath)
        for name in names.names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let childPath = base + "/" + name
            try checkDatasetStorage(atPath: childPath)
            let child = H5Oopen(group, name, pdekit_H5P_DEFAULT())
            guard child >= 0 else { entries.append(HDF5Entry(path: childPath, kind: .other)); continue }
            let type = H5Iget_type(child)
            let address = try? objectAddress(child, childPath)
            H5Oclose(child)
            if type == H5I_GROUP {
                entries.append(HDF5Entry(path: childPath, kind: .group))
                guard let address, !visited.contains(address) else { continue }
                try list(childPath, into: &entries, visited: &visited, depth: depth + 1)
            } else {
                entries.append(HDF5Entry(path: childPath, kind: type == H5I_DATASET ? .dataset : .other))
            }
        }
    }

    /// The file address of an open object's header (its identity: hard links share it).
    func objectAddress(_ object: hid_t, _ objectPath: String) throws -> haddr_t {
        var info = H5O_info_t()
        try check(H5Oget_info2(object, &info, H5O_INFO_BASIC), "object information of '\(objectPath)'")
        return info.addr
    }

    // MARK: Types

    /// A memory type for `type`; the caller closes it with H5Tclose when `owned` is true.
    static func memoryType(_ type: ElementType) -> (id: hid_t, owned: Bool) {
        switch type {
        case .float32: return (pdekit_H5T_NATIVE_FLOAT(), false)
        case .float64: return (pdekit_H5T_NATIVE_DOUBLE(), false)
        case .int32: return (pdekit_H5T_NATIVE_INT32(), false)
        case .int64: return (pdekit_H5T_NATIVE_INT64(), false)
        case .uint8: return (pdekit_H5T_NATIVE_UINT8(), false)
        case .bool:
            // h5py's boolean: an 8-bit enum {FALSE = 0, TRUE = 1}.
            let id = H5Tenum_create(pdekit_H5T_NATIVE_INT8())
            var no: Int8 = 0, yes: Int8 = 1
            H5Tenum_insert(id, "FALSE", &no)
            H5Tenum_insert(id, "TRUE", &yes)
            return (id, true)
        }
    }

    /// The element type a stored HDF5 type reads as, and a short type name.
    static func describe(storedType type: hid_t) -> (ElementType?, String) {
        let size = H5Tget_size(type)
        let typeClass = H5Tget_class(type)
        if typeClass == H5T_FLOAT {
            let format = RawElementFormat(kind: .float, size: size)
            return (format.elementType, "float\(size * 8)")
        }
        if typeClass == H5T_INTEGER {
            let signed = H5Tget_sign(type) != H5T_SGN_NONE
            let format = RawElementFormat(kind: signed ? .signed : .unsigned, size: size)
            return (format.elementType, "\(signed ? "int" : "uint")\(size * 8)")
        }
        if typeClass == H5T_ENUM && size == 1 && H5Tget_nmembers(type) == 2 { return (.bool, "bool") }
        switch typeClass {
        case H5T_STRING: return (nil, "string")
        case H5T_COMPOUND: return (nil, "compound")
        case H5T_REFERENCE: return (nil, "reference")
        case H5T_ENUM: return (nil, "enum")
        default: return (nil, "other")
        }
    }

    // MARK: Datasets

    /// Shape, type and storage layout of a dataset.
    public func datasetInfo(_ datasetPath: String) throws -> HDF5DatasetInfo {
        let dataset = try openDataset(datasetPath)
        defer { H5Dclose(dataset) }
        let (shape, maximum) = try extents(of: dataset, datasetPath)
        let type = try check(H5Dget_type(dataset), "type of '\(datasetPath)'")
        defer { H5Tclose(type) }
        let (elementType, typeName) = Self.describe(storedType: type)
        let properties = try check(H5Dget_create_plist(dataset), "properties of '\(datasetPath)'")
        defer { H5Pclose(properties) }
        var chunk: [Int]?
        if H5Pget_layout(properties) == H5D_CHUNKED {
            var dims = [hsize_t](repeating: 0, count: max(shape.count, 1))
            let rank = H5Pget_chunk(properties, Int32(dims.count), &dims)
            if rank >= 0 { chunk = try dims.prefix(Int(rank)).map { try checkedExtent($0, "chunk of '\(datasetPath)'") } }
        }
        return HDF5DatasetInfo(path: Self.normalized(datasetPath), shape: shape, maximumShape: maximum, elementType: elementType,
                               storedTypeName: typeName, chunkShape: chunk, isCompressed: H5Pget_nfilters(properties) > 0,
                               allocatedBytes: Int(clamping: H5Dget_storage_size(dataset)))
    }

    func extents(of dataset: hid_t, _ datasetPath: String) throws -> ([Int], [Int?]) {
        let space = try check(H5Dget_space(dataset), "dataspace of '\(datasetPath)'")
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0 else { throw DatasetError.hdf5(path: path, operation: "rank of '\(datasetPath)'") }
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        var maximum = [hsize_t](repeating: 0, count: max(rank, 1))
        try check(H5Sget_simple_extent_dims(space, &dims, &maximum), "extents of '\(datasetPath)'")
        let unlimited = pdekit_H5S_UNLIMITED()
        // libhdf5 never writes an extent above its maximum, but reads one: [2^56 + 3, 0, 8] of at most [3, 5, 8].
        for axis in 0..<rank where maximum[axis] != unlimited && dims[axis] > maximum[axis] {
            throw DatasetError.malformed(path: path, detail: "'\(datasetPath)' has extent \(dims[axis]) above its maximum \(maximum[axis]) on axis \(axis)")
        }
        return (try dims.prefix(rank).map { try checkedExtent($0, "extents of '\(datasetPath)'") },
                try maximum.prefix(rank).map { $0 == unlimited ? nil : try checkedExtent($0, "maximum extents of '\(datasetPath)'") })
    }

    /// An extent read from the file as a (non-negative) `Int`.
    func checkedExtent(_ extent: hsize_t, _ what: @autoclosure () -> String) throws -> Int {
        guard let value = Int(exactly: extent) else { throw DatasetError.malformed(path: path, detail: "\(what()): extent \(extent) is out of range") }
        return value
    }

    /// Writes `array` as a new dataset (replacing nothing: the path must be free).
    public func writeDataset(_ datasetPath: String, _ array: NumericArray, options: HDF5DatasetOptions = HDF5DatasetOptions()) throws {
        let file = try openFile()
        let name = Self.normalized(datasetPath)
        if try exists(name) { throw DatasetError.cannotWrite(path: path, reason: "dataset '\(name)' already exists") }
        let parent = (name as NSString).deletingLastPathComponent
        if parent != "/" && !parent.isEmpty { try createGroup(parent) }
        var dims = array.shape.map { hsize_t($0) }
        var maximum = dims
        if options.extendable {
            guard !array.shape.isEmpty else { throw DatasetError.shapeMismatch(path: path, detail: "an extendable dataset needs at least one axis") }
            maximum[0] = pdekit_H5S_UNLIMITED()
        }
        let space = try check(H5Screate_simple(Int32(dims.count), &dims, &maximum), "dataspace for '\(name)'")
        defer { H5Sclose(space) }
        let properties = H5Pcreate(pdekit_H5P_DATASET_CREATE())
        defer { H5Pclose(properties) }
        // libhdf5 stamps each object header with its creation and modification times (to the second) unless told
        // not to: the same command run twice wrote files that differed in those bytes whenever a second passed.
        H5Pset_obj_track_times(properties, false)
        if !array.shape.isEmpty && (options.extendable || options.deflateLevel != nil || options.chunkShape != nil) {
            let chunk = options.chunkShape ?? Self.defaultChunk(array.shape, elementBytes: array.elementType.byteCount)
            guard chunk.count == array.shape.count, chunk.allSatisfy({ $0 > 0 }) else {
                throw DatasetError.shapeMismatch(path: path, detail: "chunk shape \(chunk) does not fit data of shape \(array.shape)")
            }
            var chunkDims = chunk.map { hsize_t($0) }
            try check(H5Pset_chunk(properties, Int32(chunkDims.count), &chunkDims), "chunking '\(name)'")
            if let level = options.deflateLevel {
                try check(H5Pset_deflate(properties, UInt32(min(max(level, 0), 9))), "deflate on '\(name)'")
            }
        }
        let (memoryType, owned) = Self.memoryType(array.elementType)
        defer { if owned { H5Tclose(memoryType) } }
        let dataset = try check(H5Dcreate2(file, name, memoryType, space, pdekit_H5P_DEFAULT(), properties, pdekit_H5P_DEFAULT()), "creating dataset '\(name)'")
        defer { H5Dclose(dataset) }
        if array.count > 0 {
            try write(array.storage, to: dataset, memoryType: memoryType, memorySpace: pdekit_H5S_ALL(), fileSpace: pdekit_H5S_ALL(), name)
        }
    }

    /// Chunks of whole samples (all of axes 1…) totalling about 1 MiB, at least one sample.
    static func defaultChunk(_ shape: [Int], elementBytes: Int) -> [Int] {
        let sampleBytes = max(shape.dropFirst().reduce(1, *) * elementBytes, 1)
        let samples = max(1, min(max(shape[0], 1), (1 << 20) / sampleBytes))
        return [samples] + shape.dropFirst().map { max($0, 1) }
    }

    func write(_ storage: NumericArray.Storage, to dataset: hid_t, memoryType: hid_t, memorySpace: hid_t, fileSpace: hid_t, _ name: String) throws {
        let status: herr_t
        switch storage {
        case .float32(let values): status = values.withUnsafeBytes { H5Dwrite(dataset, memoryType, memorySpace, fileSpace, pdekit_H5P_DEFAULT(), $0.baseAddress) }
        case .float64(let values): status = values.withUnsafeBytes { H5Dwrite(dataset, memoryType, memorySpace, fileSpace, pdekit_H5P_DEFAULT(), $0.baseAddress) }
        case .int32(let values): status = values.withUnsafeBytes { H5Dwrite(dataset, memoryType, memorySpace, fileSpace, pdekit_H5P_DEFAULT(), $0.baseAddress) }
        case .int64(let values): status = values.withUnsafeBytes { H5Dwrite(dataset, memoryType, memorySpace, fileSpace, pdekit_H5P_DEFAULT(), $0.baseAddress) }
        case .uint8(let values): status = values.withUnsafeBytes { H5Dwrite(dataset, memoryType, memorySpace, fileSpace, pdekit_H5P_DEFAULT(), $0.baseAddress) }
        case .bool(let values):
            let bytes = values.map { Int8($0 ? 1 : 0) }
            status = bytes.withUnsafeBytes { H5Dwrite(dataset, memoryType, memorySpace, fileSpace, pdekit_H5P_DEFAULT(), $0.baseAddress) }
        }
        try check(status, "writing '\(name)'")
    }

    /// Reads a whole dataset.
    public func readDataset(_ datasetPath: String) throws -> NumericArray {
        let dataset = try openDataset(datasetPath)
        defer { H5Dclose(dataset) }
        let (shape, _) = try extents(of: dataset, datasetPath)
        return try read(dataset, datasetPath, shape: shape, memorySpace: pdekit_H5S_ALL(), fileSpace: pdekit_H5S_ALL())
    }

    /// Reads the samples `range` along axis 0 (a hyperslab), e.g. one mini-batch.
    public func readSamples(_ datasetPath: String, _ range: Range<Int>) throws -> NumericArray {
        let dataset = try openDataset(datasetPath)
        defer { H5Dclose(dataset) }
        let (shape, _) = try extents(of: dataset, datasetPath)
        guard let first = shape.first, range.lowerBound >= 0, range.upperBound <= first else {
            throw DatasetError.shapeMismatch(path: path, detail: "samples \(range) out of range for '\(datasetPath)' of shape \(shape)")
        }
        let selected = [range.count] + shape.dropFirst()
        if range.isEmpty { return try NumericArray(shape: selected, storage: Self.emptyStorage(try elementType(of: dataset, datasetPath))) }
        let fileSpace = try check(H5Dget_space(dataset), "dataspace of '\(datasetPath)'")
        defer { H5Sclose(fileSpace) }
        var start = [hsize_t](repeating: 0, count: shape.count)
        start[0] = hsize_t(range.lowerBound)
        var count = selected.map { hsize_t($0) }
        try check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &count, nil), "selecting samples of '\(datasetPath)'")
        let memorySpace = try check(H5Screate_simple(Int32(count.count), &count, nil), "memory space")
        defer { H5Sclose(memorySpace) }
        return try read(dataset, datasetPath, shape: selected, memorySpace: memorySpace, fileSpace: fileSpace)
    }

    static func emptyStorage(_ type: ElementType) -> NumericArray.Storage {
        switch type {
        case .float32: return .float32([])
        case .float64: return .float64([])
        case .int32: return .int32([])
        case .int64: return .int64([])
        case .uint8: return .uint8([])
        case .bool: return .bool([])
        }
    }

    func elementType(of dataset: hid_t, _ datasetPath: String) throws -> ElementType {
        let type = try check(H5Dget_type(dataset), "type of '\(datasetPath)'")
        defer { H5Tclose(type) }
        let (elementType, typeName) = Self.describe(storedType: type)
        guard let elementType else {
            throw DatasetError.unsupported(path: path, detail: "dataset '\(datasetPath)' holds \(typeName) data, not numbers")
        }
        return elementType
    }

    func read(_ dataset: hid_t, _ datasetPath: String, shape: [Int], memorySpace: hid_t, fileSpace: hid_t) throws -> NumericArray {
        let type = try elementType(of: dataset, datasetPath)
        guard let count = NumericArray.elementCount(shape) else { throw DatasetError.malformed(path: path, detail: "shape \(shape) overflows") }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: type.byteCount)
        guard !overflow, UInt64(bytes) <= ProcessInfo.processInfo.physicalMemory else {
            throw DatasetError.tooLarge(path: path, detail: "'\(datasetPath)' of shape \(shape) does not fit in memory; read it in sample ranges")
        }
        // Reading must stay proportional to what the file stores: a tiny file declaring gigabytes
        // of unwritten chunks would otherwise be read, fill value by fill value, for minutes.
        let allocated = Int(clamping: H5Dget_storage_size(dataset))
        guard HDF5DatasetInfo.storageExplains(bytes: bytes, allocatedBytes: allocated) else {
            throw DatasetError.malformed(path: path, detail: "'\(datasetPath)' of shape \(shape) declares \(bytes) bytes but stores only \(allocated) (unwritten chunks)")
        }
        if count == 0 { return NumericArray(checkedShape: shape, storage: Self.emptyStorage(type)) }
        let (memoryType, owned) = Self.memoryType(type)
        defer { if owned { H5Tclose(memoryType) } }
        var status: herr_t = 0
        func load<T>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                adviseHugePages(UnsafeMutableRawPointer(buffer.baseAddress), byteCount: count * MemoryLayout<T>.stride)
                status = H5Dread(dataset, memoryType, memorySpace, fileSpace, pdekit_H5P_DEFAULT(), buffer.baseAddress)
                initialized = count
            }
        }
        let storage: NumericArray.Storage
        switch type {
        case .float32: storage = .float32(load(Float.self))
        case .float64: storage = .float64(load(Double.self))
        case .int32: storage = .int32(load(Int32.self))
        case .int64: storage = .int64(load(Int64.self))
        case .uint8: storage = .uint8(load(UInt8.self))
        case .bool: storage = .bool(load(Int8.self).map { $0 != 0 })
        }
        try check(status, "reading '\(datasetPath)'")
        return NumericArray(checkedShape: shape, storage: storage)
    }

    /// Appends samples along the unlimited axis 0 of a dataset created with `extendable: true`,
    /// creating that dataset (chunked, with `options`) if it does not exist yet.
    ///
    /// Not atomic: see the type's documentation for how resumable jobs use it.
    public func appendSamples(_ array: NumericArray, to datasetPath: String, options: HDF5DatasetOptions = HDF5DatasetOptions(extendable: true)) throws {
        guard !array.shape.isEmpty else { throw DatasetError.shapeMismatch(path: path, detail: "cannot append a scalar") }
        if try !exists(datasetPath) {
            var creation = options
            creation.extendable = true
            try writeDataset(datasetPath, array, options: creation)
            return
        }
        let dataset = try openDataset(datasetPath)
        defer { H5Dclose(dataset) }
        let (shape, maximum) = try extents(of: dataset, datasetPath)
        guard shape.count == array.rank, Array(shape.dropFirst()) == Array(array.shape.dropFirst()) else {
            throw DatasetError.shapeMismatch(path: path, detail: "cannot append samples of shape \(array.shape.dropFirst()) to '\(datasetPath)' of shape \(shape)")
        }
        guard maximum.first == .some(nil) else {
            throw DatasetError.unsupported(path: path, detail: "dataset '\(datasetPath)' was not created extendable (axis 0 is not unlimited)")
        }
        let stored = try elementType(of: dataset, datasetPath)
        guard stored == array.elementType else {
            throw DatasetError.shapeMismatch(path: path, detail: "cannot append \(array.elementType) samples to \(stored) dataset '\(datasetPath)'")
        }
        var newExtent = shape.map { hsize_t($0) }
        newExtent[0] += hsize_t(array.shape[0])
        try check(H5Dset_extent(dataset, &newExtent), "extending '\(datasetPath)'")
        guard array.count > 0 else { return }
        let fileSpace = try check(H5Dget_space(dataset), "dataspace of '\(datasetPath)'")
        defer { H5Sclose(fileSpace) }
        var start = [hsize_t](repeating: 0, count: shape.count)
        start[0] = hsize_t(shape[0])
        var count = array.shape.map { hsize_t($0) }
        try check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &count, nil), "selecting appended samples of '\(datasetPath)'")
        let memorySpace = try check(H5Screate_simple(Int32(count.count), &count, nil), "memory space")
        defer { H5Sclose(memorySpace) }
        let (memoryType, owned) = Self.memoryType(array.elementType)
        defer { if owned { H5Tclose(memoryType) } }
        try write(array.storage, to: dataset, memoryType: memoryType, memorySpace: memorySpace, fileSpace: fileSpace, datasetPath)
    }

    /// Shrinks or grows axis 0 of an extendable dataset, e.g. to drop a partly written tail
    /// before resuming.
    public func resizeSamples(_ datasetPath: String, to sampleCount: Int) throws {
        let dataset = try openDataset(datasetPath)
        defer { H5Dclose(dataset) }
        let (shape, maximum) = try extents(of: dataset, datasetPath)
        guard maximum.first == .some(nil), sampleCount >= 0 else {
            throw DatasetError.unsupported(path: path, detail: "dataset '\(datasetPath)' was not created extendable")
        }
        var newExtent = shape.map { hsize_t($0) }
        newExtent[0] = hsize_t(sampleCount)
        try check(H5Dset_extent(dataset, &newExtent), "resizing '\(datasetPath)'")
    }
}
