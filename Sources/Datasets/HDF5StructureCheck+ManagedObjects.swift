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
/// header is part of its heap space. Rows at or beyond the first whose blocks exceed the maximum direct
/// block size hold indirect blocks, each a doubling table of its own over its span: a child indirect block
/// of B bytes has log₂ B − log₂(W·S) + 1 rows (`H5HF__dtable_size_to_rows`). Checked, from the root down
/// (at most 64 levels): the offset in the heap; every indirect block on the way — its signature, version,
/// heap address, block offset and checksum, inside the file (each read once; in all no more bytes than the
/// file has); the direct block present, of its signature, heap address and block offset; the object inside
/// it. A heap with the deflate filter (a group's compressed link storage) stores each direct block
/// compressed, its stored size and filter mask next to its address in the parent (entries of
/// O + L + 4 bytes in the direct rows; the root direct block's in the heap header): the block is inflated
/// (to exactly its size) and checked the same way; other filters are refused by
/// ``HDF5StructureCheck/validateFractalHeap(at:)``.
struct ManagedBlockTable {
    let width: Int
    let startingBlockSize: UInt64
    let maximumDirectBlockSize: UInt64
    let maximumHeapSizeBits: Int
    let maximumManagedSize: UInt64
    let rootBlock: UInt64
    let currentRows: Int
    let checksummedDirectBlocks: Bool
    /// Direct blocks go through the heap's filters (deflate): stored compressed, with their stored size
    /// and filter mask next to their address (the root direct block's in the heap header).
    let filtered: Bool
    let rootFilteredSize: UInt64
    let rootFilterMask: UInt32
    let sizeOfAddress: Int
    let sizeOfLength: Int

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

    /// log₂ of row 0's span, W·S (below 64: checked with the heap header).
    var firstRowBits: Int { (63 - UInt64(width).leadingZeroBitCount) + (63 - startingBlockSize.leadingZeroBitCount) }

    func blockSize(row: Int) -> UInt64 { row < 2 ? startingBlockSize : startingBlockSize << UInt64(row - 1) }
    func rowOffset(row: Int) -> UInt64 { row == 0 ? 0 : (UInt64(width) * startingBlockSize) << UInt64(row - 1) }
    /// Bytes of one entry of an indirect block in `row`: an address, and for a filtered heap's direct
    /// blocks also their stored size (L) and filter mask (4).
    func entrySize(row: Int) -> Int { sizeOfAddress + (filtered && row < directRows ? sizeOfLength + 4 : 0) }
    /// Where the entry (`row`, `column`) starts after an indirect block's prefix.
    func entryOffset(row: Int, column: Int) -> Int { (0..<row).reduce(0) { $0 + width * entrySize(row: $1) } + column * entrySize(row: row) }

    /// Rows of a child indirect block of `size` bytes.
    func rows(ofIndirectBlockOfSize size: UInt64) -> Int { (63 - size.leadingZeroBitCount) - firstRowBits + 1 }
}

