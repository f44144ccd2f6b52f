/// The creation parameters of an extensible array (the layout message's, which its header must repeat).
struct ExtensibleArrayParameters: Equatable {
    /// log₂ of the most elements the array can hold.
    let maximumBits: Int
    /// Elements stored in the index block itself.
    let indexBlockElements: Int
    /// Data block addresses in the smallest super block (a power of two ≥ 2).
    let minimumDataPointers: Int
    /// Elements of the smallest data block (a power of two).
    let minimumDataElements: Int
    /// log₂ of the elements of a data block page.
    let pageBits: Int

    /// The layout message's order: maximum bits, index block elements, minimum pointers, minimum elements, page bits.
    init(layout reader: inout ByteReader) throws {
        maximumBits = Int(try reader.readUInt8("extensible array parameters"))
        indexBlockElements = Int(try reader.readUInt8("extensible array parameters"))
        minimumDataPointers = Int(try reader.readUInt8("extensible array parameters"))
        minimumDataElements = Int(try reader.readUInt8("extensible array parameters"))
        pageBits = Int(try reader.readUInt8("extensible array parameters"))
    }

    init(maximumBits: Int, indexBlockElements: Int, minimumDataPointers: Int, minimumDataElements: Int, pageBits: Int) {
        (self.maximumBits, self.indexBlockElements, self.minimumDataPointers) = (maximumBits, indexBlockElements, minimumDataPointers)
        (self.minimumDataElements, self.pageBits) = (minimumDataElements, pageBits)
    }

    static func isPowerOfTwo(_ value: Int) -> Bool { value > 0 && value & (value - 1) == 0 }

    /// Parameters libhdf5 can derive its super block table from without overflow or division by zero.
    var isUsable: Bool {
        Self.isPowerOfTwo(minimumDataElements) && Self.isPowerOfTwo(minimumDataPointers) && minimumDataPointers >= 2
            && indexBlockElements > 0 && (1...32).contains(pageBits) && (1...64).contains(maximumBits)
            && minimumDataElements.trailingZeroBitCount <= maximumBits && 2 * minimumDataPointers.trailingZeroBitCount <= superBlocks
    }

    /// Super blocks of the array: 1 + maximum bits − log₂ minimum data block elements.
    var superBlocks: Int { 1 + maximumBits - minimumDataElements.trailingZeroBitCount }
    /// Super blocks whose data blocks the index block addresses directly: 2 log₂ minimum pointers.
    var superBlocksInIndexBlock: Int { 2 * minimumDataPointers.trailingZeroBitCount }
    /// Data blocks of super block u: 2^⌊u/2⌋, each of 2^⌊(u+1)/2⌋ · minimum elements.
    func dataBlocks(superBlock u: Int) -> UInt64 { UInt64(1) << UInt64(u / 2) }
    func dataBlockElements(superBlock u: Int) -> UInt64 { (UInt64(1) << UInt64((u + 1) / 2)) * UInt64(minimumDataElements) }
}

