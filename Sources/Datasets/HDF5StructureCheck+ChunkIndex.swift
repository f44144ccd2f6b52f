/// The chunk index of a new-format dataset checked before libhdf5 opens the dataset.
///
/// A dataset written with the 1.10 file format (h5py `libver='latest'`, `H5Pset_libver_bounds` with
/// `H5F_LIBVER_V110`) stores a data layout message (type 0x0008) of version 4 (HDF5 File Format
/// Specification 1.10, §IV.A.2.i):
/// ```
/// version=4 class=2 (chunked) flags (1) dimensionality r+1 (1) bytes per dimension b (1)
///           chunk dimensions ((r+1)·b; the last is the element size) index type (1) index parameters
///           index address (O)
/// index type 1 single chunk:    [filtered size (L) filter mask (4) if flags & 2]  address: the chunk
///            2 implicit:        —                                                 address: all chunks, in order
///            3 fixed array:     page bits (1)                                     address: "FAHD"
///            4 extensible array: maximum bits, index block elements, minimum data block pointers,
///                               minimum data block elements, page bits (1 each)   address: "EAHD"
///            5 v2 B-tree:       node size (4) split % (1) merge % (1)              address: "BTHD" (type 10/11)
/// ```
/// and a chunk is referenced as its address (O), and, when the dataset has filters, its stored size
/// (⌊log₂ chunk bytes⌋/8 + 2 bytes, at most 8) and filter mask (4) — in fixed and extensible arrays, and
/// in v2 B-tree records followed by the chunk's scaled coordinates (8 bytes per dimension).
///
/// libhdf5 1.10 trusts these once their checksums pass: a chunk dimension of 0 in the layout message
/// divides by zero when the dataset is opened, a chunk B-tree's record size of 0 when it is read (SIGFPE), an
/// extensible array's maximum index set of 2^40 is iterated element by element (checksum-correct mutants of
/// seeds from scripts/fuzz-hdf5/chunk_indexes.c, session 13: 25 SIGFPE and 2 hangs in 3200 runs of
/// `pdekit inspect`). So, before a dataset is opened, its dataspace and layout
/// are parsed here: the chunk rank equal to the dataspace's, every chunk dimension and the element size
/// positive, a chunk's bytes within 4 GiB (libhdf5 keeps them in 32 bits); and its index is walked (each
/// structure's signature, version, client, sizes, counts bounded by the dataspace and the chunk dimensions
/// with overflow-checked arithmetic, checksums), every chunk reference lying inside the file. A dataset whose
/// dataspace message is shared (kept in the file's shared-message table) has only its chunk dimensions checked.
extension HDF5StructureCheck {
    /// The geometry of a chunked dataset: what its index must agree with.
    struct ChunkGeometry {
        /// Current and maximum extents (nil: unlimited).
        let extents: [UInt64]
        let maximumExtents: [UInt64?]
        /// Chunk dimensions (without the element size) and the element size in bytes.
        let chunk: [UInt64]
        let elementSize: UInt64
        /// Bytes of one chunk as stored unfiltered: the product of the chunk dimensions and the element size.
        let chunkBytes: UInt64
        let filtered: Bool

        /// Bytes of a filtered chunk's stored size in a chunk reference (libhdf5's `chunk_size_len`).
        var storedSizeBytes: Int { min(8, 1 + ((63 - max(chunkBytes, 1).leadingZeroBitCount) + 8) / 8) }

        /// Chunks along each dimension for `extents`: ⌈extent / chunk⌉.
        func chunksPerDimension(_ extents: [UInt64]) -> [UInt64] {
            zip(extents, chunk).map { $0 / $1 + ($0 % $1 == 0 ? 0 : 1) }
        }

        /// The number of chunks covering `extents`, or nil if it overflows.
        func chunkCount(_ extents: [UInt64]) -> UInt64? {
            var total: UInt64 = 1
            for count in chunksPerDimension(extents) {
                let (product, overflow) = total.multipliedReportingOverflow(by: count)
                guard !overflow else { return nil }
                total = product
            }
            return total
        }
    }

    /// How a chunked dataset finds its chunks (the layout message's index type and parameters).
    enum ChunkIndex {
        case singleChunk(filteredSize: UInt64?)
        case implicit
        case fixedArray(pageBits: Int)
        case extensibleArray(ExtensibleArrayParameters)
        case version2BTree(nodeSize: UInt32, split: UInt8, merge: UInt8)
    }

