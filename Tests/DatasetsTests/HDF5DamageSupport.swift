import CHDF5
import Foundation
import Testing
import Datasets

/// What the tests that damage HDF5 files share: finding structures by signature, reading little-endian
/// fields, recomputing a structure's checksum after a change (so libhdf5's own checksum test passes), the
/// property lists of a libver-1.10 file (new-style groups), and the typed error a damaged file must give.
enum HDF5DamageSupport {
    /// Offsets where `signature` (for example "BTHD") starts in `bytes`.
    static func offsets(of signature: String, in bytes: [UInt8]) -> [Int] {
        let s = Array(signature.utf8)
        guard bytes.count >= s.count else { return [] }
        return (0...(bytes.count - s.count)).filter { i in bytes[i] == s[0] && (1..<s.count).allSatisfy { bytes[i + $0] == s[$0] } }
    }

    /// The little-endian unsigned integer of `width` bytes at `offset`.
    static func integer(_ bytes: [UInt8], at offset: Int, width: Int) -> Int {
        (0..<width).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
    }

    /// Writes HDF5's checksum of `bytes[start..<end]` at `end` (libhdf5 rejects a wrong one, so a damaged
    /// file built with a wrong checksum would fail these tests in another way).
    static func resum(_ bytes: inout [UInt8], from start: Int, to end: Int) {
        let sum = HDF5Checksum.lookup3(bytes[start..<end])
        for j in 0..<4 { bytes[end + j] = UInt8(truncatingIfNeeded: sum >> (8 * UInt32(j))) }
    }

    /// A file-access list bounded to libver 1.10 (new-style groups and dense storage) and a default
    /// group-creation list, taken from a scratch file next to `path` (the H5P_* class macros do not
    /// import into Swift). The caller closes both.
    static func libver110PropertyLists(near path: String) throws -> (access: hid_t, groupCreation: hid_t) {
        let scratch = H5Fcreate(path + ".scratch", pdekit_H5F_ACC_TRUNC(), pdekit_H5P_DEFAULT(), pdekit_H5P_DEFAULT())
        try #require(scratch >= 0)
        let root = H5Gopen2(scratch, "/", pdekit_H5P_DEFAULT())
        let access = H5Fget_access_plist(scratch), groupCreation = H5Gget_create_plist(root)
        H5Gclose(root); H5Fclose(scratch)
        try? FileManager.default.removeItem(atPath: path + ".scratch")
        #expect(H5Pset_libver_bounds(access, H5F_LIBVER_V110, H5F_LIBVER_V110) >= 0)
        return (access, groupCreation)
    }

    /// The error `body` throws, or nil.
    static func failure(_ body: () throws -> Void) -> (any Error)? {
        if case .failure(let error) = Result(catching: body) { return error }
        return nil
    }

    /// Writes each damaged copy to `directory` and expects `read` of it to throw a `DatasetError` whose
    /// text contains the case's expected words.
    static func expectTypedErrors(_ cases: [(label: String, bytes: [UInt8], expected: String)], in directory: TemporaryDirectory,
                                  sourceLocation: SourceLocation = #_sourceLocation, read: (String) throws -> Void) throws {
        for (label, bytes, expected) in cases {
            let damaged = directory.path("\(label).h5")
            try Data(bytes).write(to: URL(fileURLWithPath: damaged))
            let error = failure { try read(damaged) }
            let text = error.map { "\($0)" } ?? "read without an error"
            #expect(error is DatasetError && text.contains(expected), "\(label): \(text)", sourceLocation: sourceLocation)
        }
    }

