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
    /// The first leaf of a three-level index (depth 2) whose header is at `tree`, reached through the
    /// first child pointer of the root and of its first child: (leaf address, its record count).
    /// Pointers per the specification (§III.A.2), for 512-byte nodes: address (8), records in the child
    /// (1 byte: a leaf holds < 256), and at the root also records below the child (2 bytes here).
    static func firstDeepLeaf(_ bytes: [UInt8], tree: Int) throws -> (leaf: Int, records: Int, parent: Int, parentRecords: Int) {
        let recordSize = HDF5DamageSupport.integer(bytes, at: tree + 10, width: 2)
        #expect(HDF5DamageSupport.integer(bytes, at: tree + 12, width: 2) == 2 && HDF5DamageSupport.integer(bytes, at: tree + 6, width: 4) == 512, "depth 2, 512-byte nodes")
        let root = HDF5DamageSupport.integer(bytes, at: tree + 16, width: 8), rootRecords = HDF5DamageSupport.integer(bytes, at: tree + 24, width: 2)
        let rootPointer = root + 6 + rootRecords * recordSize
        let node = HDF5DamageSupport.integer(bytes, at: rootPointer, width: 8), nodeRecords = Int(bytes[rootPointer + 8])
        let nodePointer = node + 6 + nodeRecords * recordSize
        let leaf = HDF5DamageSupport.integer(bytes, at: nodePointer, width: 8), leafRecords = Int(bytes[nodePointer + 8])
        try #require(Array(bytes[root..<(root + 4)]) == Array("BTIN".utf8) && Array(bytes[node..<(node + 4)]) == Array("BTIN".utf8)
                     && Array(bytes[leaf..<(leaf + 4)]) == Array("BTLF".utf8) && leafRecords > 3, "root \(root), node \(node), leaf \(leaf)")
        return (leaf, leafRecords, node, nodeRecords)
    }

    /// 3000 links: a name index of depth 2 (BTIN over BTIN over BTLF). Intact, it lists; a reserved heap ID
    /// type in a leaf two levels down, a leaf record count beyond a node's capacity in the middle node, and a
    /// leaf changed without its checksum are typed errors naming the node.
    @Test func threeLevelLinkIndexesAreWalked() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("deep.h5")
        try HDF5DamageSupport.writeFile(path, links: 3000)
        #expect(try HDF5File(opening: path).contents().filter { $0.path.hasPrefix("/wide/") }.count == 3000)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let tree = try #require(HDF5DamageSupport.offsets(of: "BTHD", in: original).first { original[$0 + 5] == 5 && HDF5DamageSupport.integer(original, at: $0 + 12, width: 2) == 2 })
        let recordSize = HDF5DamageSupport.integer(original, at: tree + 10, width: 2)
        let (leaf, records, node, nodeRecords) = try Self.firstDeepLeaf(original, tree: tree)
        let leafEnd = leaf + 6 + records * recordSize, nodeEnd = node + 6 + nodeRecords * recordSize + (nodeRecords + 1) * 9

        var reserved = original
        reserved[leaf + 6 + 2 * recordSize + 4] = 0x30   // record 2's heap ID: type 3
        HDF5DamageSupport.resum(&reserved, from: leaf, to: leafEnd)
        var overfull = original
        overfull[node + 6 + nodeRecords * recordSize + 8] = 200   // the first leaf "holds" 200 records (at most 45 fit)
        HDF5DamageSupport.resum(&overfull, from: node, to: nodeEnd)
        var unsummed = original
        unsummed[leaf + 6 + 2 * recordSize] ^= 0xFF   // a name hash changed, the checksum not
        try HDF5DamageSupport.expectTypedErrors([("reserved heap ID", reserved, "record 2 of leaf 0 of node 0 of the link name index"),
                                                 ("overfull leaf", overfull, "declares 200 records"),
                                                 ("stale checksum", unsummed, "leaf 0 of node 0 of the link name index (tree at \(tree), node at \(leaf)) has a wrong checksum")],
                                                in: directory) { _ = try HDF5File(opening: $0).contents() }
    }

    /// 2000 attributes on `x`: a dense attribute name index of depth 2. Intact, the attributes list; a
    /// shared-message flag in a record two levels down is a typed error.
    @Test func threeLevelAttributeIndexesAreWalked() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("attributes.h5")
        try HDF5DamageSupport.writeFile(path, links: 0, attributes: 2000)
        let names = try HDF5File(opening: path).attributeNames(of: "x")
        #expect(names.count == 2000 && names.contains("attribute_with_a_long_name_1999"))
        #expect(try HDF5File(opening: path).attribute("attribute_with_a_long_name_1234", of: "x") == .double(1234))
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let tree = try #require(HDF5DamageSupport.offsets(of: "BTHD", in: original).first { original[$0 + 5] == 8 })
        let recordSize = HDF5DamageSupport.integer(original, at: tree + 10, width: 2)
        #expect(recordSize == 17)
        let (leaf, records, _, _) = try Self.firstDeepLeaf(original, tree: tree)
        var shared = original
        shared[leaf + 6 + 3 * recordSize + 8] = 0x02   // record 3's message flags: shared
        HDF5DamageSupport.resum(&shared, from: leaf, to: leaf + 6 + records * recordSize)
        try HDF5DamageSupport.expectTypedErrors([("shared", shared, "record 3 of leaf 0 of node 0 of the attribute name index")],
                                                in: directory) { _ = try HDF5File(opening: $0).attributeNames(of: "x") }
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
        try HDF5DamageSupport.writeFile(path, links: 3000, name: name)
        #expect(try HDF5File(opening: path).contents().filter { $0.path.hasPrefix("/wide/") }.count == 3000)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // The heap: 4-byte heap offsets (maximum heap size 32 bits), 8-byte addresses.
        let heap = try #require(HDF5DamageSupport.offsets(of: "FRHP", in: original).first { HDF5DamageSupport.integer(original, at: $0 + 140, width: 2) > 9 },
                                "a heap with more than 9 rows in its root")
        #expect(HDF5DamageSupport.integer(original, at: heap + 110, width: 2) == 4 && HDF5DamageSupport.integer(original, at: heap + 112, width: 8) == 512
                && HDF5DamageSupport.integer(original, at: heap + 128, width: 2) == 32)
        let directSpan = 4 * 512 << 8   // rows 0–8
        let children = HDF5DamageSupport.offsets(of: "FHIB", in: original).filter {
            HDF5DamageSupport.integer(original, at: $0 + 5, width: 8) == heap && HDF5DamageSupport.integer(original, at: $0 + 13, width: 4) >= directSpan
        }
        try #require(!children.isEmpty, "no indirect block below the root")

        // The last link's message, in a direct block whose heap offset lies beyond the root's direct rows.
        let last = try #require(HDF5DamageSupport.offsets(of: name(2999), in: original).first)
        let block = try #require(HDF5DamageSupport.offsets(of: "FHDB", in: Array(original[0..<last])).last)
        #expect(HDF5DamageSupport.integer(original, at: block + 13, width: 4) >= directSpan && original[last - 1] == 246 && original[last - 3] == 1)
        var badMessage = original
        badMessage[last - 3] = 2   // the link message's version

        // A child indirect block (rows: log2(its size) − log2(4 · 512) + 1, entries of 8 bytes) whose block offset changed.
        let child = children[0], childOffset = HDF5DamageSupport.integer(original, at: child + 13, width: 4)
        let row = (0..<20).last { 4 * 512 << max(0, $0 - 1) <= childOffset && $0 > 0 } ?? 0
        let rows = (9 + row - 1) - 11 + 1, end = child + 17 + rows * 4 * 8
        #expect(HDF5Checksum.lookup3(original[child..<end]) == UInt32(HDF5DamageSupport.integer(original, at: end, width: 4)), "child indirect block of \(rows) rows")
        var moved = original
        moved[child + 13] ^= 0x08   // block offset + or − 8
        HDF5DamageSupport.resum(&moved, from: child, to: end)
        try HDF5DamageSupport.expectTypedErrors([("message", badMessage, "a link message has version 2"), ("moved", moved, "no intact indirect block")],
                                                in: directory) { _ = try HDF5File(opening: $0).contents() }
    }

    /// A group whose link heap goes through the deflate filter: its direct blocks are stored compressed,
    /// with their stored sizes and filter masks in the root indirect block. Intact, it lists (each block
    /// inflated and its link messages checked); a stored size changed in the root indirect block (checksum
    /// recomputed) is a typed error, and a filter other than deflate alone is refused.
    @Test func deflateFilteredHeapsAreInflatedAndChecked() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("filtered.h5")
        try HDF5DamageSupport.writeFile(path, links: 200, deflate: true)
        #expect(try HDF5File(opening: path).contents().filter { $0.path.hasPrefix("/wide/") }.count == 200)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // The heap: the fixed header (142 bytes), the root direct block's stored size (8) and filter mask (4),
        // the filter pipeline message (version 2: version, count, then identifier 1, flags, 1 client value).
        let heap = try #require(HDF5DamageSupport.offsets(of: "FRHP", in: original).first { HDF5DamageSupport.integer(original, at: $0 + 7, width: 2) == 12 })
        #expect(original[heap + 154] == 2 && original[heap + 155] == 1 && HDF5DamageSupport.integer(original, at: heap + 156, width: 2) == 1)
        let rows = HDF5DamageSupport.integer(original, at: heap + 140, width: 2), root = HDF5DamageSupport.integer(original, at: heap + 132, width: 8)
        try #require(rows > 0 && Array(original[root..<(root + 4)]) == Array("FHIB".utf8), "a root indirect block")

        var shuffle = original
        shuffle[heap + 156] = 2   // the shuffle filter instead of deflate
        HDF5DamageSupport.resum(&shuffle, from: heap, to: heap + 166)
        // Root indirect block: prefix 17 bytes, then per entry address (8), stored size (8), filter mask (4).
        let end = root + 17 + rows * 4 * 20
        #expect(HDF5Checksum.lookup3(original[root..<end]) == UInt32(HDF5DamageSupport.integer(original, at: end, width: 4)))
        var truncated = original
        truncated[root + 17 + 8] = 3; for j in 1..<8 { truncated[root + 17 + 8 + j] = 0 }   // block 0 "stored in 3 bytes"
        HDF5DamageSupport.resum(&truncated, from: root, to: end)
        try HDF5DamageSupport.expectTypedErrors([("shuffle", shuffle, "I/O filters [2]"), ("stored size", truncated, "compressed data is corrupt")],
                                                in: directory) { _ = try HDF5File(opening: $0).contents() }
        #expect(try HDF5File(opening: path).readDataset("x").storage == .float64([1, 2, 3, 4]))
    }

    /// A link whose message (a 70 000-byte name) is larger than the heap's largest managed object is a
    /// "huge" object, found through the heap's huge-object index. Intact, it lists; a heap header whose huge
    /// object count says 0 while the index holds the record (checksum recomputed) crashed libhdf5 1.10
    /// (SIGSEGV in 3 + 2 of 800 checksum-correct mutants, seeds 71–72) and is now a typed error.
    @Test func hugeObjectCountsAgreeWithTheirIndex() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("huge.h5")
        let longName = String(repeating: "L", count: 70_000)
        try HDF5DamageSupport.writeFile(path, links: 21, name: { $0 == 20 ? longName : "link_\($0)" })
        #expect(try HDF5File(opening: path).contents().contains { $0.path == "/wide/" + longName })
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // The heap header (no I/O filters: 142 bytes, then its checksum): huge-object index address at +22,
        // huge size at +78 and huge object count at +86 (8-byte lengths and addresses).
        let heap = try #require(HDF5DamageSupport.offsets(of: "FRHP", in: original).first {
            HDF5DamageSupport.integer(original, at: $0 + 86, width: 8) == 1 && HDF5DamageSupport.integer(original, at: $0 + 22, width: 8) != -1
        }, "a heap with one huge object")
        #expect(HDF5DamageSupport.integer(original, at: heap + 78, width: 8) > 70_000)
        var uncounted = original, unsized = original
        for j in 0..<8 { uncounted[heap + 86 + j] = 0 }   // no huge objects, the index still holding one
        HDF5DamageSupport.resum(&uncounted, from: heap, to: heap + 142)
        unsized[heap + 86] = 2   // two huge objects, the index holding one
        HDF5DamageSupport.resum(&unsized, from: heap, to: heap + 142)
        try HDF5DamageSupport.expectTypedErrors([("uncounted", uncounted, "counts 0 huge objects"), ("miscounted", unsized, "counts 2 huge objects but its index holds 1")],
                                                in: directory) { _ = try HDF5File(opening: $0).contents() }
    }

    /// The huge-object index's records (type 1: address, length, object ID) name where libhdf5 reads the huge
    /// object: a record whose address puts the 70 000-byte link message past the end of the file, and one of
    /// length 0 (checksums recomputed), are typed errors.
    @Test func hugeObjectRecordsLieInsideTheFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("huge.h5")
        let longName = String(repeating: "L", count: 70_000)
        try HDF5DamageSupport.writeFile(path, links: 21, name: { $0 == 20 ? longName : "link_\($0)" })
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let tree = try #require(HDF5DamageSupport.offsets(of: "BTHD", in: original).first { original[$0 + 5] == 1 }, "a huge-object index")
        #expect(HDF5DamageSupport.integer(original, at: tree + 10, width: 2) == 24 && HDF5DamageSupport.integer(original, at: tree + 12, width: 2) == 0)
        let leaf = HDF5DamageSupport.integer(original, at: tree + 16, width: 8)
        #expect(Array(original[leaf..<(leaf + 4)]) == Array("BTLF".utf8) && HDF5DamageSupport.integer(original, at: leaf + 6 + 8, width: 8) > 70_000)
        var late = original, empty = original
        HDF5DamageSupport.put(UInt64(original.count - 1000), into: &late, at: leaf + 6)
        HDF5DamageSupport.resum(&late, from: leaf, to: leaf + 6 + 24)
        HDF5DamageSupport.put(0, into: &empty, at: leaf + 6 + 8)
        HDF5DamageSupport.resum(&empty, from: leaf, to: leaf + 6 + 24)
        try HDF5DamageSupport.expectTypedErrors([("late", late, "a huge object of the fractal heap at"), ("empty", empty, "has 0 bytes at address")],
                                                in: directory) { _ = try HDF5File(opening: $0).contents() }
    }

    /// A deflate-compressed group small enough for one direct block (its root, stored compressed) whose
    /// 70 000-byte link name is a filtered huge object (index records of type 2: address, stored length, filter
    /// mask, size, ID). Intact, it lists (the compressed root block was refused before: its raw bytes carry no
    /// "FHDB"); a record whose stored length is 0 is a typed error.
    @Test func compressedSmallGroupsWithFilteredHugeObjectsList() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("hugez.h5")
        let longName = String(repeating: "L", count: 70_000)
        try HDF5DamageSupport.writeFile(path, links: 21, name: { $0 == 20 ? longName : "link_\($0)" }, deflate: true)
        let entries = try HDF5File(opening: path).contents()
        #expect(entries.filter { $0.path.hasPrefix("/wide/") }.count == 21 && entries.contains { $0.path == "/wide/" + longName })
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let tree = try #require(HDF5DamageSupport.offsets(of: "BTHD", in: original).first { original[$0 + 5] == 2 }, "a filtered huge-object index")
        #expect(HDF5DamageSupport.integer(original, at: tree + 10, width: 2) == 36)
        let leaf = HDF5DamageSupport.integer(original, at: tree + 16, width: 8)
        var empty = original
        HDF5DamageSupport.put(0, into: &empty, at: leaf + 6 + 8)
        HDF5DamageSupport.resum(&empty, from: leaf, to: leaf + 6 + 36)
        try HDF5DamageSupport.expectTypedErrors([("empty", empty, "has 0 bytes at address")], in: directory) { _ = try HDF5File(opening: $0).contents() }
    }
}