    /// Throws unless the storage of the dataset whose object header is at `headerAddress` (if it is a
    /// dataset with a version-4 chunked layout, or compact storage: ``validateCompactStorage(_:dataset:)``)
    /// can be followed by libhdf5.
    func validateDatasetStorage(headerAddress: UInt64) throws {
        let messages = try headerMessages(at: headerAddress)
        guard let layout = messages.first(where: { $0.type == 0x0008 }), layout.body.count >= 2 else { return }   // not a dataset
        try validateCompactStorage(messages, dataset: headerAddress)
        guard layout.body[0] == 4 else { return try validateChunkDimensions(oldLayout: layout.body, dataset: headerAddress) }
        guard layout.body[1] == 2 else { return }   // compact, contiguous or virtual
        guard let space = messages.first(where: { $0.type == 0x0001 }) else {
            throw malformed("the chunked dataset at \(headerAddress) has no dataspace message")
        }
        // A shared dataspace (a file with shared object header messages) lives in a shared-message table that is
        // not parsed here: only the chunk dimensions are checked (dimensionality from the layout message itself).
        if space.flags & 0x02 != 0 {
            _ = try validateChunkDimensions(layout.body, rank: layout.body.count > 3 ? Int(layout.body[3]) - 1 : -1, dataset: headerAddress)
            return
        }
        let (extents, maximumExtents) = try dataspaceExtents(space.body, dataset: headerAddress)
        let filtered = messages.contains { $0.type == 0x000B }
        guard let (dimensions, chunkBytes, reader) = try validateChunkDimensions(layout.body, rank: extents.count, dataset: headerAddress) else { return }
        var index = reader
        let flags = layout.body[2], dimensionality = dimensions.count
        let geometry = ChunkGeometry(extents: extents, maximumExtents: maximumExtents, chunk: Array(dimensions.dropLast()),
                                     elementSize: dimensions[dimensionality - 1], chunkBytes: chunkBytes, filtered: filtered)
        let indexType = try index.readUInt8("chunk index type")
        let kind: ChunkIndex
        switch indexType {
        case 1: kind = .singleChunk(filteredSize: flags & 0x02 != 0 ? try index.readUInt(sizeOfLength, "single chunk size") : nil)
            if flags & 0x02 != 0 { try index.skip(4, "single chunk filter mask") }
        case 2: kind = .implicit
        case 3: kind = .fixedArray(pageBits: Int(try index.readUInt8("fixed array page bits")))
        case 4: kind = .extensibleArray(try ExtensibleArrayParameters(layout: &index))
        case 5: kind = .version2BTree(nodeSize: try index.readUInt32("v2 B-tree node size"), split: try index.readUInt8(), merge: try index.readUInt8())
        default: throw malformed("the dataset at \(headerAddress) has chunk index type \(indexType)")
        }
        let address = try index.readUInt(sizeOfAddress, "chunk index address")
        guard address != undefinedAddress else { return }   // nothing written yet: libhdf5 reads fill values
        var budget = StructureBudget(fileSize: file.size)
        switch kind {
        case .singleChunk(let filteredSize):
            guard filtered == (filteredSize != nil), filteredSize.map({ $0 > 0 }) ?? true, geometry.chunkCount(extents) ?? 0 <= 1 else {
                throw malformed("the single-chunk dataset at \(headerAddress) has \(geometry.chunkCount(extents).map(String.init) ?? "too many") chunks, filters \(filtered), a stored size \(filteredSize.map(String.init) ?? "none")")
            }
            try checkInsideFile(at: address, storedSize: filteredSize ?? chunkBytes, what: "the single chunk of the dataset at \(headerAddress)")
        case .implicit:
            let fixed = maximumExtents.map { $0 ?? 0 }
            let count = maximumExtents.contains(where: { $0 == nil }) || filtered ? nil : geometry.chunkCount(fixed)
            let (bytes, overflow) = (count ?? .max).multipliedReportingOverflow(by: chunkBytes)
            guard let count, !overflow else {
                throw malformed("the dataset at \(headerAddress) has an implicit chunk index with filters or unlimited or too many chunks")
            }
            try checkInsideFile(at: address, storedSize: bytes, what: "the \(count) implicitly indexed chunks of the dataset at \(headerAddress)")
        case .fixedArray(let pageBits):
            try validateFixedArray(at: address, pageBits: pageBits, geometry: geometry, dataset: headerAddress, budget: &budget)
        case .extensibleArray(let parameters):
            try validateExtensibleArray(at: address, parameters: parameters, geometry: geometry, dataset: headerAddress, budget: &budget)
        case .version2BTree:   // the tree's own header holds the node size and percentages libhdf5 uses
            try validateChunkBTree(at: address, geometry: geometry, dataset: headerAddress)
        }
    }

