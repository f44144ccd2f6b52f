/// Compact storage (the dataset's data inside its own layout message) checked before libhdf5 opens it.
///
/// A data layout message (type 0x0008, HDF5 File Format Specification §IV.A.2.i) of class 0 holds the
/// data itself:
/// ```
/// versions 1, 2:  version (1) dimensionality d (1) class (1) reserved (5) dimensions (4·d) size (4) data
/// versions 3, 4:  version (1) class (1) size (2) data
/// ```
/// libhdf5 1.10 copies `size` bytes out of the message and later reads the whole dataset from that buffer
/// without comparing the two: a contiguous layout whose version byte changed from 3 to 1 decodes as
/// compact storage of 0 bytes, and reading its 6 floats dereferenced a null buffer (SIGSEGV; `pdekit fuzz`
/// files mode, seed 45, a PDEBench-layout file, session 13). So the data must lie inside the message, and
/// for numbers (fixed-point and floating-point datatypes, whose size the datatype message states) be exactly
/// the dataspace's elements times the element size, as libhdf5 writes it.
extension HDF5StructureCheck {
    /// Throws unless a compact layout among `messages` (one object header's) stores the bytes its dataset needs.
    func validateCompactStorage(_ messages: [Message], dataset: UInt64) throws {
        guard let layout = messages.first(where: { $0.type == 0x0008 }), let version = layout.body.first else { return }
        var reader = ByteReader(layout.body, path: path)
        try reader.skip(1)
        let size: UInt64
        switch version {
        case 1, 2:
            let dimensionality = Int(try reader.readUInt8("layout dimensionality"))
            guard try reader.readUInt8("layout class") == 0 else { return }
            try reader.skip(5 + 4 * dimensionality, "compact layout dimensions")
            size = UInt64(try reader.readUInt32("compact data size"))
        case 3, 4:
            guard try reader.readUInt8("layout class") == 0 else { return }
            size = UInt64(try reader.readUInt16("compact data size"))
        default:
            return   // libhdf5 refuses other versions itself
        }
        guard size <= UInt64(reader.remaining) else {
            throw malformed("the compact dataset at \(dataset) declares \(size) bytes of data in a layout message that holds \(reader.remaining)")
        }
        guard let needed = try compactBytesNeeded(messages, dataset: dataset), size != needed else { return }
        throw malformed("the compact dataset at \(dataset) stores \(size) bytes of data for \(needed) bytes of elements")
    }

    /// The bytes a numeric dataset's elements take (dataspace elements × datatype size), or nil when that is not
    /// known here (a shared or null dataspace, a shared datatype, a datatype other than fixed- or floating-point).
    private func compactBytesNeeded(_ messages: [Message], dataset: UInt64) throws -> UInt64? {
        guard let space = messages.first(where: { $0.type == 0x0001 }), space.flags & 0x02 == 0,
              let type = messages.first(where: { $0.type == 0x0003 }), type.flags & 0x02 == 0, type.body.count >= 8,
              [0, 1].contains(type.body[0] & 0x0F) else { return nil }
        if space.body.count >= 4, space.body[0] == 2, space.body[3] == 2 { return nil }   // a null dataspace: no elements
        let (extents, _) = try dataspaceExtents(space.body, dataset: dataset)
        var elements: UInt64 = 1
        for extent in extents {
            let (product, overflow) = elements.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw malformed("the compact dataset at \(dataset) has extents \(extents) whose product overflows") }
            elements = product
        }
        var typeReader = ByteReader(type.body, path: path)
        try typeReader.skip(4)
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: UInt64(try typeReader.readUInt32("datatype size")))
        guard !overflow else { throw malformed("the compact dataset at \(dataset) has extents \(extents) too large for its element size") }
        return bytes
    }
}
