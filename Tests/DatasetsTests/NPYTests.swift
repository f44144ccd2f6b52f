import Foundation
import Testing
import Datasets

/// NPY decoding against hand-written bytes and NumPy-made fixtures; encode/decode round trips.
@Suite struct NPYTests {
    /// Builds an NPY file by hand: magic, version, header length, header, data.
    static func npy(header: String, data: [UInt8], major: UInt8 = 1) -> [UInt8] {
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
        let text = Array(header.utf8)
        if major == 1 {
            bytes += [UInt8(text.count & 0xFF), UInt8(text.count >> 8)]
        } else {
            bytes += [UInt8(text.count & 0xFF), UInt8(text.count >> 8 & 0xFF), 0, 0]
        }
        return bytes + text + data
    }

    @Test func decodesHandWrittenLittleEndianFloat64() throws {
        // 1.0 = 0x3FF0000000000000, -2.0 = 0xC000000000000000, little-endian.
        let data: [UInt8] = [0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0xC0]
        let bytes = Self.npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n", data: data)
        let array = try NPYFormat.decode(bytes, path: "hand.npy")
        #expect(array.shape == [2])
        #expect(array.storage == .float64([1, -2]))
    }

    @Test func decodesBigEndianFortranOrderInt32() throws {
        // Matrix [[1, 2, 3], [4, 5, 6]] stored column-major: 1 4 2 5 3 6, big-endian int32.
        let columnMajor: [Int32] = [1, 4, 2, 5, 3, 6]
        let data = columnMajor.flatMap { value -> [UInt8] in
            let bits = UInt32(bitPattern: value)
            return [UInt8(bits >> 24), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits & 0xFF)]
        }
        let bytes = Self.npy(header: "{'descr': '>i4', 'fortran_order': True, 'shape': (2, 3), }\n", data: data)
        let array = try NPYFormat.decode(bytes, path: "hand.npy")
        #expect(array.shape == [2, 3])
        #expect(array.storage == .int32([1, 2, 3, 4, 5, 6]))
    }

    @Test func decodesVersion2And3HeadersAndNarrowIntegers() throws {
        // int16 -3, 300 little-endian widen to int32; version 2.0 has a 4-byte header length.
        let version2 = Self.npy(header: "{'descr': '<i2', 'fortran_order': False, 'shape': (2,)}\n", data: [0xFD, 0xFF, 0x2C, 0x01], major: 2)
        #expect(try NPYFormat.decode(version2, path: "v2.npy").storage == .int32([-3, 300]))
        // Version 3.0: UTF-8 header, uint8 scalar.
        let version3 = Self.npy(header: "{'descr': '|u1', 'fortran_order': False, 'shape': ()}\n", data: [200], major: 3)
        let scalar = try NPYFormat.decode(version3, path: "v3.npy")
        #expect(scalar.shape == [] && scalar.storage == .uint8([200]))
    }

    @Test func roundTripsEveryElementType() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for (name, array) in try arraysOfEveryType() {
            let encoded = NPYFormat.encode(array)
            #expect(encoded.count >= 64 && (encoded.count - array.count * array.elementType.byteCount) % 64 == 0, "\(name): data must start 64-byte aligned")
            #expect(try NPYFormat.decode(encoded, path: name) == array, "\(name)")
            try NPYFormat.write(array, to: directory.path(name + ".npy"))
            #expect(try NPYFormat.read(directory.path(name + ".npy")) == array, "\(name) through a file")
        }
    }

    @Test func readsNumPyFixtures() throws {
        let ramp = try NPYFormat.read(Fixtures.path("ramp_f4.npy"))
        #expect(ramp.shape == [2, 3, 4] && ramp.elementType == .float32)
        #expect(ramp.doubleValues == Fixtures.ramp(24, scale: 0.5, offset: -1))
        // Saved by NumPy as Fortran-order big-endian int32; values are row-major ramp −5 + k.
        let fortran = try NPYFormat.read(Fixtures.path("fortran_be_i4.npy"))
        #expect(fortran.shape == [3, 4] && fortran.elementType == .int32)
        #expect(fortran.doubleValues == Fixtures.ramp(12, scale: 1, offset: -5))
    }

    @Test func reversingAxesIsAFullTranspose() throws {
        // Element (i, j, k) of shape [2, 3, 4] moves to (k, j, i) of shape [4, 3, 2].
        let array = try NumericArray(shape: [2, 3, 4], storage: .int64((0..<24).map(Int64.init)))
        let reversed = array.reversingAxes()
        #expect(reversed.shape == [4, 3, 2])
        guard case .int64(let values) = reversed.storage else { Issue.record("type changed"); return }
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 {
            #expect(values[(k * 3 + j) * 2 + i] == Int64((i * 3 + j) * 4 + k))
        } } }
        #expect(reversed.reversingAxes() == array)
    }

    @Test func objectArraysGiveATypedError() throws {
        let bytes = Self.npy(header: "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }\n", data: [0x80, 0x03, 0x2E])
        #expect {
            try NPYFormat.decode(bytes, path: "objects.npy")
        } throws: { error in
            guard case DatasetError.unsupported(_, let detail) = error else { return false }
            return detail.contains("object arrays")
        }
    }

    @Test func malformedHeadersThrowTypedErrors() throws {
        let cases: [(String, [UInt8])] = [
            ("bad magic", Array("NOTNUMPY file".utf8)),
            ("unknown version", [0x93] + Array("NUMPY".utf8) + [9, 0, 0, 0]),
            ("missing shape", Self.npy(header: "{'descr': '<f4', 'fortran_order': False}\n", data: [])),
            ("garbage header", Self.npy(header: "{'descr': <f4 ???\n", data: [])),
            ("unsupported dtype", Self.npy(header: "{'descr': '<c16', 'fortran_order': False, 'shape': (1,)}\n", data: Array(repeating: 0, count: 16))),
            ("negative extent", Self.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}\n", data: [])),
            ("short data", Self.npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)}\n", data: [0, 0, 0])),
            ("overflowing shape", Self.npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (9223372036854775807, 4)}\n", data: [])),
        ]
        for (name, bytes) in cases {
            #expect(throws: DatasetError.self, "\(name)") { try NPYFormat.decode(bytes, path: name) }
        }
    }

    @Test func everyTruncationThrowsInsteadOfCrashing() throws {
        let bytes = NPYFormat.encode(try NumericArray(shape: [4, 8], storage: .float64(Fixtures.ramp(32, scale: 1))))
        for length in 0..<bytes.count {
            #expect(throws: DatasetError.self, "length \(length)") { try NPYFormat.decode(Array(bytes.prefix(length)), path: "cut.npy") }
        }
    }
}
