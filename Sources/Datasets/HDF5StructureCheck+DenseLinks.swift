/// Dense link storage checked before libhdf5 follows it.
///
/// A new-style group (libver ≥ 1.8 with more links than fit in its object header) keeps its links in
/// a fractal heap, indexed by name (and optionally by creation order) in version-2 B-trees, found
/// through the group's link info message (type 0x0002; HDF5 File Format Specification 1.10, §IV.A.2.c):
/// ```
/// version=0 flags [maximum creation index (8) if flags & 1] fractal heap address (O)
///           name index v2 B-tree address (O) [creation order index v2 B-tree address (O) if flags & 2]
/// ```
/// Unlike the local heap of an old-style group these structures carry checksums, so random damage is
/// refused by libhdf5 itself. But a file whose checksums were recomputed after a field was changed
/// passes them, and libhdf5 1.10 then trusts the fields (checksum-correct file fuzzing, session 10):
/// a B-tree node size or record size that leaves room for no record divides by zero (SIGFPE), and a
/// B-tree root address, a record count or the fractal heap's huge-object B-tree address that points
/// elsewhere makes it dereference garbage (SIGSEGV), both inside `H5Literate` and `H5Oopen`. So the
/// headers are checked here, before a group is listed or a path is looked up through it:
/// ```
/// "FRHP" version=0 heap ID length (2) I/O filters' length (2) flags (1) maximum managed object size (4)
///        next huge ID (L) huge-object v2 B-tree address (O) free space (L) free-space manager address (O)
///        managed space (L) allocated managed space (L) iterator offset (L) managed objects (L)
///        huge size (L) huge objects (L) tiny size (L) tiny objects (L) table width (2)
///        starting block size (L) maximum direct block size (L) maximum heap size (2)
///        starting rows (2) root block address (O) current rows (2) …
/// ```
/// Checked: signatures, versions and B-tree types; record sizes equal to what the type stores (a name
/// index record is the 4-byte name hash plus a heap ID; a creation-order record 8 bytes plus a heap
/// ID); every node of the indexes, at any depth, with its checksum and record counts
/// (`HDF5StructureCheck+Version2BTree.swift`); addresses inside the file (or undefined where the structure
/// may be absent); the table's sizes powers of two, its first row's span and the root's rows within the
/// maximum heap size; I/O filters deflate alone (its compressed blocks are inflated and checked; other filters
/// are refused); the
/// heap's root block a direct block ("FHDB") when its current rows are 0, else an indirect one ("FHIB"),
/// and present when the heap counts managed objects; the heap IDs of all the records (first
/// byte: version in bits 6–7, 0; type in bits 4–5: managed 0 only when the heap has a root block, huge 1
/// only when it has a huge-object index, tiny 2, never the reserved 3 — libhdf5 1.10 dereferences a null
/// block or index for a managed or huge ID without one (SIGSEGV in `H5HF_op`, checksum-correct fuzzing,
/// session 11) and prints "Heap ID type not supported yet!" for type 3).
///
/// A compact new-style group keeps its links as link messages (type 0x0006, §IV.A.2.g) in its object
/// header; libhdf5 1.10 frees an uninitialized name pointer when one has an unknown version (a
/// SIGSEGV in `free` under `H5Literate`), so those are parsed here first:
/// ```
/// version=1 flags [link type (1) if flags & 8] [creation order (8) if flags & 4] [charset (1) if flags & 16]
///           name length (1 << (flags & 3) bytes) name  hard: address (O) | soft, external: length (2) value
/// ```
/// The link messages a dense group's records name are parsed in its heap blocks, through indirect blocks
/// at any depth (`HDF5StructureCheck+ManagedObjects.swift`).
extension HDF5StructureCheck {
    var undefinedAddress: UInt64 { UInt64.max >> (64 - 8 * sizeOfAddress) }