    /// A libver-1.10 file with a dataset `x` and a group `wide` of `links` hard links to it, named by
    /// `name`; with `deflate`, the group's link heap is compressed; with `attributes`, `x` carries that many.
    static func writeFile(_ path: String, links: Int, name: (Int) -> String = { "link_with_a_long_name_\($0)" },
                          deflate: Bool = false, attributes: Int = 0) throws {
        let (access, groupCreation) = try HDF5DamageSupport.libver110PropertyLists(near: path)
        defer { H5Pclose(access); H5Pclose(groupCreation) }
        if deflate { try #require(H5Pset_deflate(groupCreation, 6) >= 0) }
        let file = H5Fcreate(path, pdekit_H5F_ACC_TRUNC(), pdekit_H5P_DEFAULT(), access)
        try #require(file >= 0)
        defer { H5Fclose(file) }
        var dimensions: [hsize_t] = [4]
        let space = H5Screate_simple(1, &dimensions, nil), scalar = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space); H5Sclose(scalar) }
        let values = [1.0, 2, 3, 4]
        let d = H5Dcreate2(file, "x", pdekit_H5T_NATIVE_DOUBLE(), space, pdekit_H5P_DEFAULT(), pdekit_H5P_DEFAULT(), pdekit_H5P_DEFAULT())
        _ = values.withUnsafeBufferPointer { H5Dwrite(d, pdekit_H5T_NATIVE_DOUBLE(), pdekit_H5S_ALL(), pdekit_H5S_ALL(), pdekit_H5P_DEFAULT(), $0.baseAddress) }
        for k in 0..<attributes {
            var value = Double(k)
            let a = H5Acreate2(d, "attribute_with_a_long_name_\(k)", pdekit_H5T_NATIVE_DOUBLE(), scalar, pdekit_H5P_DEFAULT(), pdekit_H5P_DEFAULT())
            #expect(H5Awrite(a, pdekit_H5T_NATIVE_DOUBLE(), &value) >= 0)
            H5Aclose(a)
        }
        H5Dclose(d)
        if links > 0 {
            let group = H5Gcreate2(file, "wide", pdekit_H5P_DEFAULT(), groupCreation, pdekit_H5P_DEFAULT())
            for k in 0..<links { #expect(H5Lcreate_hard(file, "x", group, name(k), pdekit_H5P_DEFAULT(), pdekit_H5P_DEFAULT()) >= 0) }
            H5Gclose(group)
        }
    }

    /// The chunk indexes of a version-4 layout message, chosen as scripts/fuzz-hdf5/chunk_indexes.c chooses them.
    enum ChunkIndexKind { case fixedArray, extensibleArray, version2BTree, singleChunk, implicit }

    /// The values `writeChunkedFile` stores: element k is (k mod 97) / 4.
    static func chunkedValues(_ count: Int) -> [Double] { (0..<count).map { Double($0 % 97) * 0.25 } }

