/// Version-2 B-trees (the name and creation-order indexes of dense links and attributes, a fractal
/// heap's huge-object index) walked node by node before libhdf5 follows them.
///
/// HDF5 File Format Specification 1.10, §III.A.2:
/// ```
/// "BTHD" version=0 type (1) node size (4) record size (2) depth (2) split % (1) merge % (1)
///        root node address (O) records in the root (2) total records (L) checksum (4)
/// "BTLF" version=0 type (1) records (record size each) checksum (4)
/// "BTIN" version=0 type (1) records, then one child pointer per record + 1:
///        address (O) records in the child (c bytes) [records in the child's subtree (t_{d−1} bytes) if d > 1]
///        checksum (4)
/// ```
/// Node capacities per depth, as libhdf5 derives them from the node and record sizes
/// (`H5B2__hdr_init`): a leaf holds m₀ = ⌊(node size − 10) / record size⌋ records, c is the bytes of
/// m₀ (⌊log₂ m₀⌋/8 + 1); an internal node at depth d with pointers of p_d = O + c + t_{d−1} bytes holds
/// m_d = ⌊(node size − 10 − p_d) / (record size + p_d)⌋ records, and a subtree under it at most
/// M_d = (m_d + 1)·M_{d−1} + m_d (M₀ = m₀, t_d the bytes of M_d, t₀ = 0).
///
/// libhdf5 1.10 trusts the header's sizes and the counts in the pointers once the checksums pass: a
/// record count larger than a node holds makes it decode past the node's buffer, a record size that
/// leaves room for no record divides by zero (SIGFPE), a child address at another structure dereferences
/// garbage (SIGSEGV). So every node is read here (at most depth 63, each address inside the file, each
/// node visited once, no more nodes than the file has room for): its signature, version and type; its
/// record count at most m_d; its checksum; each child's record count at most m_{d−1} and its subtree count
/// equal to what the subtree holds; the records of the whole tree equal to the header's total. With a
/// heap, the heap IDs of all records (and the objects they name) are checked too
/// (``HDF5StructureCheck/checkHeapIDs(in:records:recordSize:heapIDs:what:objects:)``); with a record check
/// (a dataset's chunk index: each chunk inside the file), every record goes through it.
struct Version2BTreeLayout {
    /// Records a node at depth d holds at most (index d; 0: leaves).
    let maximumRecords: [Int]
    /// Records a subtree rooted at depth d holds at most.
    let maximumSubtreeRecords: [UInt64]
    /// Bytes of a child's record count in an internal node's pointer.
    let childCountSize: Int
    /// Bytes of a subtree's record count in the pointers of a node at depth d + 1 (index d; 0 for leaves).
    let subtreeCountSize: [Int]
    let sizeOfAddress: Int

    /// Bytes that encode `value` (libhdf5's `H5VM_limit_enc_size`: ⌊log₂ value⌋/8 + 1).
    static func encodedSize(_ value: UInt64) -> Int { (63 - max(value, 1).leadingZeroBitCount) / 8 + 1 }

    /// The layout of a tree of `depth` with these sizes, or nil when a depth has room for no record or the
    /// subtree counts overflow.
    init?(nodeSize: Int, recordSize: Int, depth: Int, sizeOfAddress: Int) {
        let overhead = 10   // signature, version, type, checksum
        guard recordSize > 0, nodeSize > overhead, depth >= 0 else { return nil }
        let leaf = (nodeSize - overhead) / recordSize
        guard leaf > 0 else { return nil }
        var maximumRecords = [leaf], subtree = [UInt64(leaf)], subtreeSizes = [0]
        let childCountSize = Self.encodedSize(UInt64(leaf))
        for d in stride(from: 1, through: depth, by: 1) {
            let pointer = sizeOfAddress + childCountSize + (d > 1 ? subtreeSizes[d - 1] : 0)
            let records = (nodeSize - overhead - pointer) / (recordSize + pointer)
            guard nodeSize > overhead + pointer, records > 0 else { return nil }
            let (children, overflow1) = UInt64(records + 1).multipliedReportingOverflow(by: subtree[d - 1])
            let (total, overflow2) = children.addingReportingOverflow(UInt64(records))
            guard !overflow1, !overflow2 else { return nil }
            maximumRecords.append(records)
            subtree.append(total)
            subtreeSizes.append(Self.encodedSize(total))
        }
        self.maximumRecords = maximumRecords
        self.maximumSubtreeRecords = subtree
        self.childCountSize = childCountSize
        self.subtreeCountSize = subtreeSizes
        self.sizeOfAddress = sizeOfAddress
    }