    /// Throws if a layout message of version 1–3 (§IV.A.2.i) declares chunked storage with a chunk dimension of 0,
    /// which libhdf5 1.10 divides by when it opens the dataset (SIGFPE: a checksum-correct mutant that changed a
    /// version-4 message's version to 1). Versions 1 and 2: version, dimensionality, class, 5 reserved bytes,
    /// address (O), dimensions (4 bytes each); version 3, class 2: version, class, dimensionality, address (O),
    /// dimensions (4 bytes each).
    func validateChunkDimensions(oldLayout body: [UInt8], dataset: UInt64) throws {
        var reader = ByteReader(body, path: path)
        let version = try reader.readUInt8("layout")
        let dimensionality: Int
        if version < 3 {
            dimensionality = Int(try reader.readUInt8("layout"))
            guard try reader.readUInt8("layout") == 2 else { return }
            try reader.skip(5, "layout")
        } else {
            guard try reader.readUInt8("layout") == 2 else { return }
            dimensionality = Int(try reader.readUInt8("layout"))
        }
        try reader.skip(sizeOfAddress, "layout")
        let dimensions = try (0..<dimensionality).map { _ in try reader.readUInt32("chunk dimension") }
        guard dimensionality >= 2, dimensions.allSatisfy({ $0 > 0 }) else {
            throw malformed("the dataset at \(dataset) has a layout message of version \(version) with chunk dimensions \(dimensions)")
        }
    }

    /// The chunk dimensions of a version-4 layout message (`body`) for a dataspace of `rank`: each positive, the
    /// last (the element size) too, a chunk's bytes below 4 GiB; with the chunk's bytes and a reader at the index
    /// type. Nil for a layout that is not chunked.
    func validateChunkDimensions(_ body: [UInt8], rank: Int, dataset: UInt64) throws -> (dimensions: [UInt64], chunkBytes: UInt64, reader: ByteReader)? {
        guard body.count >= 2, body[1] == 2 else { return nil }
        var reader = ByteReader(body, path: path)
        try reader.skip(2)
        let flags = try reader.readUInt8("layout flags"), dimensionality = Int(try reader.readUInt8("layout dimensionality"))
        let dimensionBytes = Int(try reader.readUInt8("layout dimension size"))
        guard flags & 0xFC == 0, dimensionality == rank + 1, (1...8).contains(dimensionBytes) else {
            throw malformed("the layout of the dataset at \(dataset) has flags \(flags), \(dimensionality) chunk dimensions of \(dimensionBytes) bytes for a dataspace of rank \(rank)")
        }
        var dimensions = [UInt64]()
        for _ in 0..<dimensionality { dimensions.append(try reader.readUInt(dimensionBytes, "chunk dimension")) }
        var chunkBytes: UInt64 = 1
        for dimension in dimensions {
            let (product, overflow) = chunkBytes.multipliedReportingOverflow(by: dimension)
            chunkBytes = overflow ? .max : product
        }
        guard dimensions.allSatisfy({ $0 > 0 }), chunkBytes <= UInt64(UInt32.max) else {
            throw malformed("the dataset at \(dataset) has chunk dimensions \(dimensions) (a chunk of \(chunkBytes) bytes; each must be positive, a chunk below 4 GiB)")
        }
        return (dimensions, chunkBytes, reader)
    }

