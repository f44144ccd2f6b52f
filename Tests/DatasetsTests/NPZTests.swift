import Foundation
import Testing
import Datasets

/// NPZ: round trips (stored and deflated), NumPy-made archive with an object array, corruption.
@Suite struct NPZTests {
    @Test func roundTripsStoredAndDeflated() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let arrays = try arraysOfEveryType().map { (name: $0.0, array: $0.1) }
        for compressed in [false, true] {
            let path = directory.path(compressed ? "deflated.npz" : "stored.npz")
            try NPZFile.write(arrays, to: path, compressed: compressed)
            let read = try NPZFile.read(path)
            #expect(read.map(\.name) == arrays.map(\.name))
            for (expected, actual) in zip(arrays, read) { #expect(expected.array == actual.array, "\(expected.name)") }
        }
        // Deflating a smooth ramp must actually shrink it.
        let ramp = try NumericArray(shape: [4096], storage: .float64(Fixtures.ramp(4096, scale: 0)))
        let stored = try NPZFile.encode([("r", ramp)], compressed: false)
        let deflated = try NPZFile.encode([("r", ramp)], compressed: true)
        #expect(deflated.count * 10 < stored.count)
    }

    @Test func readsNumPyCompressedArchiveWithObjectArray() throws {
        let file = try DatasetLoader.open(Fixtures.path("deeponet.npz"))
        #expect(file.format == .npz)
        let branch = try file.array(named: "X_train0")
        #expect(branch.shape == [5, 4] && branch.elementType == .float64)
        #expect(branch.doubleValues == Fixtures.ramp(20, scale: 0.25))
        let trunk = try file.array(named: "X_train1")
        #expect(trunk.shape == [4, 1] && trunk.elementType == .float32)
        #expect(trunk.doubleValues == Fixtures.ramp(4, scale: 0.1).map { Double(Float($0)) })
        #expect(try file.array(named: "y_train").doubleValues == Fixtures.ramp(20, scale: -1, offset: 3))
        // The pickled object array X = [branch, trunk] (DeepXDE's layout) unpickles to X[0], X[1].
        #expect(try file.array(named: "X[0]") == branch)
        let objectTrunk = try file.array(named: "X[1]")
        #expect(objectTrunk.shape == [4, 1] && objectTrunk.doubleValues == Fixtures.ramp(4, scale: 0.1))
        #expect(try file.array(named: "flags").storage == .bool([true, false, true]))
        #expect(try file.array(named: "labels").storage == .uint8([0, 1, 2, 3, 4, 5]))
        #expect(try file.array(named: "counts").storage == .int64([0, 1000, 2000, 3000]))
    }

    @Test func missingKeyNamesTheAvailableKeys() throws {
        let file = try DatasetLoader.open(Fixtures.path("deeponet.npz"))
        do {
            _ = try file.array(named: "coeff")
            Issue.record("expected an error")
        } catch let error as DatasetError {
            #expect(error.description.hasPrefix("missing key 'coeff' in deeponet.npz (keys: X_train0, X_train1, y_train, X[0], X[1],"))
        }
    }

