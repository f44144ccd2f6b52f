import CHDF5

/// Local heaps checked before libhdf5 follows them.
///
/// An old-style group (a symbol table, what libhdf5 1.10 writes by default) keeps its link names in a
/// local heap (HDF5 File Format Specification 1.10, §III.D):
/// ```
/// "HEAP" version=0 reserved(3) data segment size (sizeof_size) free-list offset (sizeof_size)
///        data segment address (sizeof_addr)
/// ```
/// found through the group's symbol table message (type 0x0011: v1 B-tree address, local heap
/// address). libhdf5 1.10 trusts the data segment's address: an undefined or out-of-file address
/// makes every name lookup and iteration of the group (`H5Literate`, `H5Lexists`, `H5Oopen`) copy
/// to a NULL buffer (a segfault in `H5F__accum_read`; file fuzz seed 17). So a group's heap is
/// checked before its names are listed or a path is looked up through it; a new-style group's
/// fractal heap and B-trees likewise (`HDF5StructureCheck+DenseLinks.swift`).
extension HDF5File {
    /// Throws unless the local heap of the group `object` (if it is an old-style group) lies inside
    /// the file. Files open for writing are not checked: their headers on disk may lag behind
    /// libhdf5's cache, and PDEKit wrote them.
    func checkLocalHeap(ofGroup object: hid_t, _ groupPath: String) throws {
        let file = try openFile()
        var intent: UInt32 = 0
        guard H5Fget_intent(file, &intent) >= 0, intent & pdekit_H5F_ACC_RDWR() == 0 else { return }
        let address = UInt64(try objectAddress(object, groupPath))
        guard !checkedGroupHeaders.contains(address) else { return }
        let structure = try HDF5StructureCheck(path: path, fileID: file)
        try structure.validateLocalHeap(groupHeaderAddress: address)
        checkedGroupHeaders.insert(address)
    }

    /// ``checkLocalHeap(ofGroup:_:)`` for the object at `groupPath` (whose parents were checked).
    func checkLocalHeap(atPath groupPath: String) throws {
        try checkDatasetStorage(atPath: groupPath)   // a prefix may name a dataset
        let object = try check(H5Oopen(try openFile(), groupPath, pdekit_H5P_DEFAULT()), "opening '\(groupPath)'")
        defer { H5Oclose(object) }
        try checkLocalHeap(ofGroup: object, groupPath)
    }
}

extension HDF5StructureCheck {
    /// Throws unless the local heap named by the symbol table message of the object header at
    /// `groupHeaderAddress` has a data segment inside the file, and a new-style group's dense link
    /// storage and link messages pass ``validateDenseLinks(linkInfo:)`` and ``validateLinkMessage(_:)``
    /// (no message: nothing to check).
    func validateLocalHeap(groupHeaderAddress: UInt64) throws {
        for message in try headerMessages(at: groupHeaderAddress) where [0x0011, 0x0002, 0x0006].contains(message.type) {
            // A new-style group: its dense link storage, or its links in the header.
            if message.type == 0x0002 { try validateDenseLinks(linkInfo: message.body); continue }
            if message.type == 0x0006 { try validateLinkMessage(message.body); continue }
            var table = ByteReader(message.body, path: path)
            _ = try table.readUInt(sizeOfAddress, "symbol table B-tree address")
            let heapAddress = try table.readUInt(sizeOfAddress, "symbol table local heap address")
            let headerSize = 8 + 2 * sizeOfLength + sizeOfAddress
            var heap = ByteReader(try file.read(at: base, heapAddress, count: headerSize, what: "local heap"), path: path)
            guard Array(try heap.readBytes(4)) == Array("HEAP".utf8), try heap.readUInt8() == 0 else {
                throw malformed("no local heap at address \(heapAddress)")
            }
            try heap.skip(3)
            let dataSize = try heap.readUInt(sizeOfLength)
            _ = try heap.readUInt(sizeOfLength)
            let dataAddress = try heap.readUInt(sizeOfAddress)
            let (start, overflow) = base.addingReportingOverflow(dataAddress)
            guard !overflow, dataSize <= file.size, start <= file.size - dataSize else {
                throw DatasetError.truncated(path: path, detail: "the local heap at address \(heapAddress) puts its \(dataSize) bytes of link names at address \(dataAddress), outside the file (\(file.size) bytes)")
            }
        }
    }
}