    /// Throws unless a link message's fields (`body`) are ones libhdf5 decodes safely.
    func validateLinkMessage(_ body: [UInt8]) throws {
        var reader = ByteReader(body, path: path)
        let version = try reader.readUInt8("link message"), flags = try reader.readUInt8("link message")
        guard version == 1, flags & 0xE0 == 0 else { throw malformed("a link message has version \(version), flags \(flags)") }
        let type = flags & 0x08 != 0 ? try reader.readUInt8("link message") : 0
        if flags & 0x04 != 0 { try reader.skip(8, "link message") }
        let charset = flags & 0x10 != 0 ? try reader.readUInt8("link message") : 0
        let nameLength = try reader.readUInt(1 << Int(flags & 0x03), "link message")
        guard type == 0 || type == 1 || type >= 64, charset <= 1, nameLength > 0, nameLength <= UInt64(reader.remaining) else {
            throw malformed("a link message has type \(type), character set \(charset) and a name of \(nameLength) bytes in \(body.count)")
        }
        // libhdf5 1.10 frees entries of a half-built link table when a name holds a NUL (SIGSEGV in free).
        guard !(try reader.readBytes(Int(nameLength))).contains(0) else { throw malformed("a link name holds a NUL byte") }
        if type == 0 {
            _ = try reader.readUInt(sizeOfAddress, "hard link address")
        } else {
            let length = Int(try reader.readUInt16("link value length"))
            guard length <= reader.remaining else { throw malformed("a link message's value of \(length) bytes runs past its end") }
        }
    }

    /// Throws unless the dense link storage named by a link info message (`body`) can be followed by
    /// libhdf5 (compact storage, an undefined heap address, has nothing to check).
    func validateDenseLinks(linkInfo body: [UInt8]) throws {
        let (heapAddress, nameIndex, creationOrderIndex) = try denseStorageAddresses(body, what: "link info", maximumCreationIndexBytes: 8)
        guard heapAddress != undefinedAddress else { return }
        let heap = try validateFractalHeap(at: heapAddress)
        try validateVersion2BTree(at: nameIndex, type: 5, recordSize: 4 + heap.heapIDLength, what: "link name index",
                                  heapIDs: (offset: 4, heap: heap))
        if creationOrderIndex != undefinedAddress {
            try validateVersion2BTree(at: creationOrderIndex, type: 6, recordSize: 8 + heap.heapIDLength, what: "link creation-order index",
                                      heapIDs: (offset: 8, heap: heap))
        }
    }

    /// The addresses in a link info or attribute info message (`body`): version 0, flags (bit 0: a
    /// maximum creation index of `maximumCreationIndexBytes` follows; bit 1: a creation-order index),
    /// the fractal heap, the name index and the creation-order index (undefined when absent).
    func denseStorageAddresses(_ body: [UInt8], what: String, maximumCreationIndexBytes: Int) throws
        -> (heap: UInt64, nameIndex: UInt64, creationOrderIndex: UInt64) {
        var reader = ByteReader(body, path: path)
        guard try reader.readUInt8(what) == 0 else { throw malformed("\(what) message has an unknown version") }
        let flags = try reader.readUInt8(what)
        guard flags & 0xFC == 0 else { throw malformed("\(what) message has flags \(flags)") }
        if flags & 0x01 != 0 { try reader.skip(maximumCreationIndexBytes, what) }
        let heap = try reader.readUInt(sizeOfAddress, what), nameIndex = try reader.readUInt(sizeOfAddress, what)
        let creationOrderIndex = flags & 0x02 != 0 ? try reader.readUInt(sizeOfAddress, what) : undefinedAddress
        return (heap, nameIndex, creationOrderIndex)
    }

    /// What the managed objects of a heap are: link messages (a dense group) or attribute messages
    /// (dense attribute storage).
    enum HeapObjectKind: String { case link, attribute }

    /// What the records of a heap's indexes may refer to.
    struct FractalHeapShape {
        let address: UInt64
        let heapIDLength: Int
        /// Managed objects (heap ID type 0) live in blocks under a root block.
        let hasRootBlock: Bool
        /// Huge objects (type 1) are found through a huge-object index.
        let hasHugeObjectIndex: Bool
        /// Huge objects' heap IDs hold their address and length (index types 3, 4) rather than an ID.
        let directHugeObjects: Bool
        /// The doubling table of the managed blocks (``HDF5StructureCheck/managedObject(_:in:)``).
        let table: ManagedBlockTable
        /// The indirect blocks already checked (each is read and checksummed once).
        let checkedIndirectBlocks = CheckedBlocks()
    }

    /// Addresses of blocks checked so far, and their bytes (bounded by the file's size); the inflated
    /// direct blocks of a filtered heap (bounded by the memory budget).
    final class CheckedBlocks {
        var addresses: Set<UInt64> = []
        var bytes: UInt64 = 0
        var inflated: [UInt64: [UInt8]] = [:]
        var inflatedBytes = 0
    }

