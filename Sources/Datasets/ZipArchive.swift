import Foundation

/// Reading and writing zip archives (the `.npz` container), PKWARE APPNOTE layout:
/// ```
/// [local file header 0x04034b50, name, extra, data] …
/// [central directory header 0x02014b50 …] [ZIP64 end record 0x06064b50, locator 0x07064b50]
/// [end of central directory 0x06054b50]
/// ```
/// Entries are located through the central directory (sizes, offset), stored (method 0) or
/// deflated (method 8, via zlib) and checked against their CRC-32. ZIP64 sizes and offsets are read
/// from the central directory's extra field. Encrypted entries and other methods throw
/// `DatasetError.unsupported`.
package struct ZipArchive {
    package struct Entry {
        package var name: String
        package var method: UInt16
        package var flags: UInt16
        package var crc: UInt32
        package var compressedSize: Int
        package var uncompressedSize: Int
        package var localHeaderOffset: Int
    }

    package let path: String
    package let bytes: [UInt8]
    package let entries: [Entry]

    /// Parses the central directory of `bytes`.
    package init(bytes: [UInt8], path: String) throws {
        self.bytes = bytes
        self.path = path
        // The end-of-central-directory record is 22 bytes plus a comment of up to 65,535 bytes.
        guard bytes.count >= 22 else { throw DatasetError.truncated(path: path, detail: "zip archive shorter than its end record") }
        var endOffset: Int?
        var candidate = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while candidate >= lowest {
            if bytes[candidate] == 0x50, bytes[candidate + 1] == 0x4B, bytes[candidate + 2] == 0x05, bytes[candidate + 3] == 0x06 {
                endOffset = candidate
                break
            }
            candidate -= 1
        }
        guard let endOffset else { throw DatasetError.malformed(path: path, detail: "zip end-of-central-directory record not found") }
        var reader = ByteReader(bytes, path: path, offset: endOffset + 10)
        var entryCount = Int(try reader.readUInt16())
        var directorySize = Int(try reader.readUInt32())
        var directoryOffset = Int(try reader.readUInt32())
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: the locator sits just before the end record and points at the ZIP64 end record.
            guard endOffset >= 20 else { throw DatasetError.malformed(path: path, detail: "ZIP64 locator missing") }
            var locator = ByteReader(bytes, path: path, offset: endOffset - 20)
            guard try locator.readUInt32() == 0x0706_4B50 else { throw DatasetError.malformed(path: path, detail: "ZIP64 locator missing") }
            _ = try locator.readUInt32()
            let recordOffset = try locator.readUInt64()
            guard recordOffset < UInt64(bytes.count) else { throw DatasetError.malformed(path: path, detail: "ZIP64 end record offset out of range") }
            var record = ByteReader(bytes, path: path, offset: Int(recordOffset))
            guard try record.readUInt32("ZIP64 end record") == 0x0606_4B50 else { throw DatasetError.malformed(path: path, detail: "bad ZIP64 end record") }
            // Record size (8), versions (2 + 2), disk numbers (4 + 4), entries on this disk (8).
            try record.skip(28, "ZIP64 end record")
            let entries64 = try record.readUInt64(), size64 = try record.readUInt64(), offset64 = try record.readUInt64()
            guard entries64 < UInt64(bytes.count), size64 <= UInt64(bytes.count), offset64 <= UInt64(bytes.count) else {
                throw DatasetError.malformed(path: path, detail: "ZIP64 end record out of range")
            }
            entryCount = Int(entries64)
            directorySize = Int(size64)
            directoryOffset = Int(offset64)
        }
        guard directoryOffset <= bytes.count, directorySize <= bytes.count - directoryOffset else {
            throw DatasetError.truncated(path: path, detail: "zip central directory (offset \(directoryOffset), \(directorySize) bytes) lies outside the file")
        }
        var directory = ByteReader(bytes, path: path, offset: directoryOffset)
        var entries = [Entry]()
        for _ in 0..<entryCount {
            guard try directory.readUInt32("central directory header") == 0x0201_4B50 else {
                throw DatasetError.malformed(path: path, detail: "bad zip central directory signature")
            }
            try directory.skip(4)
            let flags = try directory.readUInt16()
            let method = try directory.readUInt16()
            try directory.skip(4)
            let crc = try directory.readUInt32()
            var compressedSize = UInt64(try directory.readUInt32())
            var uncompressedSize = UInt64(try directory.readUInt32())
            let nameLength = Int(try directory.readUInt16())
            let extraLength = Int(try directory.readUInt16())
            let commentLength = Int(try directory.readUInt16())
            try directory.skip(8)
            var localOffset = UInt64(try directory.readUInt32())
            let name = String(decoding: try directory.readBytes(nameLength, "zip entry name"), as: UTF8.self)
            var extra = ByteReader(Array(try directory.readBytes(extraLength, "zip extra field")), path: path)
            try directory.skip(commentLength, "zip entry comment")
            while extra.remaining >= 4 {
                let id = try extra.readUInt16(), size = Int(try extra.readUInt16())
                var field = ByteReader(Array(try extra.readBytes(size, "zip extra field")), path: path)
                guard id == 0x0001 else { continue }
                // ZIP64 extended information: only the fields whose 32-bit value is saturated.
                if uncompressedSize == 0xFFFF_FFFF { uncompressedSize = try field.readUInt64("ZIP64 size") }
                if compressedSize == 0xFFFF_FFFF { compressedSize = try field.readUInt64("ZIP64 size") }
                if localOffset == 0xFFFF_FFFF { localOffset = try field.readUInt64("ZIP64 offset") }
            }
            guard compressedSize <= UInt64(bytes.count), localOffset < UInt64(bytes.count), uncompressedSize < UInt64(Int.max / 2) else {
                throw DatasetError.malformed(path: path, detail: "zip entry '\(name)' has sizes or offsets outside the file")
            }
            entries.append(Entry(name: name, method: method, flags: flags, crc: crc, compressedSize: Int(compressedSize),
                                 uncompressedSize: Int(uncompressedSize), localHeaderOffset: Int(localOffset)))
        }
        self.entries = entries
    }

    /// The uncompressed contents of `entry`, checked against its CRC-32.
    package func contents(of entry: Entry) throws -> [UInt8] {
        if entry.flags & 0x1 != 0 { throw DatasetError.unsupported(path: path, detail: "encrypted zip entry '\(entry.name)'") }
        var reader = ByteReader(bytes, path: path, offset: entry.localHeaderOffset)
        guard try reader.readUInt32("zip local header") == 0x0403_4B50 else {
            throw DatasetError.malformed(path: path, detail: "bad zip local header signature for '\(entry.name)'")
        }
        try reader.skip(22, "zip local header")
        let nameLength = Int(try reader.readUInt16("zip local header"))
        let extraLength = Int(try reader.readUInt16("zip local header"))
        try reader.skip(nameLength + extraLength, "zip local header")
        let data = try reader.readBytes(entry.compressedSize, "zip entry '\(entry.name)'")
        let output: [UInt8]
        switch entry.method {
        case 0:
            output = Array(data)
        case 8:
            try DatasetError.checkedArray(shape: [entry.uncompressedSize], bytesPerElement: 1, what: "zip entry '\(entry.name)'", path: path)
            output = try Zlib.inflate(data, framing: .raw, expectedSize: entry.uncompressedSize, limit: entry.uncompressedSize, path: path)
        default:
            throw DatasetError.unsupported(path: path, detail: "zip compression method \(entry.method) for '\(entry.name)' (stored and deflated are supported)")
        }
        guard output.count == entry.uncompressedSize else {
            throw DatasetError.compression(path: path, detail: "entry '\(entry.name)' inflates to \(output.count) bytes, header says \(entry.uncompressedSize)")
        }
        guard Zlib.crc32(output[...]) == entry.crc else {
            throw DatasetError.compression(path: path, detail: "CRC-32 mismatch in entry '\(entry.name)'")
        }
        return output
    }

    /// Builds a zip archive of `files` (name, contents), each stored or deflated.
    package static func archive(_ files: [(name: String, contents: [UInt8])], deflate: Bool, path: String) throws -> [UInt8] {
        var output = [UInt8]()
        var central = [UInt8]()
        for file in files {
            let crc = Zlib.crc32(file.contents[...])
            let data = deflate ? try Zlib.deflate(file.contents, framing: .raw, path: path) : file.contents
            let name = Array(file.name.utf8)
            guard output.count < 0xFFFF_FFFF, file.contents.count < 0xFFFF_FFFF, data.count < 0xFFFF_FFFF else {
                throw DatasetError.cannotWrite(path: path, reason: "zip entries over 4 GiB (ZIP64) are not written")
            }
            let offset = UInt32(output.count)
            let method: UInt16 = deflate ? 8 : 0
            func common(_ bytes: inout [UInt8]) {
                bytes.appendLittleEndian(UInt16(20))          // version needed
                bytes.appendLittleEndian(UInt16(0))           // flags
                bytes.appendLittleEndian(method)
                bytes.appendLittleEndian(UInt16(0))           // time
                bytes.appendLittleEndian(UInt16(0x21))        // date: 1980-01-01
                bytes.appendLittleEndian(crc)
                bytes.appendLittleEndian(UInt32(data.count))
                bytes.appendLittleEndian(UInt32(file.contents.count))
                bytes.appendLittleEndian(UInt16(name.count))
                bytes.appendLittleEndian(UInt16(0))           // extra length
            }
            output.appendLittleEndian(UInt32(0x0403_4B50))
            common(&output)
            output += name
            output += data
            central.appendLittleEndian(UInt32(0x0201_4B50))
            central.appendLittleEndian(UInt16(20))            // version made by
            common(&central)
            central.appendLittleEndian(UInt16(0))             // comment length
            central.appendLittleEndian(UInt16(0))             // disk number
            central.appendLittleEndian(UInt16(0))             // internal attributes
            central.appendLittleEndian(UInt32(0))             // external attributes
            central.appendLittleEndian(offset)
            central += name
        }
        let directoryOffset = UInt32(output.count)
        output += central
        output.appendLittleEndian(UInt32(0x0605_4B50))
        output.appendLittleEndian(UInt16(0))
        output.appendLittleEndian(UInt16(0))
        output.appendLittleEndian(UInt16(files.count))
        output.appendLittleEndian(UInt16(files.count))
        output.appendLittleEndian(UInt32(central.count))
        output.appendLittleEndian(directoryOffset)
        output.appendLittleEndian(UInt16(0))
        return output
    }
}