/// The extensible array that indexes the chunks of a dataset with one unlimited dimension, walked before
/// libhdf5 follows it (HDF5 File Format Specification 1.10, §III.H):
/// ```
/// "EAHD" version=0 client element size (1) maximum bits, index block elements, minimum data block elements,
///        minimum data block pointers, page bits (1 each) six statistics (L each: super blocks, their bytes,
///        data blocks, their bytes, maximum index set, elements) index block address (O) checksum (4)
/// "EAIB" version=0 client header address (O) elements (index block elements) data block addresses
///        (2·(minimum pointers − 1), O each) super block addresses (super blocks − 2 log₂ minimum pointers) checksum
/// "EASB" version=0 client header address (O) block offset (⌈maximum bits/8⌉) [page bitmaps per data block if
///        its data blocks are paged] data block addresses (O each) checksum
/// "EADB" version=0 client header address (O) block offset [elements if not paged] checksum; pages (2^page bits
///        elements, checksum) follow a paged data block
/// ```
/// Super block u has 2^⌊u/2⌋ data blocks of 2^⌊(u+1)/2⌋ · minimum elements each (libhdf5's `H5EA__hdr_init`).
/// Checked: signatures, versions, the client, the element size (a chunk reference), the parameters equal to
/// the layout message's and usable (powers of two, the super block table without underflow); every block
/// and written page inside the file, each read once, no more bytes than the file has, with its checksum;
/// every chunk reference inside the file. (Data block offsets are libhdf5's own sanity check.)
extension HDF5StructureCheck {
    func validateExtensibleArray(at address: UInt64, parameters layoutParameters: ExtensibleArrayParameters, geometry: ChunkGeometry,
                                 dataset: UInt64, budget: inout StructureBudget) throws {
        let what = "the extensible array chunk index of the dataset at \(dataset)"
        let headerSize = 12 + 6 * sizeOfLength + sizeOfAddress
        guard budget.spend(headerSize + 4) else { throw malformed("\(what) is larger than the file") }
        let header = try file.read(at: base, address, count: headerSize + 4, what: what)
        var reader = ByteReader(header, path: path)
        let signature = Array(try reader.readBytes(4)), version = try reader.readUInt8(), client = try reader.readUInt8()
        let elementSize = Int(try reader.readUInt8())
        let fields = try (0..<5).map { _ in Int(try reader.readUInt8()) }
        let parameters = ExtensibleArrayParameters(maximumBits: fields[0], indexBlockElements: fields[1], minimumDataPointers: fields[3],
                                                   minimumDataElements: fields[2], pageBits: fields[4])
        try reader.skip(4 * sizeOfLength)   // super blocks and data blocks created, and their bytes
        let maximumIndexSet = try reader.readUInt(sizeOfLength)
        try reader.skip(sizeOfLength)   // elements realized (recounted below)
        let indexBlock = try reader.readUInt(sizeOfAddress)
        guard signature == Array("EAHD".utf8), version == 0, HDF5Checksum.matches(header, at: headerSize) else {
            throw malformed("no intact extensible array header (EAHD) at \(address) for the dataset at \(dataset)")
        }
        guard client == (geometry.filtered ? 1 : 0), elementSize == chunkReferenceSize(geometry), parameters == layoutParameters,
              parameters.isUsable else {
            throw malformed("\(what) (EAHD at \(address)) has client \(client), elements of \(elementSize) bytes, parameters \(fields) (layout: \(layoutParameters))")
        }
        // libhdf5 visits every index below the maximum index set (H5EA_iterate, for a dataset's storage size):
        // it must not exceed the elements of the blocks present (a larger one hung `inspect`).
        var realized: UInt64 = 0
        guard indexBlock != undefinedAddress else {
            guard maximumIndexSet == 0 else { throw malformed("\(what) (EAHD at \(address)) sets \(maximumIndexSet) elements but has no index block") }
            return
        }
        let walk = ExtensibleArrayWalk(header: address, client: client, elementSize: elementSize, parameters: parameters, geometry: geometry, what: what)
        let inIndex = parameters.superBlocksInIndexBlock
        let dataAddresses = 2 * (parameters.minimumDataPointers - 1), superAddresses = parameters.superBlocks - inIndex
        let elementBytes = parameters.indexBlockElements * elementSize
        let blockSize = 6 + sizeOfAddress + elementBytes + (dataAddresses + superAddresses) * sizeOfAddress + 4
        guard budget.spend(blockSize) else { throw malformed("\(what) is larger than the file") }
        let block = try file.read(at: base, indexBlock, count: blockSize, what: "extensible array index block")
        try walk.checkPrefix(block, signature: "EAIB", at: indexBlock, checksumAt: blockSize - 4, in: self)
        let elementsStart = 6 + sizeOfAddress
        try checkChunkReferences(block[elementsStart..<(elementsStart + elementBytes)], count: parameters.indexBlockElements,
                                 size: elementSize, geometry: geometry, what: what)
        realized = UInt64(parameters.indexBlockElements)
        var addresses = ByteReader(Array(block[(elementsStart + elementBytes)..<(blockSize - 4)]), path: path)
        for u in 0..<inIndex {
            for _ in 0..<parameters.dataBlocks(superBlock: u) {
                let dataBlock = try addresses.readUInt(sizeOfAddress)
                if dataBlock != undefinedAddress {
                    try validateDataBlock(at: dataBlock, elements: parameters.dataBlockElements(superBlock: u), pageBitmap: nil, walk: walk, budget: &budget)
                    realized += parameters.dataBlockElements(superBlock: u)   // below the file's size: the block was read
                }
            }
        }
        for u in inIndex..<parameters.superBlocks {
            let superBlock = try addresses.readUInt(sizeOfAddress)
            if superBlock != undefinedAddress { realized += try validateSuperBlock(at: superBlock, index: u, walk: walk, budget: &budget) }
        }
        guard maximumIndexSet <= realized else {
            throw malformed("\(what) (EAHD at \(address)) sets \(maximumIndexSet) elements, more than its blocks hold (\(realized))")
        }
    }

    /// What every block of one extensible array shares.
    struct ExtensibleArrayWalk {
        let header: UInt64
        let client: UInt8
        let elementSize: Int
        let parameters: ExtensibleArrayParameters
        let geometry: ChunkGeometry
        let what: String
        /// Bytes of a block offset: ⌈maximum bits / 8⌉.
        var offsetSize: Int { (parameters.maximumBits + 7) / 8 }
        var pageElements: UInt64 { UInt64(1) << UInt64(parameters.pageBits) }