    /// The filter identifiers of a filter pipeline message (type 0x000B, §IV.A.2.l): version 1 (names
    /// padded to 8 bytes, client data padded to an even count) or 2 (names only for identifiers ≥ 256).
    func filterIdentifiers(_ body: [UInt8]) throws -> [Int] {
        var reader = ByteReader(body, path: path)
        let version = try reader.readUInt8("filter pipeline"), count = Int(try reader.readUInt8("filter pipeline"))
        guard version == 1 || version == 2, (1...32).contains(count) else {
            throw malformed("a fractal heap's filter pipeline has version \(version) and \(count) filters")
        }
        if version == 1 { try reader.skip(6, "filter pipeline") }
        var identifiers = [Int]()
        for _ in 0..<count {
            let identifier = Int(try reader.readUInt16("filter identifier"))
            let nameLength = version == 1 || identifier >= 256 ? Int(try reader.readUInt16("filter name length")) : 0
            try reader.skip(2, "filter flags")
            let values = Int(try reader.readUInt16("filter client data count"))
            try reader.skip(nameLength, "filter name")
            try reader.skip(4 * values + (version == 1 && values % 2 == 1 ? 4 : 0), "filter client data")
            identifiers.append(identifier)
        }
        return identifiers
    }

    /// Checks the fractal heap header at `address`.
    func validateFractalHeap(at address: UInt64) throws -> FractalHeapShape {
        let fixedSize = 14 + 12 * sizeOfLength + 3 * sizeOfAddress + 8   // through the current rows
        var heap = ByteReader(try file.read(at: base, address, count: fixedSize, what: "fractal heap header"), path: path)
        guard Array(try heap.readBytes(4)) == Array("FRHP".utf8), try heap.readUInt8() == 0 else {
            throw malformed("no fractal heap of links at address \(address)")
        }
        let heapIDLength = Int(try heap.readUInt16())
        let filtersLength = try heap.readUInt16(), flags = try heap.readUInt8(), maximumManagedSize = try heap.readUInt32()
        try heap.skip(sizeOfLength)   // next huge ID
        let hugeIndex = try heap.readUInt(sizeOfAddress)
        try heap.skip(sizeOfLength)
        let freeSpaceManager = try heap.readUInt(sizeOfAddress)
        try heap.skip(3 * sizeOfLength)   // managed space, allocated managed space, iterator offset
        let managedObjects = try heap.readUInt(sizeOfLength)
        let hugeSize = try heap.readUInt(sizeOfLength), hugeObjects = try heap.readUInt(sizeOfLength)
        try heap.skip(2 * sizeOfLength)   // tiny size, tiny objects
        let tableWidth = try heap.readUInt16()
        let startingBlockSize = try heap.readUInt(sizeOfLength), maximumDirectBlockSize = try heap.readUInt(sizeOfLength)
        let maximumHeapSize = try heap.readUInt16()
        _ = try heap.readUInt16()
        let rootBlock = try heap.readUInt(sizeOfAddress)
        let currentRows = try heap.readUInt16()
        func isPowerOfTwo(_ value: UInt64) -> Bool { value > 0 && value & (value - 1) == 0 }
        func bits(_ value: UInt64) -> Int { 63 - value.leadingZeroBitCount }   // log₂ of a power of two
        // Row 0 spans width × starting size = 2^(first row bits) bytes; the root holds at most
        // (maximum heap size bits − first row bits + 1) rows (libhdf5's H5HF__dtable_init).
        let firstRowBits = isPowerOfTwo(UInt64(tableWidth)) && isPowerOfTwo(startingBlockSize) ? bits(UInt64(tableWidth)) + bits(startingBlockSize) : 64
        guard (1...64).contains(heapIDLength), isPowerOfTwo(UInt64(tableWidth)), isPowerOfTwo(startingBlockSize),
              isPowerOfTwo(maximumDirectBlockSize), maximumDirectBlockSize >= startingBlockSize,
              (1...64).contains(maximumHeapSize), firstRowBits <= min(Int(maximumHeapSize), 63),
              bits(maximumDirectBlockSize) <= Int(maximumHeapSize), Int(currentRows) <= Int(maximumHeapSize) - firstRowBits + 1 else {
            throw malformed("the fractal heap of links at address \(address) has an impossible layout")
        }
        // I/O filters (a group's link storage compressed): the root direct block's stored size and filter
        // mask, then a filter pipeline message; only deflate is decompressed here, so only it is accepted.
        var rootFilteredSize: UInt64 = 0, rootFilterMask: UInt32 = 0
        if filtersLength > 0 {
            var filters = ByteReader(try file.read(at: base, address + UInt64(fixedSize), count: sizeOfLength + 4 + Int(filtersLength),
                                                   what: "fractal heap I/O filter information"), path: path)
            rootFilteredSize = try filters.readUInt(sizeOfLength)
            rootFilterMask = try filters.readUInt32()
            let identifiers = try filterIdentifiers(Array(try filters.readBytes(Int(filtersLength))))
            guard identifiers == [1] else {
                throw DatasetError.unsupported(path: path, detail: "the fractal heap at address \(address) stores its blocks through I/O filters \(identifiers); only deflate (1) alone is checked before libhdf5 reads it")
            }
        }
        if freeSpaceManager != undefinedAddress { _ = try file.read(at: base, freeSpaceManager, count: 4, what: "fractal heap free-space manager") }
        if rootBlock != undefinedAddress, filtersLength > 0, currentRows == 0 {
            // A filtered heap's root direct block is stored compressed: only its stored bytes are checked here; its
            // signature once inflated (``managedObject(_:in:)``). (Its raw signature was required before, which
            // refused every intact deflate-compressed group small enough for one direct block.)
            guard rootFilteredSize > 0 else { throw malformed("the fractal heap at address \(address) stores its root block in 0 bytes") }
            try checkInsideFile(at: rootBlock, storedSize: rootFilteredSize, what: "the compressed root block of the fractal heap at \(address)")
        } else if rootBlock != undefinedAddress {
            let signature = currentRows == 0 ? "FHDB" : "FHIB"
            guard try file.read(at: base, rootBlock, count: 4, what: "fractal heap root block") == Array(signature.utf8) else {
                throw malformed("the fractal heap at address \(address) has no \(signature) root block (\(currentRows) rows) at \(rootBlock)")
            }
        } else if managedObjects > 0 {
            throw malformed("the fractal heap at address \(address) counts \(managedObjects) objects but has no root block")
        }
        // Huge objects (messages larger than the heap's blocks) are indexed by a v2 B-tree of type 1–4, and
        // the header counts them: libhdf5 1.10 dereferences a null index when the count says 0 while an
        // index holds records (SIGSEGV, checksum-correct mutants of a seed with a 70 000-byte link name).
        // (A filtered heap counts its huge objects' sizes before compression: only an unfiltered one's fit in the file.)
        guard hugeSize <= file.size || filtersLength > 0, (hugeObjects == 0) == (hugeSize == 0), hugeIndex != undefinedAddress || hugeObjects == 0 else {
            throw malformed("the fractal heap at address \(address) counts \(hugeObjects) huge objects of \(hugeSize) bytes"
                            + (hugeIndex == undefinedAddress ? " but has no huge-object index" : ""))
        }
        var hugeIndexType: UInt8?
        if hugeIndex != undefinedAddress {
            let type = try file.read(at: base, hugeIndex, count: 6, what: "fractal heap huge-object index")[5]
            hugeIndexType = type
            guard (1...4).contains(type) else { throw malformed("the fractal heap at address \(address) names no huge-object index at \(hugeIndex)") }
            let indexed = try validateVersion2BTree(at: hugeIndex, type: type, recordSize: hugeRecordSize(type: type), what: "huge-object index") {
                try checkHugeObject(0, in: Array($0), type: type, heap: address)
            }
            guard indexed == hugeObjects else {
                throw malformed("the fractal heap at address \(address) counts \(hugeObjects) huge objects but its index holds \(indexed)")
            }
        }
        let table = ManagedBlockTable(width: Int(tableWidth), startingBlockSize: startingBlockSize, maximumDirectBlockSize: maximumDirectBlockSize,
                                      maximumHeapSizeBits: Int(maximumHeapSize), maximumManagedSize: UInt64(maximumManagedSize),
                                      rootBlock: rootBlock, currentRows: Int(currentRows), checksummedDirectBlocks: flags & 0x02 != 0,
                                      filtered: filtersLength > 0, rootFilteredSize: rootFilteredSize, rootFilterMask: rootFilterMask,
                                      sizeOfAddress: sizeOfAddress, sizeOfLength: sizeOfLength)
        return FractalHeapShape(address: address, heapIDLength: heapIDLength, hasRootBlock: rootBlock != undefinedAddress,
                                hasHugeObjectIndex: hugeIndex != undefinedAddress, directHugeObjects: hugeIndexType.map { $0 >= 3 } ?? false, table: table)
    }