    /// Bytes of one child pointer in an internal node at `depth` (≥ 1).
    func pointerSize(depth: Int) -> Int { sizeOfAddress + childCountSize + (depth > 1 ? subtreeCountSize[depth - 1] : 0) }
}

extension HDF5StructureCheck {
    /// Checks the version-2 B-tree header at `address` (of `type`, with records of `recordSize` bytes when
    /// known) and walks its nodes; with `heapIDs`, the fractal heap ID at `offset` in every record.
    @discardableResult
    func validateVersion2BTree(at address: UInt64, type: UInt8, recordSize: Int?, what: String,
                               heapIDs: (offset: Int, heap: FractalHeapShape)? = nil, objects: HeapObjectKind = .link,
                               recordCheck: ((ArraySlice<UInt8>) throws -> Void)? = nil) throws -> UInt64 {
        let size = 16 + sizeOfAddress + 2 + sizeOfLength
        let headerBytes = try file.read(at: base, address, count: size + 4, what: what)
        var header = ByteReader(headerBytes, path: path)
        guard Array(try header.readBytes(4)) == Array("BTHD".utf8), try header.readUInt8() == 0, try header.readUInt8() == type else {
            throw malformed("no \(what) (v2 B-tree of type \(type)) at address \(address)")
        }
        guard HDF5Checksum.matches(headerBytes, at: size) else { throw malformed("the \(what) at address \(address) has a wrong checksum") }
        let nodeSize = UInt64(try header.readUInt32()), declaredRecordSize = Int(try header.readUInt16())
        let depth = Int(try header.readUInt16())
        let split = try header.readUInt8(), merge = try header.readUInt8()
        let root = try header.readUInt(sizeOfAddress)
        let rootRecords = Int(try header.readUInt16()), totalRecords = try header.readUInt(sizeOfLength)
        // A node: signature, version, type, records, (children), checksum: room for two records at least.
        let layout = nodeSize <= file.size && nodeSize >= 10 + 2 * UInt64(declaredRecordSize) && depth < 64
            ? Version2BTreeLayout(nodeSize: Int(nodeSize), recordSize: declaredRecordSize, depth: depth, sizeOfAddress: sizeOfAddress) : nil
        guard recordSize.map({ $0 == declaredRecordSize }) ?? (declaredRecordSize > 0), let layout,
              (1...100).contains(split), (1...100).contains(merge), merge < split,
              UInt64(rootRecords) <= totalRecords, totalRecords <= file.size / UInt64(declaredRecordSize) else {
            throw malformed("the \(what) at address \(address) has an impossible layout (node size \(nodeSize), record size \(declaredRecordSize), depth \(depth), \(totalRecords) records)")
        }
        guard totalRecords > 0 else { return 0 }
        var walk = TreeWalk(tree: address, what: what, type: type, nodeSize: Int(nodeSize), recordSize: declaredRecordSize, layout: layout,
                            totalRecords: totalRecords, nodeBudget: max(1, Int(file.size / nodeSize)), heapIDs: heapIDs, objects: objects,
                            recordCheck: recordCheck)
        let found = try walkNode(at: root, depth: depth, records: rootRecords, name: "the \(what)'s root", child: "the \(what)", walk: &walk)
        guard found == totalRecords else {
            throw malformed("the \(what) at address \(address) holds \(found) records, not its total \(totalRecords)")
        }
        return totalRecords
    }

