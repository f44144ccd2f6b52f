import CHDF5
import Foundation

/// Independent checks of HDF5 on-disk structures that libhdf5 1.10 trusts without checking.
///
/// Attribute names are listed from the object header here, because libhdf5's attribute table
/// (`H5Aiterate2`) frees a half-built table when a message fails to decode (a NULL dereference
/// in `H5A__close`); every attribute message is checked by `HDF5AttributeMessage` before any
/// `H5A*` call decodes it; and variable-length strings are checked before `H5Aread` follows them:
///
/// A variable-length (vlen) attribute stores one descriptor per element,
/// ```
/// sequence length (u32) | global heap collection address (sizeof_addr) | object index (u32)
/// ```
/// and the characters live in a global heap collection (HDF5 File Format Specification 1.10,
/// §III.E "Global Heap"):
/// ```
/// "GCOL" version=1 reserved(3) collection size (sizeof_size)
/// objects: index (u16) reference count (u16) reserved (4) size (sizeof_size) data, padded to 8
///          … index 0 is the free space, which runs to the end of the collection
/// ```
/// libhdf5 1.10 trusts both: an index missing from the collection, an object running past the
/// collection's end, or an object larger than the descriptor's length makes `H5HG_read` read or
/// write out of bounds (a segfault inside `H5Aread`). So the attribute message is located in the
/// object header (§IV.A, versions 1 and 2, following continuation blocks), its descriptors are
/// read, and each is checked against the collection, parsed here exactly as libhdf5 walks it.
/// Anything that cannot be checked (attributes in dense storage, shared messages) is refused
/// rather than read.
struct HDF5StructureCheck {
    let path: String
    let file: FileRegions
    let base: UInt64
    let sizeOfAddress: Int
    let sizeOfLength: Int

    /// Reads the file's layout parameters (user block, address and length sizes) through `fileID`.
    init(path: String, fileID: hid_t) throws {
        self.path = path
        let properties = H5Fget_create_plist(fileID)
        guard properties >= 0 else { throw DatasetError.hdf5(path: path, operation: "file creation properties") }
        defer { H5Pclose(properties) }
        var userBlock: hsize_t = 0
        var addressSize = 0, lengthSize = 0
        guard H5Pget_userblock(properties, &userBlock) >= 0, H5Pget_sizes(properties, &addressSize, &lengthSize) >= 0,
              [2, 4, 8].contains(addressSize), [2, 4, 8].contains(lengthSize) else {
            throw DatasetError.malformed(path: path, detail: "HDF5 superblock declares unusable address or length sizes")
        }
        base = userBlock
        sizeOfAddress = addressSize
        sizeOfLength = lengthSize
        file = try FileRegions(path: path)
    }

    /// Throws unless every descriptor of the vlen attribute `name` (with `elementCount`
    /// elements) on the object whose header is at `headerAddress` points at a heap object that
    /// libhdf5 can read safely.
    func validate(attribute name: String, elementCount: Int, headerAddress: UInt64) throws {
        let data = try attributeData(named: name, headerAddress: headerAddress)
        let descriptorSize = 8 + sizeOfAddress
        guard elementCount >= 0, elementCount <= data.count / descriptorSize else {
            throw malformed("attribute '\(name)' holds \(data.count) bytes for \(elementCount) variable-length elements")
        }
        var reader = ByteReader(Array(data), path: path)
        var collections = [UInt64: [Int: Int]]()
        for _ in 0..<elementCount {
            let length = Int(try reader.readUInt32())
            let address = try reader.readUInt(sizeOfAddress)
            let index = Int(try reader.readUInt32())
            if address == 0 || length == 0 { continue }   // a null or empty string: libhdf5 reads nothing
            if collections[address] == nil { collections[address] = try heapObjects(at: address) }
            guard let size = collections[address]?[index] else {
                throw malformed("attribute '\(name)' points at object \(index), absent from the global heap at \(address)")
            }
            guard size == length else {
                throw malformed("attribute '\(name)': global heap object \(index) has \(size) bytes, its descriptor says \(length)")
            }
        }
    }

    func malformed(_ detail: String) -> DatasetError { DatasetError.malformed(path: path, detail: detail) }

    /// Names of the attributes stored in the object header at `headerAddress` (compact
    /// storage), or nil when some are stored elsewhere (dense storage in a fractal heap, or shared
    /// messages) and only libhdf5 can list them. Throws if an attribute message does not pass
    /// `HDF5AttributeMessage`'s checks, so call this before any `H5A*` call on the object: libhdf5
    /// decodes every attribute message of the header on each of them.
    func compactAttributeNames(headerAddress: UInt64) throws -> [String]? {
        try compactAttributeMessages(headerAddress: headerAddress)?.map(\.name)
    }

