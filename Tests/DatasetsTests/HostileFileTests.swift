import CHDF5
import Foundation
import Testing
import Datasets

/// Files a hostile user could hand the readers: each is built here from a valid file whose bytes
/// are then edited, and each must end in a typed `DatasetError`, never a trap or a segfault.
@Suite struct HostileFileTests {
    // MARK: MAT v5

    /// One MAT v5 data element: tag (type, byte count), payload, padding to 8 bytes.
    static func matElement(_ type: UInt32, _ payload: [UInt8]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.appendLittleEndian(type)
        bytes.appendLittleEndian(UInt32(payload.count))
        bytes += payload
        bytes += [UInt8](repeating: 0, count: (8 - payload.count % 8) % 8)
        return bytes
    }

    /// A miMATRIX of MATLAB class `matlabClass` whose values are stored as doubles.
    static func matMatrix(name: String, matlabClass: UInt32, shape: [Int32], doubles: [Double]) -> [UInt8] {
        var flags = [UInt8](), dimensions = [UInt8](), data = [UInt8]()
        flags.appendLittleEndian(matlabClass)
        flags.appendLittleEndian(UInt32(0))
        for extent in shape { dimensions.appendLittleEndian(extent) }
        for value in doubles { data.appendLittleEndian(value.bitPattern) }
        let body = matElement(6, flags) + matElement(5, dimensions) + matElement(1, Array(name.utf8)) + matElement(9, data)
        return matElement(14, body)
    }

    static func matFile(_ elements: [UInt8]) -> [UInt8] {
        var header = Array("MATLAB 5.0 MAT-file, hostile test".utf8)
        header += [UInt8](repeating: 0x20, count: 116 - header.count) + [UInt8](repeating: 0, count: 8)
        header.appendLittleEndian(UInt16(0x0100))
        return header + Array("IM".utf8) + elements
    }

    /// A zlib stream of one stored (uncompressed) DEFLATE block (RFC 1950/1951): header 78 01,
    /// BFINAL=1 BTYPE=00, LEN, NLEN, the bytes, Adler-32.
    static func zlibStored(_ bytes: [UInt8]) -> [UInt8] {
        precondition(bytes.count < 65_536)
        var stream: [UInt8] = [0x78, 0x01, 0x01]
        stream.appendLittleEndian(UInt16(bytes.count))
        stream.appendLittleEndian(~UInt16(bytes.count))
        stream += bytes
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes { a = (a + UInt32(byte)) % 65_521; b = (b + a) % 65_521 }
        let adler = b << 16 | a
        stream += [UInt8(adler >> 24), UInt8(adler >> 16 & 0xFF), UInt8(adler >> 8 & 0xFF), UInt8(adler & 0xFF)]
        return stream
    }

