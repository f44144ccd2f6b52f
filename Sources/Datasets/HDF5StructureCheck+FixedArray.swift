/// The fixed array that indexes the chunks of a dataset with fixed maximum extents, walked before libhdf5
/// follows it (HDF5 File Format Specification 1.10, §III.I):
/// ```
/// "FAHD" version=0 client (0: chunks, 1: filtered chunks) element size (1) page bits p (1)
///        elements n (L) data block address (O) checksum (4)
/// "FADB" version=0 client header address (O) [page bitmap (⌈pages/8⌉ bytes) if n > 2^p]
///        [n elements if not paged] checksum (4)
/// pages (if n > 2^p): 2^p elements (the last page the rest) checksum (4), one after another, after the
///        data block; a page whose bit (most significant first) is clear was never written
/// ```
/// Checked: signatures, versions, the client (filtered exactly when the dataset has filters), the element
/// size (a chunk reference: ``HDF5StructureCheck/chunkReferenceSize(_:)``), the page bits those of the
/// layout message (1…32), the elements exactly the chunks of the maximum extents; every block and page
/// inside the file with its checksum; every chunk inside the file.
extension HDF5StructureCheck {
    func validateFixedArray(at address: UInt64, pageBits layoutPageBits: Int, geometry: ChunkGeometry, dataset: UInt64,
                            budget: inout StructureBudget) throws {
        let what = "the fixed array chunk index of the dataset at \(dataset)"
        let headerSize = 8 + sizeOfLength + sizeOfAddress
        guard budget.spend(headerSize + 4) else { throw malformed("\(what) is larger than the file") }
        let header = try file.read(at: base, address, count: headerSize + 4, what: what)
        var reader = ByteReader(header, path: path)
        let signature = Array(try reader.readBytes(4)), version = try reader.readUInt8(), client = try reader.readUInt8()
        let elementSize = Int(try reader.readUInt8()), pageBits = Int(try reader.readUInt8())
        let count = try reader.readUInt(sizeOfLength), dataBlock = try reader.readUInt(sizeOfAddress)
        guard signature == Array("FAHD".utf8), version == 0, HDF5Checksum.matches(header, at: headerSize) else {
            throw malformed("no intact fixed array header (FAHD) at \(address) for the dataset at \(dataset)")
        }
        let fixedExtents = geometry.maximumExtents.compactMap { $0 }
        let expected = fixedExtents.count == geometry.extents.count ? geometry.chunkCount(fixedExtents) : nil
        guard client == (geometry.filtered ? 1 : 0), elementSize == chunkReferenceSize(geometry), pageBits == layoutPageBits,
              (1...32).contains(pageBits), let expected, count == expected else {
            throw malformed("\(what) (FAHD at \(address)) has client \(client), elements of \(elementSize) bytes, page bits \(pageBits) (layout: \(layoutPageBits)), \(count) elements for \(expected.map(String.init) ?? "unbounded") chunks")
        }
        // The elements must fit in the file even before the data block exists: libhdf5 visits every element when it
        // sums a dataset's storage (H5FA_iterate), written or not.
        let (elementBytes, overflow) = count.multipliedReportingOverflow(by: UInt64(elementSize))
        guard !overflow, elementBytes <= file.size else { throw malformed("\(what) has \(count) elements, more than the file holds") }
        guard dataBlock != undefinedAddress else { return }
        let perPage = UInt64(1) << UInt64(pageBits)
        let pages = count > perPage ? (count + perPage - 1) / perPage : 0
        let bitmapBytes = Int((pages + 7) / 8)   // pages ≤ count / 2 + 1 < file size
        let prefix = 6 + sizeOfAddress + bitmapBytes
        let blockSize = prefix + (pages == 0 ? Int(elementBytes) : 0) + 4
        guard budget.spend(blockSize) else { throw malformed("\(what) is larger than the file") }
        let block = try file.read(at: base, dataBlock, count: blockSize, what: "fixed array data block")
        var blockReader = ByteReader(block, path: path)
        guard Array(try blockReader.readBytes(4)) == Array("FADB".utf8), try blockReader.readUInt8() == 0, try blockReader.readUInt8() == client,
              try blockReader.readUInt(sizeOfAddress) == address, HDF5Checksum.matches(block, at: blockSize - 4) else {
            throw malformed("no intact fixed array data block (FADB) of \(what) at \(dataBlock)")
        }
        if pages == 0 {
            try checkChunkReferences(block[prefix..<(blockSize - 4)], count: Int(count), size: elementSize, geometry: geometry, what: what)
            return
        }
        var pageAddress = dataBlock + UInt64(blockSize)
        for page in 0..<pages {
            let elements = min(perPage, count - page * perPage)
            let pageSize = Int(elements) * elementSize + 4
            defer { pageAddress += UInt64(pageSize) }
            guard block[6 + sizeOfAddress + Int(page / 8)] & (0x80 >> UInt8(page % 8)) != 0 else { continue }   // never written
            guard budget.spend(pageSize) else { throw malformed("\(what) is larger than the file") }
            let bytes = try file.read(at: base, pageAddress, count: pageSize, what: "fixed array data block page")
            guard HDF5Checksum.matches(bytes, at: pageSize - 4) else {
                throw malformed("page \(page) of \(what) (at \(pageAddress)) has a wrong checksum")
            }
            try checkChunkReferences(bytes[0..<(pageSize - 4)], count: Int(elements), size: elementSize, geometry: geometry, what: what)
        }
    }

    /// Checks `count` chunk references of `size` bytes each, one after another in `bytes`.
    func checkChunkReferences(_ bytes: ArraySlice<UInt8>, count: Int, size: Int, geometry: ChunkGeometry, what: String) throws {
        let start = bytes.startIndex
        for element in 0..<count {
            let from = start + element * size
            try checkChunkReference(bytes[from..<(from + size)], geometry: geometry, what: "element \(element) of \(what)")
        }
    }
}