    /// A libver-1.10 file with one chunked float64 dataset `x` of `chunks` chunks whose index is `kind`: 8 values a
    /// chunk along one axis (a fixed axis: fixed array; unlimited: extensible array), 4 × 4 chunks of a
    /// [4·chunks, 4] dataset with two unlimited axes (v2 B-tree), one chunk the size of the dataset (single),
    /// or space allocated early without filters (implicit); with `deflate`, the chunks are compressed.
    /// With `sharedDataspaces`, dataspace messages go to a shared-message table, and a second dataset `y` of the
    /// same dataspace holds a reference to it.
    static func writeChunkedFile(_ path: String, kind: ChunkIndexKind, chunks: Int, deflate: Bool = false, sharedDataspaces: Bool = false) throws -> [Double] {
        let (access, groupCreation) = try libver110PropertyLists(near: path)
        let fileCreation = H5Pcreate(pdekit_H5P_FILE_CREATE())
        defer { H5Pclose(access); H5Pclose(groupCreation); H5Pclose(fileCreation) }
        if sharedDataspaces {   // one index of dataspace messages (H5O_SHMESG_SDSPACE_FLAG = 1 << 1), of any size
            try #require(H5Pset_shared_mesg_nindexes(fileCreation, 1) >= 0 && H5Pset_shared_mesg_index(fileCreation, 0, 1 << 1, 0) >= 0)
        }
        let file = H5Fcreate(path, pdekit_H5F_ACC_TRUNC(), fileCreation, access)
        try #require(file >= 0)
        defer { H5Fclose(file) }
        let creation = H5Pcreate(pdekit_H5P_DATASET_CREATE())
        defer { H5Pclose(creation) }
        var dimensions: [hsize_t] = [hsize_t(chunks * 8)], chunk: [hsize_t] = [8]
        var maximum = dimensions
        switch kind {
        case .fixedArray: break
        case .extensibleArray: maximum = [pdekit_H5S_UNLIMITED()]
        case .version2BTree:
            dimensions = [hsize_t(chunks * 4), 4]; chunk = [4, 4]; maximum = [pdekit_H5S_UNLIMITED(), pdekit_H5S_UNLIMITED()]
        case .singleChunk: chunk = dimensions
        case .implicit: #expect(H5Pset_alloc_time(creation, H5D_ALLOC_TIME_EARLY) >= 0)
        }
        try #require(H5Pset_chunk(creation, Int32(chunk.count), &chunk) >= 0)
        if deflate { try #require(H5Pset_deflate(creation, 6) >= 0) }
        let space = H5Screate_simple(Int32(dimensions.count), &dimensions, &maximum)
        defer { H5Sclose(space) }
        let values = chunkedValues(Int(dimensions.reduce(1, *)))
        for name in sharedDataspaces ? ["x", "y"] : ["x"] {   // the second dataset's header refers to the first's dataspace
            let dataset = H5Dcreate2(file, name, pdekit_H5T_NATIVE_DOUBLE(), space, pdekit_H5P_DEFAULT(), creation, pdekit_H5P_DEFAULT())
            try #require(dataset >= 0)
            defer { H5Dclose(dataset) }
            let status = values.withUnsafeBufferPointer {
                H5Dwrite(dataset, pdekit_H5T_NATIVE_DOUBLE(), pdekit_H5S_ALL(), pdekit_H5S_ALL(), pdekit_H5P_DEFAULT(), $0.baseAddress)
            }
            try #require(status >= 0)
        }
        return values
    }

    /// The data layout message (type 8) in a version-2 object header of `bytes`: where its body starts, its
    /// length, and the header chunk's bounds (from its "OHDR" to its checksum) for `resum`.
    static func layoutMessage(in bytes: [UInt8]) throws -> (body: Int, length: Int, header: Int, checksum: Int) {
        guard let found = headerMessages(type: 8, in: bytes).first else { throw DatasetError.malformed(path: "", detail: "no layout message") }
        return (found.body, found.length, found.header, found.checksum)
    }

    /// The messages of `type` in the version-2 object headers of `bytes`, with their flags.
    static func headerMessages(type wanted: Int, in bytes: [UInt8]) -> [(body: Int, length: Int, flags: UInt8, header: Int, checksum: Int)] {
        var found = [(body: Int, length: Int, flags: UInt8, header: Int, checksum: Int)]()
        for header in offsets(of: "OHDR", in: bytes) {
            let flags = Int(bytes[header + 5])
            let sizeAt = header + 6 + (flags & 0x20 != 0 ? 16 : 0) + (flags & 0x10 != 0 ? 4 : 0)
            let sizeBytes = 1 << (flags & 3)
            let start = sizeAt + sizeBytes, end = start + integer(bytes, at: sizeAt, width: sizeBytes)
            var at = start
            while at + 4 <= end {
                let type = Int(bytes[at]), length = integer(bytes, at: at + 1, width: 2), messageFlags = bytes[at + 3]
                at += 4 + (flags & 0x04 != 0 ? 2 : 0)
                if type == wanted { found.append((at, length, messageFlags, header, end)) }
                at += length
            }
        }
        return found
    }

    /// Writes the little-endian `value` into `width` bytes at `offset`.
    static func put(_ value: UInt64, into bytes: inout [UInt8], at offset: Int, width: Int = 8) {
        for j in 0..<width { bytes[offset + j] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(j))) }
    }
}
