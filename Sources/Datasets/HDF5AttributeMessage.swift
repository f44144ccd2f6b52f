/// An HDF5 attribute message (object header message 0x000C), parsed and checked as a whole before
/// libhdf5 decodes it.
///
/// libhdf5 1.10 decodes every attribute message of an object header on any attribute call
/// (`H5Aexists`, `H5Aopen`, `H5Aiterate2`) and trusts what it reads: a datatype or dataspace larger
/// than the message makes it read past the header buffer (a segfault in `H5Aexists`), and a
/// variable-length string whose base type claims 4 GB per character makes `H5Aread` allocate
/// `length × 4 GB` (20 GB for a 2 KB file). So every part is checked against the message here
/// (HDF5 File Format Specification 1.10, §IV.A.2.m, with the datatype §IV.A.2.d and the dataspace
/// §IV.A.2.b):
/// ```
/// version (1–3) | flags | name size | datatype size | dataspace size | [encoding (v3)]
/// name (NUL-terminated) | datatype | dataspace | data      (v1: the first three padded to 8)
/// ```
/// - the name ends with a NUL inside its field; the datatype's and dataspace's own encodings fit
///   inside their fields;
/// - datatypes are walked recursively (compound members, enum names and values, array dimensions,
///   variable-length and array base types), nested at most `maximumNesting` deep, each size at most
///   `maximumElementBytes`; a variable-length string's characters are one byte;
/// - the dataspace has at most 32 dimensions and its point count is an overflow-checked product;
/// - `points × element bytes` (a variable-length element is its `length | heap address | index`
///   descriptor) is at most the data the message holds.
///
/// A datatype or dataspace shared with another object (message flags) cannot be checked here and is
/// refused.
struct HDF5AttributeMessage {
    /// Largest size of one datatype element (and of a variable-length base element), 1 MiB: an
    /// attribute stored in an object header holds at most 64 KiB of data.
    static let maximumElementBytes: UInt64 = 1 << 20
    /// Deepest nesting of datatypes (an array of compounds of variable-length sequences …).
    static let maximumNesting = 16

    let name: String
    /// Elements of the dataspace (1 for a scalar, 0 for a null dataspace).
    let points: Int
    /// Bytes per element in the file (for variable-length data: the descriptor's bytes).
    let elementBytes: Int
    /// The data bytes stored after the dataspace (at least `points × elementBytes`).
    let data: ArraySlice<UInt8>

    /// Parses and checks `body`; `sizeOfAddress`/`sizeOfLength` are the file's (superblock) sizes.
    init(_ body: [UInt8], sizeOfAddress: Int, sizeOfLength: Int, path: String) throws {
        func malformed(_ detail: String) -> DatasetError { .malformed(path: path, detail: "attribute message: \(detail)") }
        var reader = ByteReader(body, path: path)
        let version = try reader.readUInt8("attribute message")
        let flags = try reader.readUInt8("attribute message")
        let nameSize = Int(try reader.readUInt16("attribute message"))
        let datatypeSize = Int(try reader.readUInt16("attribute message"))
        let dataspaceSize = Int(try reader.readUInt16("attribute message"))
        switch version {
        case 1: break
        case 2: break
        case 3: _ = try reader.readUInt8("attribute name encoding")
        default: throw malformed("version \(version)")
        }
        if version >= 2, flags & 0x03 != 0 {
            throw DatasetError.unsupported(path: path, detail: "an attribute with a shared datatype or dataspace cannot be checked before reading")
        }
        func padded(_ size: Int) -> Int { version == 1 ? (size + 7) & ~7 : size }

        let nameBytes = try reader.readBytes(padded(nameSize), "attribute name")
        guard nameSize >= 1, let terminator = nameBytes.prefix(nameSize).firstIndex(of: 0) else {
            throw malformed("a name of \(nameSize) bytes without its terminating NUL")
        }
        name = String(decoding: nameBytes[nameBytes.startIndex..<terminator], as: UTF8.self)

        let datatypeBytes = Array(try reader.readBytes(padded(datatypeSize), "attribute '\(name)' datatype").prefix(datatypeSize))
        var datatypeReader = ByteReader(datatypeBytes, path: path)
        let walker = DatatypeWalker(sizeOfAddress: sizeOfAddress, path: path, attribute: name)
        let datatype = try walker.walk(&datatypeReader, depth: 0)
        let dataspaceBytes = Array(try reader.readBytes(padded(dataspaceSize), "attribute '\(name)' dataspace").prefix(dataspaceSize))
        points = try Self.points(of: dataspaceBytes, sizeOfLength: sizeOfLength, path: path, attribute: name)

        elementBytes = datatype.elementBytes
        data = reader.bytes[reader.offset...]
        let (needed, overflow) = points.multipliedReportingOverflow(by: elementBytes)
        guard !overflow, needed <= data.count else {
            throw malformed("'\(name)' declares \(points) elements of \(elementBytes) bytes, but the message holds \(data.count) bytes of data")
        }
    }

