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
/// it. Heaps with I/O filters (compressed blocks) are refused by ``HDF5StructureCheck/validateFractalHeap(at:)``.
struct ManagedBlockTable {
    let width: Int
    let startingBlockSize: UInt64
    let maximumDirectBlockSize: UInt64
    let maximumHeapSizeBits: Int
    let maximumManagedSize: UInt64
    let rootBlock: UInt64
    let currentRows: Int
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

    /// log₂ of row 0's span, W·S (below 64: checked with the heap header).
    var firstRowBits: Int { (63 - UInt64(width).leadingZeroBitCount) + (63 - startingBlockSize.leadingZeroBitCount) }

    func blockSize(row: Int) -> UInt64 { row < 2 ? startingBlockSize : startingBlockSize << UInt64(row - 1) }
    func rowOffset(row: Int) -> UInt64 { row == 0 ? 0 : (UInt64(width) * startingBlockSize) << UInt64(row - 1) }
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
            let entry = 5 + sizeOfAddress + table.offsetSize + (row * table.width + column) * sizeOfAddress
            var child = ByteReader(try file.read(at: base, blockAddress + UInt64(entry), count: sizeOfAddress, what: "fractal heap indirect block entry"), path: path)
            let childAddress = try child.readUInt(sizeOfAddress)
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
        var block = ByteReader(try file.read(at: base, blockAddress, count: 5 + sizeOfAddress + table.offsetSize, what: "fractal heap direct block"), path: path)
        guard Array(try block.readBytes(4)) == Array("FHDB".utf8), try block.readUInt8() == 0,
              try block.readUInt(sizeOfAddress) == heap.address, try block.readUInt(table.offsetSize) == blockOffset else {
            throw malformed("no fractal heap direct block of heap \(heap.address) at \(blockAddress) for heap offset \(blockOffset)")
        }
        return try file.read(at: base, blockAddress + start, count: Int(length), what: "fractal heap object")
    }

    /// Checks (once) the indirect block at `address` of `heap`: "FHIB", version 0, the heap's address, the
    /// heap offset `offset` it spans from, `rows` rows of child addresses and the checksum after them.
    func checkIndirectBlock(at address: UInt64, offset: UInt64, rows: Int, heap: FractalHeapShape) throws {
        let checked = heap.checkedIndirectBlocks
        guard !checked.addresses.contains(address) else { return }
        let table = heap.table
        let prefix = 5 + sizeOfAddress + table.offsetSize
        let (entries, overflow) = (rows * table.width).multipliedReportingOverflow(by: sizeOfAddress)
        guard !overflow, rows <= 64, UInt64(prefix + entries + 4) <= file.size - min(file.size, checked.bytes) else {
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
