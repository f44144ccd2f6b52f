import CHDF5
import Foundation
import Testing
import Datasets

/// Old-format (version-1 object header) datasets whose layout or dataspace message is damaged. `pdekit fuzz`
/// files mode, seed 45 (session 13), on a PDEBench-layout file: a contiguous layout's version byte 3 → 1 decodes
/// as compact storage of 0 bytes and libhdf5 read 6 floats from a null buffer (SIGSEGV); extents
/// [2^56 + 3, 0, 8] under a maximum of [3, 5, 8] made `inspect` read empty blocks of 16 Mi rows 2^32 times
/// (a hang). Version-1 headers carry no checksum, so a changed byte reaches libhdf5 as it is.
@Suite struct LayoutAndExtentCheckTests {
    typealias Support = HDF5DamageSupport

    /// The body offset of the first message of `type` with a body of `length` bytes or more in a version-1 object
    /// header of `bytes` whose body starts with `prefix`: messages are type (2), size (2), flags (1), 3 reserved.
    static func messageBody(type: UInt8, length: Int, prefix: [UInt8], in bytes: [UInt8]) throws -> Int {
        for at in 0..<(bytes.count - 8 - prefix.count)
        where bytes[at] == type && bytes[at + 1] == 0 && (length..<(length + 8)).contains(Support.integer(bytes, at: at + 2, width: 2))
            && Array(bytes[(at + 8)..<(at + 8 + prefix.count)]) == prefix { return at + 8 }
        throw DatasetError.malformed(path: "", detail: "no message of type \(type)")
    }

    /// A default-format file with a dataset `x` of `values`, compact when `compact` (else contiguous).
    static func writeFile(_ path: String, _ values: [Double], shape: [Int], compact: Bool) throws {
        let file = H5Fcreate(path, pdekit_H5F_ACC_TRUNC(), pdekit_H5P_DEFAULT(), pdekit_H5P_DEFAULT())
        try #require(file >= 0)
        defer { H5Fclose(file) }
        let creation = H5Pcreate(pdekit_H5P_DATASET_CREATE())
        defer { H5Pclose(creation) }
        if compact { try #require(H5Pset_layout(creation, H5D_COMPACT) >= 0) }
        var dimensions = shape.map { hsize_t($0) }
        let space = H5Screate_simple(Int32(dimensions.count), &dimensions, nil)
        defer { H5Sclose(space) }
        let dataset = H5Dcreate2(file, "x", pdekit_H5T_NATIVE_DOUBLE(), space, pdekit_H5P_DEFAULT(), creation, pdekit_H5P_DEFAULT())
        try #require(dataset >= 0)
        defer { H5Dclose(dataset) }
        let status = values.withUnsafeBufferPointer {
            H5Dwrite(dataset, pdekit_H5T_NATIVE_DOUBLE(), pdekit_H5S_ALL(), pdekit_H5S_ALL(), pdekit_H5P_DEFAULT(), $0.baseAddress)
        }
        try #require(status >= 0)
    }

    /// A contiguous layout (version 3: version, class 1, address, size) turned into version 1 reads as compact
    /// storage of 0 bytes: refused. Compact storage whose stated size is not the elements' bytes, or runs past
    /// its message: refused. The intact files read back.
    @Test func compactStorageMustHoldItsElements() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let values: [Double] = [1, 2, 3, 4, 5, 6]
        let contiguous = directory.path("contiguous.h5"), compact = directory.path("compact.h5")
        try Self.writeFile(contiguous, values, shape: [6], compact: false)
        try Self.writeFile(compact, values, shape: [6], compact: true)
        for path in [contiguous, compact] { #expect(try HDF5File(opening: path).readDataset("x").storage == .float64(values)) }

        let contiguousBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: contiguous)))
        let layout = try Self.messageBody(type: 8, length: 24, prefix: [3, 1], in: contiguousBytes)
        var versionOne = contiguousBytes
        versionOne[layout] = 1   // dimensionality ← 1 (the class byte), class ← the address's low byte
        #expect(versionOne[layout + 2] == 0, "the address's low byte makes the class compact")

        let compactBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: compact)))
        let body = try Self.messageBody(type: 8, length: 52, prefix: [3, 0, 48, 0], in: compactBytes)
        var short = compactBytes, long = compactBytes
        Support.put(40, into: &short, at: body + 2, width: 2)
        Support.put(0x7FFF, into: &long, at: body + 2, width: 2)
        try Support.expectTypedErrors([("version-one", versionOne, "stores 0 bytes of data for 48 bytes"),
                                       ("short", short, "stores 40 bytes of data for 48 bytes"),
                                       ("long", long, "declares 32767 bytes of data in a layout message that holds")],
                                      in: directory) { path in _ = try HDF5File(opening: path).readDataset("x") }
    }

    /// Extents above their maximum are refused; extents within it that hold no element (2^62 rows of 0 columns)
    /// are described without reading anything.
    @Test func extentsAboveTheMaximumAreRefusedAndEmptyDatasetsAreNotRead() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("x.h5")
        try Self.writeFile(path, (0..<120).map(Double.init), shape: [3, 5, 8], compact: false)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // Dataspace version 1: version, rank 3, flags 1 (maxima present), 5 reserved, 3 extents, 3 maxima.
        let space = try Self.messageBody(type: 1, length: 56, prefix: [1, 3, 1], in: bytes)
        var above = bytes, empty = bytes
        Support.put((1 << 56) + 3, into: &above, at: space + 8)
        Support.put(0, into: &above, at: space + 16)
        for (offset, value) in [(8, UInt64(1) << 62), (16, 0), (32, UInt64(1) << 62)] { Support.put(value, into: &empty, at: space + offset) }
        try Support.expectTypedErrors([("above", above, "above its maximum 3 on axis 0")], in: directory) { path in
            _ = try DatasetReport(file: path)
        }
        let emptyPath = directory.path("empty.h5")
        try Data(empty).write(to: URL(fileURLWithPath: emptyPath))
        let report = try DatasetReport(file: emptyPath)
        let array = try #require(report.arrays.first)
        #expect(array.shape == [1 << 62, 0, 8] && array.minimum == nil && array.mean == nil)
    }
}
