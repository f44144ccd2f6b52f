import Foundation
import Testing
import Datasets

/// MATLAB files: SciPy-written v5 with compression, h5py-written v7.3 with a user block.
@Suite struct MATFileTests {
    @Test func readsCompressedVersion5() throws {
        let file = try MATFile.read(Fixtures.path("darcy_v5.mat"))
        #expect(file.version == 5)
        let coeff = try file.array(named: "coeff")
        #expect(coeff.shape == [3, 5, 5] && coeff.elementType == .float64)
        #expect(coeff.doubleValues == Fixtures.ramp(75, scale: 0.01, offset: 1))
        let sol = try file.array(named: "sol")
        #expect(sol.shape == [3, 5, 5] && sol.elementType == .float32)
        #expect(sol.doubleValues == Fixtures.ramp(75, scale: -0.02).map { Double(Float($0)) })
        #expect(try file.array(named: "index").storage == .int32([1, 2, 3, 4]))
        let mask = try file.array(named: "mask")
        #expect(mask.shape == [1, 3] && mask.storage == .bool([true, false, true]))
        #expect {
            try file.array(named: "notes")
        } throws: { error in
            guard case DatasetError.unsupported(_, let detail) = error else { return false }
            return detail.contains("cell")
        }
    }

    @Test func readsVersion73InMatlabOrder() throws {
        let file = try DatasetLoader.open(Fixtures.path("burgers_v73.mat"))
        #expect(file.format == .matVersion73)
        let a = try file.array(named: "a")
        #expect(a.shape == [4, 8])
        #expect(a.doubleValues == Fixtures.ramp(32, scale: 0.125, offset: -2))
        #expect(try file.array(named: "u").doubleValues == Fixtures.ramp(32, scale: -0.5, offset: 1))
        do {
            _ = try file.array(named: "coeff")
            Issue.record("expected an error")
        } catch let error as DatasetError {
            #expect(error.description == "missing key 'coeff' in burgers_v73.mat (keys: a, u)")
        }
    }

    @Test func everyTruncationOfVersion5Throws() throws {
        let bytes = try [UInt8](Data(contentsOf: Fixtures.directory.appendingPathComponent("darcy_v5.mat")))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for length in 0..<bytes.count where length % 3 == 0 || length < 300 {
            let path = directory.path("cut.mat")
            try Data(bytes.prefix(length)).write(to: URL(fileURLWithPath: path))
            do {
                let file = try MATFile.read(path)
                // A cut exactly between elements reads fine but loses variables.
                #expect(file.names.count < 5, "length \(length) read every variable")
            } catch is DatasetError {
            }
        }
    }

    @Test func badHeadersThrow() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var header = Array("MATLAB 5.0 MAT-file".utf8) + Array(repeating: 0x20, count: 97) + Array(repeating: 0, count: 8) + [0, 1]
        let badEndian = header + Array("XX".utf8)
        try Data(badEndian).write(to: URL(fileURLWithPath: directory.path("endian.mat")))
        #expect(throws: DatasetError.self) { try MATFile.read(directory.path("endian.mat")) }
        header += Array("IM".utf8)
        // An element claiming more bytes than the file has.
        let oversized = header + [14, 0, 0, 0, 0xFF, 0xFF, 0, 0]
        try Data(oversized).write(to: URL(fileURLWithPath: directory.path("oversized.mat")))
        #expect(throws: DatasetError.self) { try MATFile.read(directory.path("oversized.mat")) }
        // A compressed element that is not a zlib stream.
        let junk = header + [15, 0, 0, 0, 8, 0, 0, 0] + Array(repeating: 0xAB, count: 8)
        try Data(junk).write(to: URL(fileURLWithPath: directory.path("junk.mat")))
        #expect(throws: DatasetError.self) { try MATFile.read(directory.path("junk.mat")) }
        try Data(Array("not a mat file at all".utf8)).write(to: URL(fileURLWithPath: directory.path("text.mat")))
        #expect(throws: DatasetError.self) { try MATFile.read(directory.path("text.mat")) }
    }
}

/// MAT v5 written byte by byte: uncompressed elements, the small-element form, both byte orders.
@Suite struct MATVersion5BytesTests {
    static func file(bigEndian: Bool) -> [UInt8] {
        func u32(_ value: UInt32) -> [UInt8] {
            let little = [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
            return bigEndian ? little.reversed() : little
        }
        func f64(_ value: Double) -> [UInt8] {
            let bits = value.bitPattern
            let little = (0..<8).map { UInt8(bits >> (8 * UInt64($0)) & 0xFF) }
            return bigEndian ? little.reversed() : little
        }
        var bytes = Array("MATLAB 5.0 MAT-file, written by hand".utf8)
        bytes += Array(repeating: 0x20, count: 116 - bytes.count) + Array(repeating: 0, count: 8)
        bytes += bigEndian ? [0x01, 0x00] + Array("MI".utf8) : [0x00, 0x01] + Array("IM".utf8)
        // a = [1 2 3; 4 5 6] (double), stored column-major: 1 4 2 5 3 6.
        var a = u32(6) + u32(8) + u32(6) + u32(0)                   // array flags: mxDOUBLE_CLASS
        a += u32(5) + u32(8) + u32(2) + u32(3)                      // dimensions 2×3
        a += u32(2 << 16 | 1) + Array("ab".utf8) + [0, 0]           // name "ab", small element (miINT8)
        a += u32(9) + u32(48) + [1, 4, 2, 5, 3, 6].flatMap { f64($0) }  // real part, miDOUBLE
        bytes += u32(14) + u32(UInt32(a.count)) + a
        // c = [7; 8; 9] (double class, data stored as miUINT8 to save space), padded to 8 bytes.
        var c = u32(6) + u32(8) + u32(6) + u32(0)
        c += u32(5) + u32(8) + u32(3) + u32(1)
        c += u32(1 << 16 | 1) + Array("c".utf8) + [0, 0, 0]
        c += u32(2) + u32(3) + [7, 8, 9, 0, 0, 0, 0, 0]
        bytes += u32(14) + u32(UInt32(c.count)) + c
        return bytes
    }

    @Test func decodesBothByteOrders() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for bigEndian in [false, true] {
            let path = directory.path(bigEndian ? "big.mat" : "little.mat")
            try Data(Self.file(bigEndian: bigEndian)).write(to: URL(fileURLWithPath: path))
            #expect(try DatasetLoader.detectFormat(path) == .matVersion5)
            let file = try MATFile.read(path)
            #expect(file.names == ["ab", "c"])
            let a = try file.array(named: "ab")
            #expect(a.shape == [2, 3] && a.storage == .float64([1, 2, 3, 4, 5, 6]), "big-endian: \(bigEndian)")
            let c = try file.array(named: "c")
            #expect(c.shape == [3, 1] && c.storage == .float64([7, 8, 9]))
        }
    }
}