    /// The element count of a dataspace message (versions 1 and 2), checking that its dimensions fit.
    static func points(of bytes: [UInt8], sizeOfLength: Int, path: String, attribute: String) throws -> Int {
        func malformed(_ detail: String) -> DatasetError { .malformed(path: path, detail: "attribute '\(attribute)' dataspace: \(detail)") }
        var reader = ByteReader(bytes, path: path)
        let version = try reader.readUInt8("dataspace")
        let rank = Int(try reader.readUInt8("dataspace"))
        let flags = try reader.readUInt8("dataspace")
        var kind = rank == 0 ? 0 : 1   // version 1: rank 0 is a scalar
        switch version {
        case 1:
            try reader.skip(5, "dataspace")
            guard flags & 0x02 == 0 else { throw malformed("permutation indices (never implemented by HDF5)") }
        case 2:
            kind = Int(try reader.readUInt8("dataspace"))
            guard kind <= 2, (kind == 1) == (rank > 0) else { throw malformed("type \(kind) with \(rank) dimensions") }
        default: throw malformed("version \(version)")
        }
        guard rank <= 32 else { throw malformed("\(rank) dimensions (HDF5 allows 32)") }
        var count = kind == 2 ? 0 : 1
        for _ in 0..<rank {
            let extent = try reader.readUInt(sizeOfLength, "dataspace dimension")
            guard extent <= UInt64(Int.max) else { throw malformed("an extent of \(extent)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(extent))
            guard !overflow else { throw malformed("the element count overflows") }
            count = product
        }
        if flags & 0x01 != 0 { try reader.skip(rank * sizeOfLength, "dataspace maximum dimensions") }
        return count
    }
}

/// Walks one encoded HDF5 datatype (§IV.A.2.d), checking that every part lies inside the bytes given
/// and that sizes are consistent: `elementBytes` is what one element takes in the file.
struct DatatypeWalker {
    let sizeOfAddress: Int
    let path: String
    let attribute: String

    struct Datatype {
        var typeClass: Int
        /// The declared size (bytes of one element in memory, for fixed-size classes also in the file).
        var size: UInt64
        /// Bytes of one element in the file.
        var elementBytes: Int
    }

    func malformed(_ detail: String) -> DatasetError {
        .malformed(path: path, detail: "attribute '\(attribute)' datatype: \(detail)")
    }

    func walk(_ reader: inout ByteReader, depth: Int) throws -> Datatype {
        guard depth <= HDF5AttributeMessage.maximumNesting else { throw malformed("nested more than \(HDF5AttributeMessage.maximumNesting) deep") }
        let classAndVersion = try reader.readUInt8("datatype")
        let typeClass = Int(classAndVersion & 0x0F), version = Int(classAndVersion >> 4)
        let bits = try reader.readUInt(3, "datatype class bits")
        let size = try reader.readUInt(4, "datatype size")
        guard (1...4).contains(version) else { throw malformed("version \(version)") }
        guard size <= HDF5AttributeMessage.maximumElementBytes else {
            throw malformed("elements of \(size) bytes (at most \(HDF5AttributeMessage.maximumElementBytes))")
        }
        var elementBytes = Int(size)
        switch typeClass {
        case 0, 4:   // fixed-point, bitfield: bit offset, precision
            try checkBits(&reader, size: size)
        case 1:      // floating point: bit offset, precision, exponent and mantissa fields, bias
            try checkBits(&reader, size: size)
            try reader.skip(8, "floating-point properties")
        case 2:      // time: precision
            try reader.skip(2, "time properties")
        case 3, 7:   // string, reference: no properties
            break
        case 5:      // opaque: an ASCII tag of (bits & 0xFF) bytes, padded to 8
            try reader.skip(Int(bits & 0xFF), "opaque tag")
        case 6:
            try walkCompound(&reader, version: version, members: Int(bits & 0xFFFF), size: size, depth: depth)
        case 8:      // enumeration: base type, names, values
            let base = try walk(&reader, depth: depth + 1)
            let members = Int(bits & 0xFFFF)
            for _ in 0..<members { try skipName(&reader, padded: version < 3) }
            let (values, overflow) = members.multipliedReportingOverflow(by: Int(base.size))
            guard !overflow else { throw malformed("enumeration values overflow") }
            try reader.skip(values, "enumeration values")
        case 9:      // variable length: base type; in the file a (length, heap address, index) descriptor
            let base = try walk(&reader, depth: depth + 1)
            let isString = bits & 0x0F == 1
            guard bits & 0x0F <= 1 else { throw malformed("variable-length type \(bits & 0x0F)") }
            guard base.size >= 1, !isString || base.size == 1 else {
                throw malformed("variable-length \(isString ? "string characters" : "elements") of \(base.size) bytes")
            }
            elementBytes = 8 + sizeOfAddress
        case 10:     // array: rank, dimensions (and permutations before version 3), base type
            let rank = Int(try reader.readUInt8("array rank"))
            guard rank >= 1, rank <= 32 else { throw malformed("an array of \(rank) dimensions") }
            if version < 3 { try reader.skip(3, "array properties") }
            var count: UInt64 = 1
            for _ in 0..<rank {
                let (product, overflow) = count.multipliedReportingOverflow(by: UInt64(try reader.readUInt32("array dimension")))
                guard !overflow else { throw malformed("array dimensions overflow") }
                count = product
            }
            if version < 3 { try reader.skip(4 * rank, "array permutation") }
            let base = try walk(&reader, depth: depth + 1)
            let (total, overflow) = count.multipliedReportingOverflow(by: UInt64(base.elementBytes))
            guard !overflow, total <= HDF5AttributeMessage.maximumElementBytes else { throw malformed("array elements too large") }
            elementBytes = Int(total)
        default:
            throw malformed("class \(typeClass)")
        }
        guard elementBytes >= 1 else { throw malformed("elements of 0 bytes") }
        return Datatype(typeClass: typeClass, size: size, elementBytes: elementBytes)
    }

    /// Bit offset and precision of an integer or bitfield, inside `size` bytes.
    func checkBits(_ reader: inout ByteReader, size: UInt64) throws {
        let offset = UInt64(try reader.readUInt16("bit offset")), precision = UInt64(try reader.readUInt16("bit precision"))
        guard precision >= 1, offset + precision <= 8 * size else {
            throw malformed("\(precision) bits at bit \(offset) of a \(size)-byte element")
        }
    }

    /// A NUL-terminated name, padded to a multiple of 8 bytes in datatype versions 1 and 2.
    func skipName(_ reader: inout ByteReader, padded: Bool) throws {
        guard let terminator = reader.bytes[reader.offset...].firstIndex(of: 0) else { throw malformed("a member name without its NUL") }
        let length = terminator - reader.offset + 1
        try reader.skip(padded ? (length + 7) & ~7 : length, "member name")
    }

    /// Compound members: name, byte offset, (version 1: dimensions), member type; each member must lie
    /// inside the compound's `size` bytes.
    func walkCompound(_ reader: inout ByteReader, version: Int, members: Int, size: UInt64, depth: Int) throws {
        guard members >= 1 else { throw malformed("a compound without members") }
        // Version 3 stores member offsets in the fewest bytes that hold the compound's size.
        let offsetBytes = size < 1 << 8 ? 1 : size < 1 << 16 ? 2 : size < 1 << 24 ? 3 : 4
        for _ in 0..<members {
            try skipName(&reader, padded: version < 3)
            let offset = version < 3 ? UInt64(try reader.readUInt32("member offset")) : try reader.readUInt(offsetBytes, "member offset")
            if version == 1 { try reader.skip(28, "member dimensions") }
            let member = try walk(&reader, depth: depth + 1)
            guard offset + UInt64(member.elementBytes) <= size else {
                throw malformed("a member of \(member.elementBytes) bytes at offset \(offset) of a \(size)-byte compound")
            }
        }
    }
}