extension HDF5StructureCheck {
    /// The bytes of the managed object `heapID` names in `heap` (nil when the heap has no managed blocks).
    func managedObject(_ heapID: [UInt8], in heap: FractalHeapShape) throws -> [UInt8]? {
        let table = heap.table
        guard table.rootBlock != undefinedAddress else { return nil }
        var id = ByteReader(heapID, path: path)
        _ = try id.readUInt8("heap ID")
        let offset = try id.readUInt(table.offsetSize, "heap ID offset"), length = try id.readUInt(table.lengthSize, "heap ID length")
        // Down from the root to the direct block holding `offset`: (address, heap offset, rows) of each
        // indirect block; a direct block has 0 rows.
        var (blockAddress, blockOffset, rows) = (table.rootBlock, UInt64(0), table.currentRows)
        var blockSize = table.startingBlockSize
        var (storedSize, filterMask) = (table.rootFilteredSize, table.rootFilterMask)
        var level = 0
        while rows > 0 {
            level += 1
            guard level <= 64 else { throw malformed("the fractal heap at \(heap.address) nests indirect blocks more than 64 deep") }
            try checkIndirectBlock(at: blockAddress, offset: blockOffset, rows: rows, heap: heap)
            let local = offset - blockOffset   // offset ≥ blockOffset: the block was chosen to span it
            guard let row = (0..<rows).last(where: { table.rowOffset(row: $0) <= local }),
                  case let column = Int((local - table.rowOffset(row: row)) / table.blockSize(row: row)), column < table.width else {
                throw malformed("a heap ID names offset \(offset), outside the \(rows) rows of the fractal heap block at \(blockAddress) (heap \(heap.address))")
            }
            let entry = 5 + sizeOfAddress + table.offsetSize + table.entryOffset(row: row, column: column)
            var child = ByteReader(try file.read(at: base, blockAddress + UInt64(entry), count: table.entrySize(row: row), what: "fractal heap indirect block entry"), path: path)
            let childAddress = try child.readUInt(sizeOfAddress)
            if table.filtered && row < table.directRows { (storedSize, filterMask) = (try child.readUInt(sizeOfLength), try child.readUInt32()) }
            guard childAddress != undefinedAddress else {
                throw malformed("a heap ID names offset \(offset) in a block the fractal heap at \(heap.address) does not have")
            }
            blockSize = table.blockSize(row: row)
            blockOffset += table.rowOffset(row: row) + UInt64(column) * blockSize
            blockAddress = childAddress
            rows = row < table.directRows ? 0 : table.rows(ofIndirectBlockOfSize: blockSize)
        }
        let header = 5 + sizeOfAddress + table.offsetSize + (table.checksummedDirectBlocks ? 4 : 0)
        let start = offset - blockOffset
        guard start >= UInt64(header), start < blockSize, length > 0, length <= blockSize - start else {
            throw malformed("a heap ID names \(length) bytes at offset \(offset), outside the objects of its \(blockSize)-byte block")
        }
        let inflated = table.filtered && filterMask & 1 == 0
            ? try inflatedBlock(at: blockAddress, storedSize: storedSize, size: blockSize, heap: heap) : nil
        let prefix = 5 + sizeOfAddress + table.offsetSize
        var block = ByteReader(try inflated.map { Array($0.prefix(prefix)) }
                               ?? file.read(at: base, blockAddress, count: prefix, what: "fractal heap direct block"), path: path)
        guard Array(try block.readBytes(4)) == Array("FHDB".utf8), try block.readUInt8() == 0,
              try block.readUInt(sizeOfAddress) == heap.address, try block.readUInt(table.offsetSize) == blockOffset else {
            throw malformed("no fractal heap direct block of heap \(heap.address) at \(blockAddress) for heap offset \(blockOffset)")
        }
        if let inflated { return Array(inflated[Int(start)..<Int(start + length)]) }
        return try file.read(at: base, blockAddress + start, count: Int(length), what: "fractal heap object")
    }

    /// The direct block at `address` of a deflate-filtered heap, inflated: `storedSize` bytes inside the
    /// file that inflate to exactly the block's `size` (checked against the memory budget; each block
    /// inflated once).
    func inflatedBlock(at address: UInt64, storedSize: UInt64, size: UInt64, heap: FractalHeapShape) throws -> [UInt8] {
        let cache = heap.checkedIndirectBlocks
        if let block = cache.inflated[address] { return block }
        guard storedSize > 0, storedSize <= file.size, size <= UInt64(Int.max / 2) else {
            throw malformed("the filtered direct block at \(address) of the fractal heap at \(heap.address) is stored in \(storedSize) bytes")
        }
        let total = try DatasetError.checkedArray(shape: [cache.inflatedBytes + Int(size)], bytesPerElement: 1,
                                                  what: "the inflated blocks of the fractal heap at \(heap.address)", path: path)
        let stored = try file.read(at: base, address, count: Int(storedSize), what: "filtered fractal heap direct block")
        let block = try Zlib.inflate(stored[...], framing: .zlib, expectedSize: Int(size), limit: Int(size), path: path)
        guard block.count == Int(size) else {
            throw malformed("the filtered direct block at \(address) of the fractal heap at \(heap.address) inflates to \(block.count) bytes, not \(size)")
        }
        cache.inflated[address] = block
        cache.inflatedBytes = total
        return block
    }

    /// Checks (once) the indirect block at `address` of `heap`: "FHIB", version 0, the heap's address, the
    /// heap offset `offset` it spans from, `rows` rows of child addresses and the checksum after them.
    func checkIndirectBlock(at address: UInt64, offset: UInt64, rows: Int, heap: FractalHeapShape) throws {
        let checked = heap.checkedIndirectBlocks
        guard !checked.addresses.contains(address) else { return }
        let table = heap.table
        let prefix = 5 + sizeOfAddress + table.offsetSize
        let entries = rows <= 64 ? table.entryOffset(row: rows, column: 0) : Int.max
        guard rows <= 64, UInt64(prefix + entries + 4) <= file.size - min(file.size, checked.bytes) else {
            throw malformed("the fractal heap at \(heap.address) has indirect blocks larger in all than the file")
        }
        let bytes = try file.read(at: base, address, count: prefix + entries + 4, what: "fractal heap indirect block")
        var block = ByteReader(bytes, path: path)
        guard Array(try block.readBytes(4)) == Array("FHIB".utf8), try block.readUInt8() == 0,
              try block.readUInt(sizeOfAddress) == heap.address, try block.readUInt(table.offsetSize) == offset,
              HDF5Checksum.matches(bytes, at: prefix + entries) else {
            throw malformed("no intact indirect block of the fractal heap at \(heap.address) at \(address) (heap offset \(offset), \(rows) rows)")
        }
        checked.addresses.insert(address)
        checked.bytes += UInt64(bytes.count)
    }
}
