import CHDF5
import Foundation
import Testing
import Datasets

/// The HDF5 structures `HDF5StructureCheck` did not follow before session 12: v2 B-tree indexes three
/// levels deep (internal nodes below the root), fractal heaps that grow indirect blocks below their root
/// indirect block, and heaps whose blocks go through I/O filters. libhdf5 1.10 follows all three once
/// their checksums pass; checksum-correct mutants of such files crashed `pdekit inspect` (SIGSEGV, 17 of
/// 600: scripts/fuzz-hdf5, seeds 54–56). Intact files still list; damage deep in them is a typed error
/// naming the node or block; deflate-filtered heaps are inflated and checked, other filters refused.
@Suite struct DeepHDF5StructureTests {
    static func offsets(of signature: String, in bytes: [UInt8]) -> [Int] {
        let s = Array(signature.utf8)
        guard bytes.count >= s.count else { return [] }
        return (0...(bytes.count - s.count)).filter { i in bytes[i] == s[0] && (1..<s.count).allSatisfy { bytes[i + $0] == s[$0] } }
    }

    static func integer(_ bytes: [UInt8], at offset: Int, width: Int) -> Int {
        (0..<width).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
    }

    /// Writes HDF5's checksum of `bytes[start..<end]` at `end`.
    static func resum(_ bytes: inout [UInt8], from start: Int, to end: Int) {
        let sum = DenseLinkCheckTests.lookup3(bytes[start..<end])
        for j in 0..<4 { bytes[end + j] = UInt8(truncatingIfNeeded: sum >> (8 * UInt32(j))) }
    }

    /// A libver-1.10 file with a dataset `x` and a group `wide` of `links` hard links to it, named by
    /// `name`; with `deflate`, the group's link heap is compressed; with `attributes`, `x` carries that many.
    static func writeFile(_ path: String, links: Int, name: (Int) -> String = { "link_with_a_long_name_\($0)" },
                          deflate: Bool = false, attributes: Int = 0) throws {
        let scratch = H5Fcreate(path + ".scratch", pdekit_H5F_ACC_TRUNC(), pdekit_H5P_DEFAULT(), pdekit_H5P_DEFAULT())
        try #require(scratch >= 0)
        let root = H5Gopen2(scratch, "/", pdekit_H5P_DEFAULT())
        let access = H5Fget_access_plist(scratch), groupCreation = H5Gget_create_plist(root)
        H5Gclose(root); H5Fclose(scratch)
        try? FileManager.default.removeItem(atPath: path + ".scratch")
        defer { H5Pclose(access); H5Pclose(groupCreation) }
        #expect(H5Pset_libver_bounds(access, H5F_LIBVER_V110, H5F_LIBVER_V110) >= 0)
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

    /// The first leaf of a three-level index (depth 2) whose header is at `tree`, reached through the
    /// first child pointer of the root and of its first child: (leaf address, its record count).
    /// Pointers per the specification (§III.A.2), for 512-byte nodes: address (8), records in the child
    /// (1 byte: a leaf holds < 256), and at the root also records below the child (2 bytes here).
    static func firstDeepLeaf(_ bytes: [UInt8], tree: Int) throws -> (leaf: Int, records: Int, parent: Int, parentRecords: Int) {
        let recordSize = integer(bytes, at: tree + 10, width: 2)
        #expect(integer(bytes, at: tree + 12, width: 2) == 2 && integer(bytes, at: tree + 6, width: 4) == 512, "depth 2, 512-byte nodes")
        let root = integer(bytes, at: tree + 16, width: 8), rootRecords = integer(bytes, at: tree + 24, width: 2)
        let rootPointer = root + 6 + rootRecords * recordSize
        let node = integer(bytes, at: rootPointer, width: 8), nodeRecords = Int(bytes[rootPointer + 8])
        let nodePointer = node + 6 + nodeRecords * recordSize
        let leaf = integer(bytes, at: nodePointer, width: 8), leafRecords = Int(bytes[nodePointer + 8])
        try #require(Array(bytes[root..<(root + 4)]) == Array("BTIN".utf8) && Array(bytes[node..<(node + 4)]) == Array("BTIN".utf8)
                     && Array(bytes[leaf..<(leaf + 4)]) == Array("BTLF".utf8) && leafRecords > 3, "root \(root), node \(node), leaf \(leaf)")
        return (leaf, leafRecords, node, nodeRecords)
    }

    static func failure(_ body: () throws -> Void) -> (any Error)? {
        if case .failure(let error) = Result(catching: body) { return error }
        return nil
    }

