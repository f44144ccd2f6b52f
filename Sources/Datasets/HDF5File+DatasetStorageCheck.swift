import CHDF5

/// Datasets' chunk indexes checked before libhdf5 opens them (``HDF5StructureCheck/validateDatasetStorage(headerAddress:)``):
/// opening a dataset whose layout message declares a chunk dimension of 0 divides by zero inside libhdf5
/// 1.10, and reading one follows its index's addresses and counts. So every path that opens an object
/// (`openObject`, listing, the group checks of a path's prefixes) first locates its header through its
/// link (`H5Oget_info_by_name2`, which neither decodes the layout nor opens the dataset) and checks it.
extension HDF5File {
    /// Throws unless the object at `objectPath`, if it is a dataset of a file open read-only, has storage
    /// libhdf5 can follow. Files open for writing are not checked (PDEKit wrote them; their headers on disk
    /// may lag behind libhdf5's cache). Each dataset is checked once.
    func checkDatasetStorage(atPath objectPath: String) throws {
        let file = try openFile()
        var intent: UInt32 = 0
        guard H5Fget_intent(file, &intent) >= 0, intent & pdekit_H5F_ACC_RDWR() == 0 else { return }
        var info = H5O_info_t()
        // A path libhdf5 cannot resolve is reported by the H5Oopen that follows.
        guard H5Oget_info_by_name2(file, objectPath, &info, UInt32(H5O_INFO_BASIC), pdekit_H5P_DEFAULT()) >= 0,
              info.type == H5O_TYPE_DATASET else { return }
        let address = UInt64(info.addr)
        guard !checkedDatasetHeaders.contains(address) else { return }
        try HDF5StructureCheck(path: path, fileID: file).validateDatasetStorage(headerAddress: address)
        checkedDatasetHeaders.insert(address)
    }
}