    /// Bytes of a huge-object index record (§III.A.2, types 1–4): address (O) and length (L); filtered (2, 4):
    /// filter mask (4) and size after the filters (L); indirectly accessed (1, 2): the object's ID (L).
    func hugeRecordSize(type: UInt8) -> Int {
        sizeOfAddress + sizeOfLength + (type % 2 == 0 ? 4 + sizeOfLength : 0) + (type <= 2 ? sizeOfLength : 0)
    }

    /// Checks the huge object whose address and length start the record (or directly accessed heap ID) `bytes`
    /// (from `start`): inside the file and not empty; a filtered one's size after its filters within the memory budget.
    func checkHugeObject(_ start: Int, in bytes: [UInt8], type: UInt8, heap: UInt64) throws {
        var reader = ByteReader(Array(bytes[start...]), path: path)
        let address = try reader.readUInt(sizeOfAddress, "huge object address"), length = try reader.readUInt(sizeOfLength, "huge object length")
        guard length > 0, address != undefinedAddress else {
            throw malformed("a huge object of the fractal heap at \(heap) has \(length) bytes at address \(address)")
        }
        try checkInsideFile(at: address, storedSize: length, what: "a huge object of the fractal heap at \(heap)")
        if type % 2 == 0 {
            _ = try reader.readUInt32("huge object filter mask")
            let size = try reader.readUInt(sizeOfLength, "huge object size")
            guard size > 0, size <= UInt64(Int.max) else { throw malformed("a filtered huge object of the fractal heap at \(heap) has size \(size)") }
            _ = try DatasetError.checkedArray(shape: [Int(size)], bytesPerElement: 1, what: "a huge object of the fractal heap at \(heap)", path: path)
        }
    }