    /// The checked attribute messages of the object header at `headerAddress`, or nil when some
    /// attributes are stored elsewhere: in dense storage (whose heap, indexes and attribute messages are
    /// checked here first, `validateDenseAttributes`) or as shared messages; libhdf5 lists those.
    func compactAttributeMessages(headerAddress: UInt64) throws -> [HDF5AttributeMessage]? {
        var attributes = [HDF5AttributeMessage]()
        for message in try headerMessages(at: headerAddress) {
            if message.type == 0x0015 {   // attribute info: dense storage if its fractal heap address is defined
                var reader = ByteReader(message.body, path: path)
                _ = try reader.readUInt8("attribute info")
                let flags = try reader.readUInt8("attribute info")
                if flags & 0x01 != 0 { try reader.skip(2, "attribute info") }
                let heap = try reader.readUInt(sizeOfAddress, "attribute info")
                if heap != UInt64.max >> (64 - 8 * sizeOfAddress) {
                    try validateDenseAttributes(attributeInfo: message.body)
                    return nil
                }
            }
            guard message.type == 0x000C else { continue }
            if message.flags & 0x02 != 0 { return nil }
            attributes.append(try HDF5AttributeMessage(message.body, sizeOfAddress: sizeOfAddress, sizeOfLength: sizeOfLength, path: path))
        }
        return attributes
    }

    // MARK: Global heap

    /// The objects of the collection at `address`: index → size in bytes, walked as libhdf5 does.
    func heapObjects(at address: UInt64) throws -> [Int: Int] {
        let prefixSize = 8 + sizeOfLength
        var header = ByteReader(try file.read(at: base, address, count: prefixSize, what: "global heap header"), path: path)
        guard Array(try header.readBytes(4)) == Array("GCOL".utf8), try header.readUInt8() == 1 else {
            throw malformed("no global heap collection at address \(address)")
        }
        try header.skip(3)
        let declared = try header.readUInt(sizeOfLength)
        // Collections are at least 4 KiB (H5HG_MINSIZE) and lie inside the file.
        guard declared >= 4096, declared <= UInt64(Int.max) else { throw malformed("global heap collection at \(address) has size \(declared)") }
        let collection = try file.read(at: base, address, count: Int(declared), what: "global heap collection")
        let objectHeaderSize = 8 + sizeOfLength
        var objects = [Int: Int]()
        var position = prefixSize
        while position < collection.count {
            if position + objectHeaderSize > collection.count { break }   // a tail too small for a header is free space
            var object = ByteReader(collection, path: path, offset: position)
            let index = Int(try object.readUInt16())
            try object.skip(6)
            let size = try object.readUInt(sizeOfLength)
            let remaining = UInt64(collection.count - position)
            if index == 0 {
                // The free space object: it must be non-empty and end inside the collection.
                guard size > 0, size <= remaining else { throw malformed("global heap at \(address) has a bad free-space object") }
                position += Int(size)
                continue
            }
            let padded = (size + 7) & ~7
            guard size < remaining, UInt64(objectHeaderSize) + padded <= remaining else {
                throw malformed("global heap at \(address): object \(index) of \(size) bytes runs past the collection")
            }
            objects[index] = Int(size)
            position += objectHeaderSize + Int(padded)
        }
        return objects
    }

    // MARK: Object headers

    /// A header message: its type and body.
    struct Message {
        var type: Int
        var flags: UInt8
        var body: [UInt8]
    }

    /// The raw data of attribute `name` found in the object header at `headerAddress`.
    func attributeData(named name: String, headerAddress: UInt64) throws -> ArraySlice<UInt8> {
        guard let attribute = try compactAttributeMessages(headerAddress: headerAddress)?.first(where: { $0.name == name }) else {
            throw DatasetError.unsupported(path: path, detail: "attribute '\(name)' is stored where its variable-length data cannot be checked (dense or shared attribute storage)")
        }
        return attribute.data
    }

