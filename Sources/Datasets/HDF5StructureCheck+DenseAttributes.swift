/// Dense attribute storage checked before libhdf5 follows it.
///
/// An object of a libver ≥ 1.8 file with more attributes than fit in its header (8 by default) keeps
/// them as attribute messages in a fractal heap, indexed by name (and optionally by creation order) in
/// version-2 B-trees, found through the object's attribute info message (type 0x0015; HDF5 File Format
/// Specification 1.10, §IV.A.2.v):
/// ```
/// version=0 flags [maximum creation index (2) if flags & 1] fractal heap address (O)
///           name index v2 B-tree address (O) [creation order index v2 B-tree address (O) if flags & 2]
/// name index record (type 8):           heap ID (8) message flags (1) creation order (4) name hash (4)
/// creation order index record (type 9): heap ID (8) message flags (1) creation order (4)
/// ```
/// These are the structures of dense link storage (`HDF5StructureCheck+DenseLinks.swift`) and libhdf5
/// trusts them the same way once their checksums pass: checksum-correct mutants of a file with 40
/// attributes on a dataset crashed `pdekit inspect` in 17 of 300 runs (SIGSEGV and SIGFPE inside
/// libhdf5's attribute iteration, session 11). So the heap header, both indexes (layout,
/// every node at any depth, the heap IDs of their records, no shared-message flag) and every managed attribute message the records name
/// (through `HDF5AttributeMessage`, as compact attribute messages are) are checked before any `H5A*`
/// call on the object.
extension HDF5StructureCheck {
    /// Throws unless the dense attribute storage named by an attribute info message (`body`) can be
    /// followed by libhdf5 (an undefined heap address, compact storage, has nothing to check).
    func validateDenseAttributes(attributeInfo body: [UInt8]) throws {
        let (heapAddress, nameIndex, creationOrderIndex) = try denseStorageAddresses(body, what: "attribute info", maximumCreationIndexBytes: 2)
        guard heapAddress != undefinedAddress else { return }
        let heap = try validateFractalHeap(at: heapAddress)
        // The index records hold 8-byte heap IDs whatever the heap header says.
        guard heap.heapIDLength == 8 else {
            throw malformed("the attribute heap at address \(heapAddress) has heap IDs of \(heap.heapIDLength) bytes, not 8")
        }
        try validateVersion2BTree(at: nameIndex, type: 8, recordSize: 8 + 1 + 4 + 4, what: "attribute name index",
                                  heapIDs: (offset: 0, heap: heap), objects: .attribute)
        if creationOrderIndex != undefinedAddress {
            try validateVersion2BTree(at: creationOrderIndex, type: 9, recordSize: 8 + 1 + 4, what: "attribute creation-order index",
                                      heapIDs: (offset: 0, heap: heap), objects: .attribute)
        }
    }
}