    /// The first byte of the heap ID at `heapIDs.offset` in each of a node's `records` records (after the
    /// signature, version and type: 6 bytes, in leaf and internal nodes alike).
    func checkHeapIDs(in node: [UInt8], records: Int, recordSize: Int, heapIDs: (offset: Int, heap: FractalHeapShape), what: String,
                      objects: HeapObjectKind = .link) throws {
        for record in 0..<records {
            let start = 6 + record * recordSize + heapIDs.offset
            let id = node[start]
            let version = id >> 6, kind = (id >> 4) & 0x03
            let missing = kind == 0 && !heapIDs.heap.hasRootBlock ? " (managed, but the heap has no root block)"
                : kind == 1 && !heapIDs.heap.hasHugeObjectIndex ? " (huge, but the heap has no huge-object index)" : nil
            guard version == 0, kind != 3, missing == nil else {
                throw malformed("record \(record) of \(what) has a heap ID of version \(version), type \(kind)" + (missing ?? ""))
            }
            // An attribute index record's message flags follow its 8-byte heap ID; a shared message (flag 0x02)
            // would make libhdf5 read the heap object as a pointer into a shared-message table.
            if objects == .attribute, node[start + 8] & 0x02 != 0 {
                throw malformed("record \(record) of \(what) names a shared attribute message (flags \(node[start + 8])), which is not read")
            }
            if kind == 1, heapIDs.heap.directHugeObjects {
                try checkHugeObject(start + 1, in: Array(node[..<(start + heapIDs.heap.heapIDLength)]), type: 3, heap: heapIDs.heap.address)
            }
            if kind == 0, let message = try managedObject(Array(node[start..<(start + heapIDs.heap.heapIDLength)]), in: heapIDs.heap) {
                do {
                    switch objects {
                    case .link: try validateLinkMessage(message)
                    case .attribute: _ = try HDF5AttributeMessage(message, sizeOfAddress: sizeOfAddress, sizeOfLength: sizeOfLength, path: path)
                    }
                } catch let error as DatasetError {
                    let detail: String
                    switch error {
                    case .malformed(_, let text), .truncated(_, let text): detail = text
                    default: detail = "\(error)"
                    }
                    throw malformed("the \(objects.rawValue) of record \(record) of \(what) (heap \(heapIDs.heap.address)): \(detail)")
                }
            }
        }
    }
}