    /// The current and maximum extents of a dataspace message (§IV.A.2.b, versions 1 and 2).
    func dataspaceExtents(_ body: [UInt8], dataset: UInt64) throws -> ([UInt64], [UInt64?]) {
        var reader = ByteReader(body, path: path)
        let version = try reader.readUInt8("dataspace"), rank = Int(try reader.readUInt8("dataspace")), flags = try reader.readUInt8("dataspace")
        guard version == 1 || version == 2, rank <= 32 else { throw malformed("the dataset at \(dataset) has a dataspace of version \(version), rank \(rank)") }
        try reader.skip(version == 1 ? 5 : 1, "dataspace")
        var extents = [UInt64](), maximum = [UInt64?]()
        for _ in 0..<rank { extents.append(try reader.readUInt(sizeOfLength, "dataspace extent")) }
        let unlimited = UInt64.max >> (64 - 8 * sizeOfLength)
        for k in 0..<rank {
            let value = flags & 0x01 != 0 ? try reader.readUInt(sizeOfLength, "dataspace maximum extent") : extents[k]
            maximum.append(value == unlimited ? nil : value)
        }
        return (extents, maximum)
    }

    /// Throws unless `storedSize` bytes at `address` (a chunk, chunks, a huge heap object) lie inside the file.
    func checkInsideFile(at address: UInt64, storedSize: UInt64, what: @autoclosure () -> String) throws {
        let (start, overflow1) = base.addingReportingOverflow(address)
        let (end, overflow2) = start.addingReportingOverflow(storedSize)
        guard !overflow1, !overflow2, end <= file.size else {
            throw DatasetError.truncated(path: path, detail: "\(what()): \(storedSize) bytes at address \(address) lie outside the file (\(file.size) bytes)")
        }
    }

    /// Reads the chunk reference at the start of `reference` (address, and for filtered chunks stored size and
    /// filter mask) and checks the chunk lies inside the file (undefined address: no chunk).
    func checkChunkReference(_ reference: ArraySlice<UInt8>, geometry: ChunkGeometry, what: @autoclosure () -> String) throws {
        var reader = ByteReader(Array(reference), path: path)
        let address = try reader.readUInt(sizeOfAddress, "chunk address")
        guard address != undefinedAddress else { return }
        var size = geometry.chunkBytes
        if geometry.filtered {
            size = try reader.readUInt(geometry.storedSizeBytes, "chunk size")
            guard size > 0 else { throw malformed("\(what()) stores a filtered chunk of 0 bytes at \(address)") }
        }
        try checkInsideFile(at: address, storedSize: size, what: what())
    }

    /// Bytes of one chunk reference: the address, and for filtered chunks the stored size and filter mask.
    func chunkReferenceSize(_ geometry: ChunkGeometry) -> Int {
        sizeOfAddress + (geometry.filtered ? geometry.storedSizeBytes + 4 : 0)
    }

    /// The chunk records of a v2 B-tree index (type 10 unfiltered, 11 filtered): a chunk reference, then the
    /// chunk's scaled coordinates, each below the chunks along its dimension.
    func validateChunkBTree(at address: UInt64, geometry: ChunkGeometry, dataset: UInt64) throws {
        let referenceSize = chunkReferenceSize(geometry)
        let recordSize = referenceSize + 8 * geometry.chunk.count
        let chunks = geometry.chunksPerDimension(geometry.extents)
        try validateVersion2BTree(at: address, type: geometry.filtered ? 11 : 10, recordSize: recordSize, what: "chunk index of the dataset at \(dataset)") { record in
            try checkChunkReference(record, geometry: geometry, what: "a chunk record of the dataset at \(dataset)")
            var coordinates = ByteReader(Array(record.dropFirst(referenceSize)), path: path)
            for dimension in 0..<chunks.count {
                let scaled = try coordinates.readUInt64("scaled chunk coordinate")
                guard scaled < chunks[dimension] else {
                    throw malformed("a chunk record of the dataset at \(dataset) names chunk \(scaled) along dimension \(dimension), which has \(chunks[dimension])")
                }
            }
        }
    }
}

/// Bytes of index structures read so far: a legitimate index takes no more room than the file, so a walk that
/// reads more (blocks named twice, counts inflated) is refused.
struct StructureBudget {
    let fileSize: UInt64
    var used: UInt64 = 0

    /// Counts `bytes`, or returns false when the structures read would exceed the file.
    mutating func spend(_ bytes: Int) -> Bool {
        let (total, overflow) = used.addingReportingOverflow(UInt64(bytes))
        guard !overflow, total <= fileSize else { return false }
        used = total
        return true
    }
}
