import Foundation
import Testing
import Datasets

/// The chunk indexes of new-format datasets (layout message version 4): fixed arrays (paged beyond 1024
/// chunks), extensible arrays (index, super and data blocks), v2 B-trees of chunk records, single chunks and
/// implicit indexes. libhdf5 1.10 follows them once their checksums pass; checksum-correct mutants of seed
/// files with each kind crashed `pdekit inspect` in 27 of 3200 runs (scripts/fuzz-hdf5/chunk_indexes.c, seeds
/// 73–88): SIGFPE on a chunk dimension of 0 in the layout message (17, every kind) or on a chunk B-tree header's
/// record or node size (8), hangs on an extensible array's maximum index set (2).
/// Intact files read back what was written; each damage below, its checksum recomputed, is one typed error.
@Suite struct ChunkIndexCheckTests {
    typealias Support = HDF5DamageSupport

    /// The length of the checksummed structure at `start` whose checksum follows `first + k · step` bytes for
    /// some k ≥ 0 (the records of a node, the elements of a block), found by trying each k.
    static func checksummedLength(_ bytes: [UInt8], at start: Int, first: Int, step: Int) throws -> Int {
        var length = first
        while start + length + 4 <= bytes.count {
            if HDF5Checksum.lookup3(bytes[start..<(start + length)]) == UInt32(Support.integer(bytes, at: start + length, width: 4)) { return length }
            length += step
        }
        throw DatasetError.malformed(path: "", detail: "no checksum after the structure at \(start)")
    }