    /// What a walk of one tree knows and has seen.
    struct TreeWalk {
        let tree: UInt64
        let what: String
        let type: UInt8
        let nodeSize: Int
        let recordSize: Int
        let layout: Version2BTreeLayout
        let totalRecords: UInt64
        /// Nodes the file has room for: a walk that visits more is refused.
        let nodeBudget: Int
        let heapIDs: (offset: Int, heap: FractalHeapShape)?
        let objects: HeapObjectKind
        let recordCheck: ((ArraySlice<UInt8>) throws -> Void)?
        var visited: Set<UInt64> = []
        var recordsSeen: UInt64 = 0
    }

    /// Checks the node at `address` (at `depth`, holding `records` records, called `name` in errors; its
    /// children are named "leaf k of `child`" or "node k of `child`") and everything below it; returns the
    /// records of its subtree.
    func walkNode(at address: UInt64, depth: Int, records: Int, name: String, child: String, walk: inout TreeWalk) throws -> UInt64 {
        guard records <= walk.layout.maximumRecords[depth] else {
            throw malformed("\(name) (tree at \(walk.tree)) declares \(records) records, more than a node holds (\(walk.layout.maximumRecords[depth]))")
        }
        guard walk.visited.insert(address).inserted, walk.visited.count <= walk.nodeBudget else {
            throw malformed("the \(walk.what) at address \(walk.tree) reaches the node at \(address) twice, or more nodes than the file holds")
        }
        walk.recordsSeen += UInt64(records)
        guard walk.recordsSeen <= walk.totalRecords else {
            throw malformed("the \(walk.what) at address \(walk.tree) holds more records than its total \(walk.totalRecords)")
        }
        let node = try file.read(at: base, address, count: walk.nodeSize, what: "\(walk.what) node")
        let signature = depth == 0 ? "BTLF" : "BTIN"
        let pointers = depth == 0 ? 0 : (records + 1) * walk.layout.pointerSize(depth: depth)
        let used = 6 + records * walk.recordSize + pointers
        guard Array(node.prefix(4)) == Array(signature.utf8), node[4] == 0, node[5] == walk.type else {
            throw malformed("\(name) (tree at \(walk.tree)) is no \(signature) node at \(address)")
        }
        guard used + 4 <= walk.nodeSize, HDF5Checksum.matches(node, at: used) else {
            throw malformed("\(name) (tree at \(walk.tree), node at \(address)) has a wrong checksum")
        }
        if let heapIDs = walk.heapIDs {
            try checkHeapIDs(in: node, records: records, recordSize: walk.recordSize, heapIDs: heapIDs, what: name, objects: walk.objects)
        }
        if let recordCheck = walk.recordCheck {
            for record in 0..<records { try recordCheck(node[(6 + record * walk.recordSize)..<(6 + (record + 1) * walk.recordSize)]) }
        }
        guard depth > 0 else { return UInt64(records) }
        var reader = ByteReader(Array(node[(6 + records * walk.recordSize)..<used]), path: path)
        var total = UInt64(records)
        for index in 0...records {
            let childAddress = try reader.readUInt(sizeOfAddress, "\(walk.what) child pointer")
            let childRecords = try reader.readUInt(walk.layout.childCountSize, "\(walk.what) child record count")
            let declaredSubtree = depth > 1 ? try reader.readUInt(walk.layout.subtreeCountSize[depth - 1], "\(walk.what) subtree record count") : childRecords
            guard childRecords <= UInt64(walk.layout.maximumRecords[depth - 1]), declaredSubtree <= walk.layout.maximumSubtreeRecords[depth - 1] else {
                throw malformed("child \(index) of \(name) (tree at \(walk.tree)) declares \(childRecords) records (\(declaredSubtree) below it), more than a node holds")
            }
            let childName = (depth == 1 ? "leaf " : "node ") + "\(index) of \(child)"
            let found = try walkNode(at: childAddress, depth: depth - 1, records: Int(childRecords), name: childName, child: childName, walk: &walk)
            guard found == declaredSubtree else {
                throw malformed("\(childName) (tree at \(walk.tree)) holds \(found) records, its parent says \(declaredSubtree)")
            }
            total += found
        }
        return total
    }
}