    /// Every message of the object header at `address`, following continuation blocks.
    func headerMessages(at address: UInt64) throws -> [Message] {
        let first = try file.read(at: base, address, count: 4, what: "object header")
        if first == Array("OHDR".utf8) { return try headerMessagesVersion2(at: address) }
        guard first[0] == 1 else { throw malformed("object header at \(address) has version \(first[0])") }
        var prefix = ByteReader(try file.read(at: base, address, count: 16, what: "object header"), path: path)
        try prefix.skip(8)
        let chunkSize = Int(try prefix.readUInt32())
        var messages = [Message]()
        var pending = [(address + 16, chunkSize)]
        var chunks = 0
        while let (chunkAddress, size) = pending.popLast() {
            chunks += 1
            guard chunks <= 1024 else { throw malformed("object header at \(address) has too many continuation blocks") }
            var reader = ByteReader(try file.read(at: base, chunkAddress, count: size, what: "object header"), path: path)
            while reader.remaining >= 8 {
                let type = Int(try reader.readUInt16()), length = Int(try reader.readUInt16())
                let flags = try reader.readUInt8()
                try reader.skip(3)
                let body = Array(try reader.readBytes(length, "object header message"))
                messages.append(Message(type: type, flags: flags, body: body))
                if type == 0x0010 { pending.append(try continuation(body)) }
            }
        }
        return messages
    }

    func headerMessagesVersion2(at address: UInt64) throws -> [Message] {
        var prefix = ByteReader(try file.read(at: base, address, count: 6, what: "object header"), path: path)
        try prefix.skip(4)
        guard try prefix.readUInt8() == 2 else { throw malformed("object header at \(address) has an unknown version") }
        let flags = try prefix.readUInt8()
        let optional = (flags & 0x20 != 0 ? 16 : 0) + (flags & 0x10 != 0 ? 4 : 0)
        let sizeBytes = 1 << Int(flags & 0x03)
        var sizeReader = ByteReader(try file.read(at: base, address + UInt64(6 + optional), count: sizeBytes, what: "object header"), path: path)
        let chunkSize = try sizeReader.readUInt(sizeBytes)
        guard chunkSize <= UInt64(Int.max) else { throw malformed("object header at \(address) has size \(chunkSize)") }
        let hasCreationOrder = flags & 0x04 != 0
        var messages = [Message]()
        var pending = [(address + UInt64(6 + optional + sizeBytes), Int(chunkSize))]
        var chunks = 0
        var firstChunk = true
        while let (chunkAddress, size) = pending.popLast() {
            chunks += 1
            guard chunks <= 1024 else { throw malformed("object header at \(address) has too many continuation blocks") }
            var bytes = try file.read(at: base, chunkAddress, count: size, what: "object header")
            if !firstChunk {
                // A continuation block: "OCHK", messages, checksum.
                guard bytes.count >= 8, Array(bytes.prefix(4)) == Array("OCHK".utf8) else {
                    throw malformed("bad object header continuation block")
                }
                bytes = Array(bytes[4..<(bytes.count - 4)])
            }
            firstChunk = false
            var reader = ByteReader(bytes, path: path)
            let headerSize = hasCreationOrder ? 6 : 4
            while reader.remaining >= headerSize {
                let type = Int(try reader.readUInt8())
                let length = Int(try reader.readUInt16())
                let messageFlags = try reader.readUInt8()
                if hasCreationOrder { try reader.skip(2) }
                guard length <= reader.remaining else { break }   // the gap before the checksum
                let body = Array(try reader.readBytes(length, "object header message"))
                messages.append(Message(type: type, flags: messageFlags, body: body))
                if type == 0x0010 { pending.append(try continuation(body)) }
            }
        }
        return messages
    }

    /// The (address, length) of a continuation block.
    func continuation(_ body: [UInt8]) throws -> (UInt64, Int) {
        var reader = ByteReader(body, path: path)
        let address = try reader.readUInt(sizeOfAddress, "continuation address")
        let length = try reader.readUInt(sizeOfLength, "continuation length")
        guard length <= UInt64(Int.max) else { throw malformed("object header continuation of \(length) bytes") }
        return (address, Int(length))
    }
}

/// Bounds-checked reads of byte ranges of a file (without loading the whole file).
final class FileRegions {
    let path: String
    let descriptor: Int32
    let size: UInt64

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw DatasetError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size >= 0 else {
            close(descriptor)
            throw DatasetError.cannotOpen(path: path, reason: "cannot determine its size")
        }
        size = UInt64(status.st_size)
    }

    deinit { close(descriptor) }

    /// `count` bytes at `base + address`; throws `truncated` if they lie outside the file.
    func read(at base: UInt64, _ address: UInt64, count: Int, what: String) throws -> [UInt8] {
        let (start, overflow) = base.addingReportingOverflow(address)
        guard !overflow, count >= 0, start <= size, UInt64(count) <= size - start else {
            throw DatasetError.truncated(path: path, detail: "\(what) of \(count) bytes at address \(address) lies outside the file (\(size) bytes)")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(start)) }
        guard got == count else { throw DatasetError.truncated(path: path, detail: "\(what) at address \(address) could not be read") }
        return bytes
    }
}