    func write(_ bytes: [UInt8], _ name: String, in directory: TemporaryDirectory) throws -> String {
        let path = directory.path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func matIntegerClassStoredAsNonIntegralDoublesIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Control: an int32 array (class 12) stored as doubles reads back as Int32.
        let valid = try write(Self.matFile(Self.matMatrix(name: "n", matlabClass: 12, shape: [1, 3], doubles: [-2, 0, 7])), "valid.mat", in: directory)
        #expect(try MATFile.read(valid).array(named: "n").storage == .int32([-2, 0, 7]))
        // NaN, ∞, 1e300, 2.5 and 3e9 are not int32 or uint8 values: they used to trap in Int64(_:).
        for bad in [Double.nan, .infinity, 1e300, 2.5, 3e9] {
            for matlabClass: UInt32 in [12, 9] {   // int32, uint8
                let path = try write(Self.matFile(Self.matMatrix(name: "n", matlabClass: matlabClass, shape: [1, 2], doubles: [1, bad])),
                                     "bad.mat", in: directory)
                #expect {
                    try MATFile.read(path)
                } throws: { error in
                    guard case DatasetError.malformed(_, let detail) = error else { return false }
                    return detail.contains("variable 'n'")
                }
            }
        }
    }

    @Test func matCompressedElementInflatingPastItsDeclaredSizeIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let matrix = Self.matMatrix(name: "a", matlabClass: 6, shape: [1, 2], doubles: [1.5, -2])
        // Control: the element compressed as MATLAB does reads back.
        let valid = try write(Self.matFile(Self.matElement(15, Self.zlibStored(matrix))), "valid.mat", in: directory)
        #expect(try MATFile.read(valid).array(named: "a").doubleValues == [1.5, -2])
        // The inner tag now declares 16 bytes but the stream holds 40,000 more: inflation stops.
        var lying = matrix
        lying.replaceSubrange(4..<8, with: [16, 0, 0, 0])
        lying += [UInt8](repeating: 0x41, count: 40_000)
        let path = try write(Self.matFile(Self.matElement(15, Self.zlibStored(lying))), "bomb.mat", in: directory)
        #expect {
            try MATFile.read(path)
        } throws: { error in
            guard case DatasetError.compression(_, let detail) = error else { return false }
            return detail.contains("exceeds the declared size")
        }
    }

    // MARK: HDF5

    /// Bytes of an HDF5 file holding one variable-length string attribute "note" = "hello heap".
    func fileWithStringAttribute(in directory: TemporaryDirectory) throws -> (path: String, heap: Int) {
        let path = directory.path("attribute.h5")
        try HDF5File.writeAtomically(to: path) { file in
            try file.setAttribute("note", .string("hello heap"))
        }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let heap = try #require(Self.find(Array("GCOL".utf8), in: bytes))
        return (path, heap)
    }

    static func find(_ pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        return (0...(bytes.count - pattern.count)).first { Array(bytes[$0..<$0 + pattern.count]) == pattern }
    }

    func mutate(_ path: String, at offset: Int, with replacement: [UInt8]) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes.replaceSubrange(offset..<offset + replacement.count, with: replacement)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func corruptedGlobalHeapOfAStringAttributeIsATypedError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Control: the intact file reads back.
        let (path, heap) = try fileWithStringAttribute(in: directory)
        #expect(try HDF5File(opening: path).attribute("note") == .string("hello heap"))
        // The first heap object (at GCOL + 16: index u16, refcount u16, reserved, size u64):
        // a size of 2⁴⁰ made libhdf5 1.10 copy past the collection (SIGSEGV in H5HG_read); an index
        // that no descriptor names left a NULL object pointer.
        var size = [UInt8]()
        size.appendLittleEndian(UInt64(1) << 40)
        let cases: [(offset: Int, bytes: [UInt8])] = [(heap + 24, size), (heap + 16, [0xE7, 0x03]), (heap + 8, [0x10, 0, 0, 0])]
        for (offset, bytes) in cases {
            let (path, _) = try fileWithStringAttribute(in: directory)
            try mutate(path, at: offset, with: bytes)
            let file = try HDF5File(opening: path)
            #expect(throws: DatasetError.self, "mutation at GCOL+\(offset - heap)") { try file.attribute("note") }
            // Listing attributes skips the unreadable one instead of crashing.
            #expect(try file.attributes().isEmpty)
        }
    }

    @Test func hardLinkCycleIsListedOnce() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("cycle.h5")
        try HDF5File.writeAtomically(to: path) { file in
            try file.writeDataset("a/b/x", try NumericArray(shape: [2], storage: .float64([1, 2])))
        }
        // /a/b/up is a hard link back to /a: a cycle that recursion without a visited set never leaves.
        let id = H5Fopen(path, pdekit_H5F_ACC_RDWR(), pdekit_H5P_DEFAULT())
        #expect(id >= 0)
        #expect(H5Lcreate_hard(id, "/a", id, "/a/b/up", pdekit_H5P_DEFAULT(), pdekit_H5P_DEFAULT()) >= 0)
        H5Fclose(id)
        let entries = try HDF5File(opening: path).contents()
        #expect(entries.map(\.path) == ["/a", "/a/b", "/a/b/up", "/a/b/x"])
        #expect(entries.map(\.kind) == [.group, .group, .group, .dataset])
    }

    @Test func hugeUnallocatedDatasetIsDescribedNotRead() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("sparse.h5")
        // One written sample of 17×17, then axis 0 declared 2³¹ long: a tiny file claiming 2.5 TB.
        try HDF5File.writeAtomically(to: path) { file in
            try file.writeDataset("u", try NumericArray(shape: [1, 17, 17], storage: .float32(Array(repeating: 1, count: 289))),
                                  options: HDF5DatasetOptions(extendable: true))
            try file.resizeSamples("u", to: 1 << 31)
        }
        let file = try HDF5File(opening: path)
        let info = try file.datasetInfo("u")
        #expect(info.shape == [1 << 31, 17, 17])
        #expect(info.logicalBytes == (1 << 31) * 289 * 4)
        #expect(info.allocatedBytes > 0 && info.allocatedBytes < 1 << 20)
        #expect(info.statisticsSkipReason != nil)
        #expect {
            try file.readDataset("u")
        } throws: { error in
            guard case DatasetError.tooLarge = error else { return false }
            return true
        }
        // A fully written dataset keeps its statistics.
        let written = directory.path("dense.h5")
        try HDF5File.writeAtomically(to: written) { file in
            try file.writeDataset("u", try NumericArray(shape: [4, 3], storage: .float64(Array(repeating: 2, count: 12))))
        }
        #expect(try HDF5File(opening: written).datasetInfo("u").statisticsSkipReason == nil)
    }

    @Test func undecodableAttributeMessagesAreErrorsNotCrashes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("attributes.h5")
        try HDF5File.writeAtomically(to: path) { file in
            try file.setAttribute("pdekit.note", .string("hello"))
            try file.setAttribute("pdekit.count", .int(7))
        }
        #expect(try HDF5File(opening: path).attributeNames() == ["pdekit.count", "pdekit.note"])
        // Overwrite every byte of the attribute messages (name, datatype, dataspace, data) with
        // values libhdf5 cannot decode (e.g. dataspace version 9): libhdf5 1.10's attribute table
        // then freed a half-built table (SIGSEGV in H5A__close). Each must list, read or throw.
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let start = try #require(Self.find(Array("pdekit.".utf8), in: original))
        var outcomes = (listed: 0, refused: 0)
        for offset in max(0, start - 16)..<min(original.count, start + 160) {
            for value: UInt8 in [0x09, 0xFF] where original[offset] != value {
                var bytes = original
                bytes[offset] = value
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                guard let file = try? HDF5File(opening: path) else { outcomes.refused += 1; continue }
                do {
                    _ = try file.attributes()
                    outcomes.listed += 1
                } catch is DatasetError {
                    outcomes.refused += 1
                }
                // Reading one attribute by name (H5Aexists decodes every message of the header) is
                // checked the same way.
                for name in ["pdekit.note", "pdekit.count"] {
                    do { _ = try file.attribute(name) } catch is DatasetError {}
                }
            }
        }
        #expect(outcomes.listed > 0 && outcomes.refused > 0, "\(outcomes)")
    }

    @Test func variableLengthStringsWithWideCharactersAreRefusedBeforeReading() throws {
        // A variable-length string's base type is a 1-byte character; mutated to claim 0xFF000001
        // bytes per character, libhdf5 1.10's H5Aread allocated length × 4 GiB (20 GB for "hello").
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("wide.h5")
        try HDF5File.writeAtomically(to: path) { file in
            try file.setAttribute("pdekit.note", .string("hello"))
        }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(try HDF5File(opening: path).attribute("pdekit.note").stringValue == "hello")
        // The attribute's datatype: class 9 (variable length, string) of size 16, then its base
        // type, class 0 of size 1: `00 ?? ?? ?? 01 00 00 00`, right after the 8-byte-padded name.
        let name = try #require(Self.find(Array("pdekit.note".utf8), in: bytes))
        let datatype = name + 16
        #expect(bytes[datatype] & 0x0F == 9)
        let baseSize = datatype + 8 + 4
        #expect(bytes[(datatype + 8)] & 0x0F == 0 && bytes[baseSize..<(baseSize + 4)] == [1, 0, 0, 0])
        bytes[baseSize + 3] = 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let file = try HDF5File(opening: path)
        for read in [{ _ = try file.attribute("pdekit.note") }, { _ = try file.attributeNames() }, { _ = try file.attribute("absent") }] {
            #expect {
                try read()
            } throws: { error in
                guard case DatasetError.malformed(_, let detail) = error else { return false }
                return detail.contains("pdekit.note") && detail.contains("4278190081 bytes")
            }
        }
    }

    @Test func attributeCountsBeyondTheFileSizeAreRefusedBeforeAllocating() throws {
        // A dataspace mutated to declare billions of elements passed the memory budget on a 24 GiB
        // machine and allocated ~20 GB for a tiny file: a count the file cannot hold is refused first.
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("counts.h5")
        try HDF5File.writeAtomically(to: path) { file in
            try file.setAttribute("pdekit.values", .ints([1, 2, 3]))
        }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // The dataspace message stores the extent 3 as a little-endian 64-bit integer right after the
        // attribute's name; make it 2^34 (16 Gi elements, 128 GiB as Int64, past this file's size).
        let name = try #require(Self.find(Array("pdekit.values".utf8), in: bytes))
        let extent = try #require((name..<min(bytes.count - 8, name + 96)).first { offset in
            bytes[offset] == 3 && bytes[(offset + 1)..<(offset + 8)].allSatisfy { $0 == 0 }
        })
        bytes.replaceSubrange(extent..<(extent + 8), with: [0, 0, 0, 0, 4, 0, 0, 0])
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try HDF5File(opening: path).attribute("pdekit.values")
            Issue.record("an attribute of 2^34 elements in a \(bytes.count)-byte file was read")
        } catch let error as DatasetError {
            // Checked against the attribute message itself: 2^34 elements of 8 bytes, 3 × 8 bytes stored.
            #expect(String(describing: error).contains("17179869184 elements of 8 bytes, but the message holds 24 bytes"), "\(error)")
        }
    }

    @Test func readsOfUnwrittenChunksAreBoundedByTheStoredBytes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("unwritten.h5")
        // 100,000 samples of 17×17 float32 declared (115 MB), one written: a whole read is refused,
        // a read of the written sample is not.
        try HDF5File.writeAtomically(to: path) { file in
            try file.writeDataset("u", try NumericArray(shape: [1, 17, 17], storage: .float32((0..<289).map(Float.init))),
                                  options: HDF5DatasetOptions(extendable: true))
            try file.resizeSamples("u", to: 100_000)
        }
        let file = try HDF5File(opening: path)
        #expect {
            try file.readDataset("u")
        } throws: { error in
            guard case DatasetError.malformed(_, let detail) = error else { return false }
            return detail.contains("unwritten chunks")
        }
        #expect(try file.readSamples("u", 0..<1).doubleValues == (0..<289).map(Double.init))
    }

    // MARK: NPY, NPZ, ZIP

    @Test func npyHeadersWithBadShapesOrShortDataAreTypedErrors() throws {
        let valid = NPYFormat.encode(try NumericArray(shape: [2, 3], storage: .float64([1, 2, 3, 4, 5, 6])))
        #expect(try NPYFormat.decode(valid, path: "ok.npy").doubleValues == [1, 2, 3, 4, 5, 6])
        let headerText = String(decoding: valid[10..<Int(valid[8]) + 10], as: UTF8.self)
        func withShape(_ shape: String) -> [UInt8] {
            let text = headerText.replacingOccurrences(of: "(2, 3)", with: shape)
            var bytes = Array(valid[0..<8])
            bytes.appendLittleEndian(UInt16(text.utf8.count))
            return bytes + Array(text.utf8) + Array(valid[(10 + headerText.utf8.count)...])
        }
        let hostile: [(String, [UInt8])] = [
            ("negative extent", withShape("(-1, 3)")),
            ("overflowing shape", withShape("(4611686018427387904, 4)")),
            ("more elements than bytes", withShape("(3000000000, 3)")),
            ("short header", Array(valid[0..<9])),
            ("header longer than the file", Array(valid[0..<8]) + [0xFF, 0xFF] + Array(valid[10..<40])),
            ("truncated data", Array(valid.dropLast(5))),
        ]
        for (label, bytes) in hostile {
            #expect(throws: DatasetError.self, "\(label)") { try NPYFormat.decode(bytes, path: "bad.npy") }
        }
    }

    @Test func zip64SizesBeyondTheFileAreTypedErrors() throws {
        let arrays = [("x", try NumericArray(shape: [3], storage: .float64([1, 2, 3])))]
        let valid = try NPZFile.encode(arrays, compressed: false)
        #expect(try NPZFile.decode(valid, path: "ok.npz").first?.array.doubleValues == [1, 2, 3])
        // Saturate the central directory's compressed size and give a ZIP64 extra field of 2⁶².
        let central = try #require(Self.find([0x50, 0x4B, 0x01, 0x02], in: valid))
        var bytes = valid
        bytes.replaceSubrange(central + 20..<central + 24, with: [0xFF, 0xFF, 0xFF, 0xFF])
        let nameLength = Int(bytes[central + 28]) | Int(bytes[central + 29]) << 8
        bytes.replaceSubrange(central + 30..<central + 32, with: [12, 0])
        var extra: [UInt8] = [0x01, 0x00, 0x08, 0x00]
        extra.appendLittleEndian(UInt64(1) << 62)
        bytes.insert(contentsOf: extra, at: central + 46 + nameLength)
        let end = try #require(Self.find([0x50, 0x4B, 0x05, 0x06], in: bytes))
        let directorySize = Int(bytes[end + 12]) | Int(bytes[end + 13]) << 8
        bytes.replaceSubrange(end + 12..<end + 14, with: [UInt8((directorySize + 12) & 0xFF), UInt8((directorySize + 12) >> 8)])
        #expect {
            try NPZFile.decode(bytes, path: "zip64.npz")
        } throws: { error in
            guard case DatasetError.malformed(_, let detail) = error else { return false }
            return detail.contains("outside the file")
        }
        // A local header cut short is truncated, not read past the end.
        #expect(throws: DatasetError.self) { try NPZFile.decode(Array(valid[0..<20]) + Array(valid[(valid.count - 22)...]), path: "short.npz") }
    }
}

private extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var little = value.littleEndian
        Swift.withUnsafeBytes(of: &little) { append(contentsOf: $0) }
    }
}