    /// Every kind, with and without deflate, a few and many chunks: the data read back equals what was written.
    @Test func intactIndexesOfEveryKindRead() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let cases: [(Support.ChunkIndexKind, Int, Bool)] = [(.fixedArray, 4, false), (.fixedArray, 2000, true), (.extensibleArray, 4, true),
                                                           (.extensibleArray, 2000, false), (.extensibleArray, 2000, true), (.version2BTree, 2000, false),
                                                           (.version2BTree, 300, true), (.singleChunk, 1, true), (.implicit, 2000, false)]
        for (index, (kind, chunks, deflate)) in cases.enumerated() {
            let path = directory.path("intact\(index).h5")
            let values = try Support.writeChunkedFile(path, kind: kind, chunks: chunks, deflate: deflate)
            let file = try HDF5File(opening: path)
            #expect(try file.readDataset("x").storage == .float64(values), "\(kind), \(chunks) chunks, deflate \(deflate)")
            #expect(try file.contents().map(\.path) == ["/x"])
        }
    }

    /// A file whose dataspace messages are shared (a reference in the header, the message in a shared-message
    /// table): the chunk dimensions are checked, the index is left to libhdf5, and the data reads; a chunk
    /// dimension of 0 is still refused.
    @Test func sharedDataspacesStillRead() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("shared.h5")
        let values = try Support.writeChunkedFile(path, kind: .extensibleArray, chunks: 40, sharedDataspaces: true)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let shared = try #require(Support.headerMessages(type: 1, in: original).first { $0.flags & 0x02 != 0 }, "a shared dataspace message")
        let layout = try #require(Support.headerMessages(type: 8, in: original).first { $0.header == shared.header })
        let file = try HDF5File(opening: path)
        #expect(try file.readDataset("y").storage == .float64(values) && file.readDataset("x").storage == .float64(values))
        var zeroChunk = original
        zeroChunk[layout.body + 5] = 0
        Support.resum(&zeroChunk, from: layout.header, to: layout.checksum)
        try Support.expectTypedErrors([("zero chunk", zeroChunk, "chunk dimensions [0, 8]")], in: directory) { _ = try HDF5File(opening: $0).readDataset("y") }
    }

    /// A chunk dimension of 0 in the layout message (libhdf5 divides by it when opening: SIGFPE before), a fixed
    /// array header counting one element more than the dataset has chunks, extents of 2^40 with as many elements
    /// and no data block, a chunk address outside the file in the data block and in the second page of a paged
    /// data block.
    @Test func fixedArraysAreWalked() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let small = directory.path("fixed.h5"), paged = directory.path("paged.h5")
        _ = try Support.writeChunkedFile(small, kind: .fixedArray, chunks: 4)
        _ = try Support.writeChunkedFile(paged, kind: .fixedArray, chunks: 2000)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: small)))
        let layout = try Support.layoutMessage(in: original)
        try #require(original[layout.body] == 4 && original[layout.body + 4] == 1 && original[layout.body + 5] == 8, "1-byte chunk dimensions")
        var zeroChunk = original
        zeroChunk[layout.body + 5] = 0
        Support.resum(&zeroChunk, from: layout.header, to: layout.checksum)
        // FAHD: version, client, element size, page bits at +4…+7, elements at +8, data block at +16, checksum at +24.
        let header = try #require(Support.offsets(of: "FAHD", in: original).first)
        let block = Support.integer(original, at: header + 16, width: 8)
        var overcounted = original
        overcounted[header + 8] = 5
        Support.resum(&overcounted, from: header, to: header + 24)
        // FADB: prefix 14 bytes, 4 addresses, checksum.
        #expect(Support.integer(original, at: header + 8, width: 8) == 4 && Array(original[block..<(block + 4)]) == Array("FADB".utf8))
        var outside = original
        Support.put(UInt64(original.count + 4096), into: &outside, at: block + 14 + 8)
        Support.resum(&outside, from: block, to: block + 14 + 32)

        let large = [UInt8](try Data(contentsOf: URL(fileURLWithPath: paged)))
        let largeHeader = try #require(Support.offsets(of: "FAHD", in: large).first)
        let largeBlock = Support.integer(large, at: largeHeader + 16, width: 8)
        // 2000 elements in pages of 1024: prefix, a 1-byte page bitmap (both pages written), checksum; then the pages.
        #expect(large[largeHeader + 7] == 10 && large[largeBlock + 14] == 0xC0)
        let secondPage = largeBlock + 19 + 1024 * 8 + 4
        var outsidePage = large
        Support.put(UInt64(large.count), into: &outsidePage, at: secondPage + 3 * 8)
        Support.resum(&outsidePage, from: secondPage, to: secondPage + 976 * 8)
        // Extents of 2^40 (dataspace version 2: version, rank, flags, type, extent, maximum extent) with a fixed
        // array of as many chunks and no data block: libhdf5 would visit all 2^37 elements to sum the storage.
        let space = try #require(Support.headerMessages(type: 1, in: original).first { $0.header == layout.header })
        try #require(original[space.body] == 2 && original[space.body + 1] == 1 && original[space.body + 2] == 1)
        var unbounded = original
        Support.put(1 << 40, into: &unbounded, at: space.body + 4)
        Support.put(1 << 40, into: &unbounded, at: space.body + 12)
        Support.resum(&unbounded, from: layout.header, to: layout.checksum)
        Support.put(1 << 37, into: &unbounded, at: header + 8)
        Support.put(.max, into: &unbounded, at: header + 16)
        Support.resum(&unbounded, from: header, to: header + 24)
        try Support.expectTypedErrors([("unbounded", unbounded, "has 137438953472 elements, more than the file holds")], in: directory) {
            _ = try HDF5File(opening: $0).datasetInfo("x")
        }
        try Support.expectTypedErrors([("zero chunk", zeroChunk, "chunk dimensions [0, 8]"),
                                       ("overcounted", overcounted, "5 elements for 4 chunks"),
                                       ("outside", outside, "element 1 of the fixed array chunk index"),
                                       ("outside page", outsidePage, "lie outside the file")], in: directory) {
            _ = try HDF5File(opening: $0).readDataset("x")
        }
    }

    /// An extensible array header whose maximum index set is 2^40 (libhdf5 visits every index below it: `inspect`
    /// hung before), a data block with a chunk address outside the file, and a super block naming a data block
    /// where there is none.
    @Test func extensibleArraysAreWalked() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("extensible.h5")
        _ = try Support.writeChunkedFile(path, kind: .extensibleArray, chunks: 2000)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // EAHD: 12 bytes, six statistics (the fifth: maximum index set), index block address, checksum at +68.
        let header = try #require(Support.offsets(of: "EAHD", in: original).first)
        #expect(Support.integer(original, at: header + 44, width: 8) == 2000)
        var unbounded = original
        Support.put(1 << 40, into: &unbounded, at: header + 44)
        Support.resum(&unbounded, from: header, to: header + 68)
        // EADB: 18-byte prefix (4-byte block offsets for 32 maximum bits), elements, checksum.
        let dataBlock = try #require(Support.offsets(of: "EADB", in: original).first)
        let dataLength = try Self.checksummedLength(original, at: dataBlock, first: 18 + 8, step: 8)
        var outside = original
        Support.put(UInt64(original.count + 1), into: &outside, at: dataBlock + 18 + 2 * 8)
        Support.resum(&outside, from: dataBlock, to: dataBlock + dataLength)
        // EASB: 18-byte prefix, data block addresses (no page bitmaps: blocks of at most 1024 elements), checksum.
        let superBlock = try #require(Support.offsets(of: "EASB", in: original).first)
        let superLength = try Self.checksummedLength(original, at: superBlock, first: 18 + 8, step: 8)
        var misdirected = original
        Support.put(UInt64(header), into: &misdirected, at: superBlock + 18)
        Support.resum(&misdirected, from: superBlock, to: superBlock + superLength)
        try Support.expectTypedErrors([("unbounded", unbounded, "sets 1099511627776 elements, more than its blocks hold (2036)"),
                                       ("outside", outside, "lie outside the file"),
                                       ("misdirected", misdirected, "no intact extensible array block (EADB)")], in: directory) {
            _ = try HDF5File(opening: $0).readDataset("x")
        }
    }

    /// v2 B-tree chunk records (type 10: address, then two 8-byte scaled coordinates): a chunk address outside
    /// the file, and a chunk coordinate beyond the dataset's chunks along its axis.
    @Test func chunkRecordsOfVersion2BTreesAreChecked() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("btree.h5")
        _ = try Support.writeChunkedFile(path, kind: .version2BTree, chunks: 2000)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let tree = try #require(Support.offsets(of: "BTHD", in: original).first)
        #expect(original[tree + 5] == 10 && Support.integer(original, at: tree + 10, width: 2) == 24)
        let leaf = try #require(Support.offsets(of: "BTLF", in: original).first)
        let length = try Self.checksummedLength(original, at: leaf, first: 6 + 24, step: 24)
        var outside = original, beyond = original
        Support.put(UInt64(original.count - 8), into: &outside, at: leaf + 6 + 24)
        Support.resum(&outside, from: leaf, to: leaf + length)
        Support.put(7, into: &beyond, at: leaf + 6 + 24 + 16)   // axis 1 has one chunk (4 / 4)
        Support.resum(&beyond, from: leaf, to: leaf + length)
        try Support.expectTypedErrors([("outside", outside, "a chunk record of the dataset"),
                                       ("beyond", beyond, "names chunk 7 along dimension 1, which has 1")], in: directory) {
            _ = try HDF5File(opening: $0).readDataset("x")
        }
    }

    /// A filtered single chunk whose stored size reaches past the end of the file, its layout message turned into
    /// version 1 (a chunk dimension of 0 there), and implicitly indexed chunks whose address leaves no room for them.
    @Test func singleAndImplicitChunksLieInsideTheFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let single = directory.path("single.h5"), implicit = directory.path("implicit.h5")
        _ = try Support.writeChunkedFile(single, kind: .singleChunk, chunks: 1, deflate: true)
        _ = try Support.writeChunkedFile(implicit, kind: .implicit, chunks: 4)
        // Body: version 4, class 2, flags, dimensionality 2, 1-byte dimensions (8, 8), index type, then for a
        // filtered single chunk its size (8) and mask (4) before the address; for an implicit index the address.
        let singleBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: single)))
        var layout = try Support.layoutMessage(in: singleBytes)
        #expect(singleBytes[layout.body + 2] == 2 && singleBytes[layout.body + 7] == 1)
        var large = singleBytes
        Support.put(UInt64(singleBytes.count), into: &large, at: layout.body + 8)
        Support.resum(&large, from: layout.header, to: layout.checksum)
        // The same message read as version 1 (dimensionality 2, class 2, 5 reserved bytes, address, 4-byte
        // dimensions): its first chunk dimension is 0 (the high bytes of the filtered size), which libhdf5
        // divides by (a SIGFPE found by the mutant fuzz).
        var version1 = singleBytes
        version1[layout.body] = 1
        Support.resum(&version1, from: layout.header, to: layout.checksum)
        var late = [UInt8](try Data(contentsOf: URL(fileURLWithPath: implicit)))
        layout = try Support.layoutMessage(in: late)
        #expect(late[layout.body + 7] == 2)
        Support.put(UInt64(late.count - 64), into: &late, at: layout.body + 8)
        Support.resum(&late, from: layout.header, to: layout.checksum)
        try Support.expectTypedErrors([("single", large, "the single chunk of the dataset"),
                                       ("version 1", version1, "a layout message of version 1 with chunk dimensions [0, "),
                                       ("implicit", late, "the 4 implicitly indexed chunks")], in: directory) {
            _ = try HDF5File(opening: $0).readDataset("x")
        }
    }
}