    @Test func corruptedArchivesThrowTypedErrors() throws {
        let array = try NumericArray(shape: [64], storage: .float64(Fixtures.ramp(64, scale: 0.5)))
        let good = try NPZFile.encode([("a", array)], compressed: true)
        #expect(try NPZFile.decode(good, path: "good.npz").first?.array == array)
        // A flipped byte inside the deflated data: inflate fails or the CRC-32 does not match.
        var corrupted = good
        corrupted[45] ^= 0xFF
        #expect(throws: DatasetError.self) { try NPZFile.decode(corrupted, path: "flipped.npz") }
        // A central directory pointing past the end of the file.
        var badOffset = good
        badOffset[badOffset.count - 6] = 0xFF
        #expect(throws: DatasetError.self) { try NPZFile.decode(badOffset, path: "offset.npz") }
        // No end record at all.
        #expect(throws: DatasetError.self) { try NPZFile.decode(Array(repeating: 0x20, count: 200), path: "spaces.npz") }
        // Every truncation of a deflated archive (the end record is lost) throws.
        for length in 0..<good.count {
            #expect(throws: DatasetError.self, "length \(length)") { try NPZFile.decode(Array(good.prefix(length)), path: "cut.npz") }
        }
        // Every truncation of NumPy's archive with a pickled object array throws too.
        let numpy = try [UInt8](Data(contentsOf: Fixtures.directory.appendingPathComponent("deeponet.npz")))
        for length in stride(from: 0, to: numpy.count, by: 7) {
            #expect(throws: DatasetError.self, "length \(length)") { try NPZFile.decode(Array(numpy.prefix(length)), path: "cut.npz") }
        }
    }

    @Test func corruptedPicklesThrowTypedErrors() throws {
        // Each byte of NumPy's pickled object array replaced in turn must give an error or a
        // valid result, never a crash.
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let objects = try DatasetLoader.open(Fixtures.path("objects.npy"))
        #expect(try objects.names() == ["objects[0]", "objects[1]"])
        #expect(try objects.array(named: "objects[0]").doubleValues == Fixtures.ramp(20, scale: 0.25))
        let original = try [UInt8](Data(contentsOf: Fixtures.directory.appendingPathComponent("objects.npy")))
        let path = directory.path("mutated.npy")
        for position in 128..<min(original.count, 520) {
            var mutated = original
            mutated[position] ^= 0x5A
            try Data(mutated).write(to: URL(fileURLWithPath: path))
            do { _ = try DatasetLoader.open(path) } catch is DatasetError {}
        }
        for length in stride(from: 0, to: original.count, by: 5) {
            try Data(original.prefix(length)).write(to: URL(fileURLWithPath: path))
            #expect(throws: DatasetError.self, "length \(length)") { try DatasetLoader.open(path) }
        }
        // A pickle that calls a global outside the whitelist is refused.
        var header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
        header += String(repeating: " ", count: 64 - (header.utf8.count + 11) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
        bytes += [0x80, 0x03] + Array("cos\nsystem\n".utf8) + [0x58, 2, 0, 0, 0] + Array("ls".utf8) + [0x85, 0x52, 0x2E]
        let npz = try NPZFileTestSupport.archive(named: "evil.npy", contents: bytes)
        #expect {
            try NPZFile.decode(npz, path: "evil.npz")
        } throws: { error in
            guard case DatasetError.unsupported(_, let detail) = error else { return false }
            return detail.contains("os.system")
        }
        // The depth limit of the one pickle reader (shared with torch.save checkpoints) holds here too.
        var deep: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
        deep += [0x80, 0x03, 0x4E] + [UInt8](repeating: 0x85, count: 1_000) + [0x2E]
        let deepArchive = try NPZFileTestSupport.archive(named: "deep.npy", contents: deep)
        #expect {
            try NPZFile.decode(deepArchive, path: "deep.npz")
        } throws: { error in
            guard case DatasetError.malformed(_, let detail) = error else { return false }
            return detail.contains("deeper than")
        }
    }
}