        /// Throws unless `block` starts with `signature`, version 0, the array's client and header address, and
        /// ends with its checksum at `checksumAt`.
        func checkPrefix(_ block: [UInt8], signature: String, at address: UInt64, checksumAt: Int, in check: HDF5StructureCheck) throws {
            var reader = ByteReader(block, path: check.path)
            guard Array(try reader.readBytes(4)) == Array(signature.utf8), try reader.readUInt8() == 0, try reader.readUInt8() == client,
                  try reader.readUInt(check.sizeOfAddress) == header, HDF5Checksum.matches(block, at: checksumAt) else {
                throw check.malformed("no intact extensible array block (\(signature)) of \(what) at \(address)")
            }
        }
    }

    /// Super block `index` at `address`: its data block addresses (and page bitmaps), then each data block;
    /// returns the elements of its data blocks present.
    func validateSuperBlock(at address: UInt64, index: Int, walk: ExtensibleArrayWalk, budget: inout StructureBudget) throws -> UInt64 {
        let blocks = walk.parameters.dataBlocks(superBlock: index), elements = walk.parameters.dataBlockElements(superBlock: index)
        let pages = elements > walk.pageElements ? elements / walk.pageElements : 0
        let bitmapBytes = Int((pages + 7) / 8)
        let (entries, overflow) = blocks.multipliedReportingOverflow(by: UInt64(bitmapBytes + sizeOfAddress))
        guard !overflow, entries <= file.size else { throw malformed("super block \(index) of \(walk.what) has \(blocks) data blocks, more than the file holds") }
        let prefix = 6 + sizeOfAddress + walk.offsetSize
        let blockSize = prefix + Int(entries) + 4
        guard budget.spend(blockSize) else { throw malformed("\(walk.what) is larger than the file") }
        let block = try file.read(at: base, address, count: blockSize, what: "extensible array super block")
        try walk.checkPrefix(block, signature: "EASB", at: address, checksumAt: blockSize - 4, in: self)
        let addressesStart = prefix + Int(blocks) * bitmapBytes
        var addresses = ByteReader(Array(block[addressesStart..<(blockSize - 4)]), path: path)
        var present: UInt64 = 0
        for k in 0..<Int(blocks) {
            let dataBlock = try addresses.readUInt(sizeOfAddress)
            guard dataBlock != undefinedAddress else { continue }
            let bitmap = pages > 0 ? Array(block[(prefix + k * bitmapBytes)..<(prefix + (k + 1) * bitmapBytes)]) : nil
            try validateDataBlock(at: dataBlock, elements: elements, pageBitmap: bitmap, walk: walk, budget: &budget)
            present += elements   // each block read lies in the file: no overflow
        }
        return present
    }

    /// The data block of `elements` chunk references at `address`; a paged one's pages (those whose bit is set in
    /// `pageBitmap`, all when the index block addresses it directly) after it.
    func validateDataBlock(at address: UInt64, elements: UInt64, pageBitmap: [UInt8]?, walk: ExtensibleArrayWalk, budget: inout StructureBudget) throws {
        let (elementBytes, overflow) = elements.multipliedReportingOverflow(by: UInt64(walk.elementSize))
        guard !overflow, elementBytes <= file.size else { throw malformed("a data block of \(walk.what) has \(elements) elements, more than the file holds") }
        let paged = elements > walk.pageElements
        let prefix = 6 + sizeOfAddress + walk.offsetSize
        let blockSize = prefix + (paged ? 0 : Int(elementBytes)) + 4
        guard budget.spend(blockSize) else { throw malformed("\(walk.what) is larger than the file") }
        let block = try file.read(at: base, address, count: blockSize, what: "extensible array data block")
        try walk.checkPrefix(block, signature: "EADB", at: address, checksumAt: blockSize - 4, in: self)
        guard paged else {
            try checkChunkReferences(block[prefix..<(blockSize - 4)], count: Int(elements), size: walk.elementSize, geometry: walk.geometry, what: walk.what)
            return
        }
        let pageSize = Int(walk.pageElements) * walk.elementSize + 4
        for page in 0..<Int(elements / walk.pageElements) {
            if let pageBitmap, pageBitmap[page / 8] & (0x80 >> UInt8(page % 8)) == 0 { continue }   // never written
            guard budget.spend(pageSize) else { throw malformed("\(walk.what) is larger than the file") }
            let pageAddress = address + UInt64(blockSize + page * pageSize)
            let bytes = try file.read(at: base, pageAddress, count: pageSize, what: "extensible array data block page")
            guard HDF5Checksum.matches(bytes, at: pageSize - 4) else {
                throw malformed("page \(page) of the data block at \(address) of \(walk.what) has a wrong checksum")
            }
            try checkChunkReferences(bytes[0..<(pageSize - 4)], count: Int(walk.pageElements), size: walk.elementSize, geometry: walk.geometry, what: walk.what)
        }
    }
}