    /// 3000 links: a name index of depth 2 (BTIN over BTIN over BTLF). Intact, it lists; a reserved heap ID
    /// type in a leaf two levels down, a leaf record count beyond a node's capacity in the middle node, and a
    /// leaf changed without its checksum are typed errors naming the node.
    @Test func threeLevelLinkIndexesAreWalked() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("deep.h5")
        try Self.writeFile(path, links: 3000)
        #expect(try HDF5File(opening: path).contents().filter { $0.path.hasPrefix("/wide/") }.count == 3000)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let tree = try #require(Self.offsets(of: "BTHD", in: original).first { original[$0 + 5] == 5 && Self.integer(original, at: $0 + 12, width: 2) == 2 })
        let recordSize = Self.integer(original, at: tree + 10, width: 2)
        let (leaf, records, node, nodeRecords) = try Self.firstDeepLeaf(original, tree: tree)
        let leafEnd = leaf + 6 + records * recordSize, nodeEnd = node + 6 + nodeRecords * recordSize + (nodeRecords + 1) * 9

        var reserved = original
        reserved[leaf + 6 + 2 * recordSize + 4] = 0x30   // record 2's heap ID: type 3
        Self.resum(&reserved, from: leaf, to: leafEnd)
        var overfull = original
        overfull[node + 6 + nodeRecords * recordSize + 8] = 200   // the first leaf "holds" 200 records (at most 45 fit)
        Self.resum(&overfull, from: node, to: nodeEnd)
        var unsummed = original
        unsummed[leaf + 6 + 2 * recordSize] ^= 0xFF   // a name hash changed, the checksum not
        for (label, bytes, expected) in [("reserved heap ID", reserved, "record 2 of leaf 0 of node 0 of the link name index"),
                                         ("overfull leaf", overfull, "declares 200 records"),
                                         ("stale checksum", unsummed, "leaf 0 of node 0 of the link name index (tree at \(tree), node at \(leaf)) has a wrong checksum")] {
            let damaged = directory.path("\(label).h5")
            try Data(bytes).write(to: URL(fileURLWithPath: damaged))
            let error = Self.failure { _ = try HDF5File(opening: damaged).contents() }
            #expect(error is DatasetError && "\(error.map { "\($0)" } ?? "listed")".contains(expected), "\(label): \(error.map { "\($0)" } ?? "listed")")
        }
    }

    /// 2000 attributes on `x`: a dense attribute name index of depth 2. Intact, the attributes list; a
    /// shared-message flag in a record two levels down is a typed error.
    @Test func threeLevelAttributeIndexesAreWalked() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("attributes.h5")
        try Self.writeFile(path, links: 0, attributes: 2000)
        let names = try HDF5File(opening: path).attributeNames(of: "x")
        #expect(names.count == 2000 && names.contains("attribute_with_a_long_name_1999"))
        #expect(try HDF5File(opening: path).attribute("attribute_with_a_long_name_1234", of: "x") == .double(1234))
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let tree = try #require(Self.offsets(of: "BTHD", in: original).first { original[$0 + 5] == 8 })
        let recordSize = Self.integer(original, at: tree + 10, width: 2)
        #expect(recordSize == 17)
        let (leaf, records, _, _) = try Self.firstDeepLeaf(original, tree: tree)
        var shared = original
        shared[leaf + 6 + 3 * recordSize + 8] = 0x02   // record 3's message flags: shared
        Self.resum(&shared, from: leaf, to: leaf + 6 + records * recordSize)
        let damaged = directory.path("shared.h5")
        try Data(shared).write(to: URL(fileURLWithPath: damaged))
        let error = Self.failure { _ = try HDF5File(opening: damaged).attributeNames(of: "x") }
        #expect(error is DatasetError && "\(error.map { "\($0)" } ?? "listed")".contains("record 3 of leaf 0 of node 0 of the attribute name index"),
                "\(error.map { "\($0)" } ?? "listed")")
    }

    /// 3000 links with 246-character names fill more than the 9 direct rows of the root indirect block
    /// (4 × 512-byte blocks doubling to 64 KiB: 512 KiB), so the heap grows indirect blocks below its root.
    /// Intact, it lists; a damaged link message in a direct block under a child indirect block, and a child
    /// indirect block whose block offset was changed (checksum recomputed), are typed errors.
    @Test func indirectBlocksBelowTheRootAreFollowed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("deepheap.h5")
        func name(_ k: Int) -> String { "link_" + String(repeating: "0", count: 5 - String(k).count) + "\(k)_" + String(repeating: "y", count: 235) }
        try Self.writeFile(path, links: 3000, name: name)
        #expect(try HDF5File(opening: path).contents().filter { $0.path.hasPrefix("/wide/") }.count == 3000)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // The heap: 4-byte heap offsets (maximum heap size 32 bits), 8-byte addresses.
        let heap = try #require(Self.offsets(of: "FRHP", in: original).first { Self.integer(original, at: $0 + 140, width: 2) > 9 },
                                "a heap with more than 9 rows in its root")
        #expect(Self.integer(original, at: heap + 110, width: 2) == 4 && Self.integer(original, at: heap + 112, width: 8) == 512
                && Self.integer(original, at: heap + 128, width: 2) == 32)
        let directSpan = 4 * 512 << 8   // rows 0–8
        let children = Self.offsets(of: "FHIB", in: original).filter {
            Self.integer(original, at: $0 + 5, width: 8) == heap && Self.integer(original, at: $0 + 13, width: 4) >= directSpan
        }
        try #require(!children.isEmpty, "no indirect block below the root")

        // The last link's message, in a direct block whose heap offset lies beyond the root's direct rows.
        let last = try #require(Self.offsets(of: name(2999), in: original).first)
        let block = try #require(Self.offsets(of: "FHDB", in: Array(original[0..<last])).last)
        #expect(Self.integer(original, at: block + 13, width: 4) >= directSpan && original[last - 1] == 246 && original[last - 3] == 1)
        var badMessage = original
        badMessage[last - 3] = 2   // the link message's version
        let messagePath = directory.path("message.h5")
        try Data(badMessage).write(to: URL(fileURLWithPath: messagePath))
        let messageError = Self.failure { _ = try HDF5File(opening: messagePath).contents() }
        #expect(messageError is DatasetError && "\(messageError.map { "\($0)" } ?? "listed")".contains("a link message has version 2"),
                "\(messageError.map { "\($0)" } ?? "listed")")

        // A child indirect block (rows: log2(its size) − log2(4 · 512) + 1, entries of 8 bytes) whose block offset changed.
        let child = children[0], childOffset = Self.integer(original, at: child + 13, width: 4)
        let row = (0..<20).last { 4 * 512 << max(0, $0 - 1) <= childOffset && $0 > 0 } ?? 0
        let rows = (9 + row - 1) - 11 + 1, end = child + 17 + rows * 4 * 8
        #expect(DenseLinkCheckTests.lookup3(original[child..<end]) == UInt32(Self.integer(original, at: end, width: 4)), "child indirect block of \(rows) rows")
        var moved = original
        moved[child + 13] ^= 0x08   // block offset + or − 8
        Self.resum(&moved, from: child, to: end)
        let movedPath = directory.path("moved.h5")
        try Data(moved).write(to: URL(fileURLWithPath: movedPath))
        let movedError = Self.failure { _ = try HDF5File(opening: movedPath).contents() }
        #expect(movedError is DatasetError && "\(movedError.map { "\($0)" } ?? "listed")".contains("no intact indirect block"),
                "\(movedError.map { "\($0)" } ?? "listed")")
    }

    /// A group whose link heap goes through the deflate filter: its direct blocks are stored compressed,
    /// with their stored sizes and filter masks in the root indirect block. Intact, it lists (each block
    /// inflated and its link messages checked); a stored size changed in the root indirect block (checksum
    /// recomputed) is a typed error, and a filter other than deflate alone is refused.
    @Test func deflateFilteredHeapsAreInflatedAndChecked() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("filtered.h5")
        try Self.writeFile(path, links: 200, deflate: true)
        #expect(try HDF5File(opening: path).contents().filter { $0.path.hasPrefix("/wide/") }.count == 200)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // The heap: the fixed header (142 bytes), the root direct block's stored size (8) and filter mask (4),
        // the filter pipeline message (version 2: version, count, then identifier 1, flags, 1 client value).
        let heap = try #require(Self.offsets(of: "FRHP", in: original).first { Self.integer(original, at: $0 + 7, width: 2) == 12 })
        #expect(original[heap + 154] == 2 && original[heap + 155] == 1 && Self.integer(original, at: heap + 156, width: 2) == 1)
        let rows = Self.integer(original, at: heap + 140, width: 2), root = Self.integer(original, at: heap + 132, width: 8)
        try #require(rows > 0 && Array(original[root..<(root + 4)]) == Array("FHIB".utf8), "a root indirect block")

        var shuffle = original
        shuffle[heap + 156] = 2   // the shuffle filter instead of deflate
        Self.resum(&shuffle, from: heap, to: heap + 166)
        // Root indirect block: prefix 17 bytes, then per entry address (8), stored size (8), filter mask (4).
        let end = root + 17 + rows * 4 * 20
        #expect(DenseLinkCheckTests.lookup3(original[root..<end]) == UInt32(Self.integer(original, at: end, width: 4)))
        var truncated = original
        truncated[root + 17 + 8] = 3; for j in 1..<8 { truncated[root + 17 + 8 + j] = 0 }   // block 0 "stored in 3 bytes"
        Self.resum(&truncated, from: root, to: end)
        for (label, bytes, expected) in [("shuffle", shuffle, "I/O filters [2]"), ("stored size", truncated, "compressed data is corrupt")] {
            let damaged = directory.path("\(label).h5")
            try Data(bytes).write(to: URL(fileURLWithPath: damaged))
            let error = Self.failure { _ = try HDF5File(opening: damaged).contents() }
            #expect(error is DatasetError && "\(error.map { "\($0)" } ?? "listed")".contains(expected), "\(label): \(error.map { "\($0)" } ?? "listed")")
        }
        #expect(try HDF5File(opening: path).readDataset("x").storage == .float64([1, 2, 3, 4]))
    }
}