/// Builds a one-entry stored zip around raw bytes (for pickles NPYFormat would not write).
enum NPZFileTestSupport {
    static func archive(named name: String, contents: [UInt8]) throws -> [UInt8] {
        // Encode a placeholder array with the same byte count, then splice the contents in: the
        // stored entry's data is the NPY bytes verbatim, only the CRC must be patched.
        let placeholder = try NumericArray(shape: [contents.count], storage: .uint8(contents))
        var bytes = try NPZFile.encode([(String(name.dropLast(4)), placeholder)], compressed: false)
        let npy = NPYFormat.encode(placeholder)
        // Local header is 30 bytes + name; replace the NPY bytes with `contents` (same length?)
        let start = 30 + name.utf8.count
        var zip = Array(bytes[0..<start]) + contents
        let tail = Array(bytes[(start + npy.count)...])
        // Patch sizes and CRC in the local header (offsets 14, 18, 22) and the central directory.
        let crc = crc32(contents)
        func patch(_ array: inout [UInt8], at offset: Int, _ value: UInt32) {
            for index in 0..<4 { array[offset + index] = UInt8(value >> (8 * UInt32(index)) & 0xFF) }
        }
        patch(&zip, at: 14, crc)
        patch(&zip, at: 18, UInt32(contents.count))
        patch(&zip, at: 22, UInt32(contents.count))
        var central = tail
        patch(&central, at: 16, crc)
        patch(&central, at: 20, UInt32(contents.count))
        patch(&central, at: 24, UInt32(contents.count))
        // End record: central directory offset moves with the data length.
        patch(&central, at: central.count - 6, UInt32(zip.count))
        bytes = zip + central
        return bytes
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

/// ZIP64: the end record and central directory saturated, real values in the ZIP64 records.
@Suite struct ZIP64Tests {
    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    @Test func readsZIP64CentralDirectoryAndEndRecords() throws {
        let array = try NumericArray(shape: [3], storage: .float64([1, 2, 3]))
        let plain = try NPZFile.encode([("a", array)], compressed: false)
        // Split the stored archive: local header + data, central directory, end record.
        let end = plain.count - 22
        let directoryOffset = Int(plain[end + 16]) | Int(plain[end + 17]) << 8 | Int(plain[end + 18]) << 16
        let local = Array(plain[0..<directoryOffset])
        var central = Array(plain[directoryOffset..<end])
        // Saturate compressed size, uncompressed size and offset; append a ZIP64 extra field
        // with the real values in the APPNOTE order (uncompressed, compressed, offset).
        let compressed = UInt64(Int(central[20]) | Int(central[21]) << 8 | Int(central[22]) << 16)
        let uncompressed = UInt64(Int(central[24]) | Int(central[25]) << 8 | Int(central[26]) << 16)
        for offset in [20, 24, 42] { central.replaceSubrange(offset..<offset + 4, with: [0xFF, 0xFF, 0xFF, 0xFF]) }
        let extra = Self.littleEndian(UInt16(1)) + Self.littleEndian(UInt16(24)) + Self.littleEndian(uncompressed)
            + Self.littleEndian(compressed) + Self.littleEndian(UInt64(0))
        central.replaceSubrange(30..<32, with: Self.littleEndian(UInt16(extra.count)))
        central += extra
        var archive = local + central
        let zip64End = archive.count
        archive += Self.littleEndian(UInt32(0x0606_4B50)) + Self.littleEndian(UInt64(44)) + Self.littleEndian(UInt16(45))
            + Self.littleEndian(UInt16(45)) + Self.littleEndian(UInt32(0)) + Self.littleEndian(UInt32(0))
            + Self.littleEndian(UInt64(1)) + Self.littleEndian(UInt64(1)) + Self.littleEndian(UInt64(central.count))
            + Self.littleEndian(UInt64(directoryOffset))
        archive += Self.littleEndian(UInt32(0x0706_4B50)) + Self.littleEndian(UInt32(0)) + Self.littleEndian(UInt64(zip64End)) + Self.littleEndian(UInt32(1))
        archive += Self.littleEndian(UInt32(0x0605_4B50)) + [0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
            + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + [0, 0]
        let read = try NPZFile.decode(archive, path: "zip64.npz")
        #expect(read.count == 1 && read[0].name == "a" && read[0].array == array)
        // A locator pointing outside the file is an error, not a crash.
        var broken = archive
        broken[archive.count - 22 - 12] = 0xFF
        #expect(throws: DatasetError.self) { try NPZFile.decode(broken, path: "zip64.npz") }
    }
}
