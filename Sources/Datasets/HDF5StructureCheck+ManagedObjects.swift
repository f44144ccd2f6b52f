/// The link messages of a dense group, found through the heap IDs of its name index before libhdf5
/// decodes them.
///
/// libhdf5 1.10 lists a dense group by building a table of all its links and frees every entry of the
/// table when one fails to decode, including the entries not yet filled: one damaged link message
/// (a byte of a name set to 0, a flag changed) in a heap direct block, which carries no checksum by
/// default, crashed `inspect` in `free` (SIGSEGV; checksum-correct fuzzing of a group of 200 links,
/// session 11: 126 of 500 mutants). So each managed object a name-index record names is located and its
/// link message parsed (``HDF5StructureCheck/validateLinkMessage(_:)``) first. HDF5 File Format
/// Specification 1.10, §III.G:
/// ```
/// managed heap ID: version/type (1) offset (⌈max heap size bits / 8⌉) length (min of the bytes of the
///                  largest direct block offset and of the maximum managed object size)
/// doubling table:  width W, starting block size S; rows 0 and 1 hold W blocks of S bytes, row r ≥ 2 W
///                  blocks of S·2^(r−1); row r starts at heap offset W·S·2^(r−1) (0 for row 0)
/// "FHDB" version=0 heap header address (O) block offset (heap offset size) [checksum (4)] objects…
/// "FHIB" version=0 heap header address (O) block offset (heap offset size) child addresses (O) per
///        row and column (direct rows first: blocks no larger than the maximum direct block size)
/// ```
/// An object's bytes start at its block's address plus (object offset − block offset): the block's
/// header is part of its heap space. Checked: the offset in the heap, the block present and of its
/// signature, the object inside its block. Heaps with I/O filters (compressed blocks) and indirect
/// blocks below the root are left to libhdf5.
struct ManagedBlockTable {
    let width: Int
    let startingBlockSize: UInt64
    let maximumDirectBlockSize: UInt64
    let maximumHeapSizeBits: Int
    let maximumManagedSize: UInt64
    let rootBlock: UInt64
    let currentRows: Int
    let filtered: Bool
    let checksummedDirectBlocks: Bool

    /// Bytes of a heap offset (in heap IDs and block headers).
    var offsetSize: Int { (maximumHeapSizeBits + 7) / 8 }
    /// Bytes of a managed object's length in its heap ID.
    var lengthSize: Int {
        func bytesOfOffsets(_ size: UInt64) -> Int { (63 - size.leadingZeroBitCount + 7) / 8 }   // offsets below `size`
        func bytesToEncode(_ value: UInt64) -> Int { (63 - max(value, 1).leadingZeroBitCount) / 8 + 1 }
        return min(bytesOfOffsets(maximumDirectBlockSize), bytesToEncode(maximumManagedSize))
    }
    /// Rows whose blocks are direct (no larger than the maximum direct block size).
    var directRows: Int {
        (63 - maximumDirectBlockSize.leadingZeroBitCount) - (63 - startingBlockSize.leadingZeroBitCount) + 2
    }

    func blockSize(row: Int) -> UInt64 { row < 2 ? startingBlockSize : startingBlockSize << UInt64(row - 1) }
    func rowOffset(row: Int) -> UInt64 { row == 0 ? 0 : UInt64(width) * startingBlockSize << UInt64(row - 1) }
}

extension HDF5StructureCheck {
    /// The bytes of the managed object `heapID` names in `heap`, or nil where this check does not follow
    /// the heap (I/O filters, indirect blocks below the root).
    func managedObject(_ heapID: [UInt8], in heap: FractalHeapShape) throws -> [UInt8]? {
        let table = heap.table
        guard !table.filtered, table.rootBlock != undefinedAddress else { return nil }
        var id = ByteReader(heapID, path: path)
        _ = try id.readUInt8("heap ID")
        let offset = try id.readUInt(table.offsetSize, "heap ID offset"), length = try id.readUInt(table.lengthSize, "heap ID length")
        // The direct block holding `offset`: the root itself, or a child of the root indirect block.
        let blockAddress: UInt64, blockOffset: UInt64, blockSize: UInt64
        if table.currentRows == 0 {
            (blockAddress, blockOffset, blockSize) = (table.rootBlock, 0, table.startingBlockSize)
        } else {
            guard let row = (0..<table.currentRows).last(where: { table.rowOffset(row: $0) <= offset }) else {
                throw malformed("a heap ID names offset \(offset), outside the \(table.currentRows) rows of the fractal heap at \(heap.address)")
            }
            guard row < table.directRows else { return nil }
            let column = Int((offset - table.rowOffset(row: row)) / table.blockSize(row: row))
            guard column < table.width else {
                throw malformed("a heap ID names offset \(offset), outside the \(table.currentRows) rows of the fractal heap at \(heap.address)")
            }
            let entry = 5 + sizeOfAddress + table.offsetSize + (row * table.width + column) * sizeOfAddress
            var child = ByteReader(try file.read(at: base, table.rootBlock + UInt64(entry), count: sizeOfAddress, what: "fractal heap indirect block entry"), path: path)
            blockAddress = try child.readUInt(sizeOfAddress)
            blockSize = table.blockSize(row: row)
            blockOffset = table.rowOffset(row: row) + UInt64(column) * blockSize
            guard blockAddress != undefinedAddress else {
                throw malformed("a heap ID names offset \(offset) in a block the fractal heap at \(heap.address) does not have")
            }
        }
        let header = 5 + sizeOfAddress + table.offsetSize + (table.checksummedDirectBlocks ? 4 : 0)
        let start = offset - blockOffset
        guard start >= UInt64(header), length > 0, length <= blockSize - start else {
            throw malformed("a heap ID names \(length) bytes at offset \(offset), outside the objects of its \(blockSize)-byte block")
        }
        let block = try file.read(at: base, blockAddress, count: 5, what: "fractal heap direct block")
        guard Array(block.prefix(4)) == Array("FHDB".utf8), block[4] == 0 else {
            throw malformed("no fractal heap direct block at \(blockAddress) for heap offset \(offset)")
        }
        return try file.read(at: base, blockAddress + start, count: Int(length), what: "fractal heap object")
    }
}
