import CHDF5

extension HDF5File {
    /// Reads the block `start ..< start + count` of a dataset (one hyperslab: a contiguous box along every
    /// axis), e.g. a few trajectories' time window. `readSamples` is the case of a box along axis 0 only.
    /// - Throws: `DatasetError.shapeMismatch` naming the dataset for a box of the wrong rank or outside
    ///   its extents, the errors of ``readDataset(_:)`` otherwise.
    public func readBlock(_ datasetPath: String, start: [Int], count: [Int]) throws -> NumericArray {
        let dataset = try openDataset(datasetPath)
        defer { H5Dclose(dataset) }
        let (shape, _) = try extents(of: dataset, datasetPath)
        guard start.count == shape.count, count.count == shape.count,
              zip(zip(start, count), shape).allSatisfy({ box, extent in box.0 >= 0 && box.1 >= 0 && box.0 <= extent && box.1 <= extent - box.0 }) else {
            throw DatasetError.shapeMismatch(path: path, detail: "block from \(start) of \(count) outside '\(datasetPath)' of shape \(shape)")
        }
        if count.contains(0) { return try NumericArray(shape: count, storage: Self.emptyStorage(try elementType(of: dataset, datasetPath))) }
        let fileSpace = try check(H5Dget_space(dataset), "dataspace of '\(datasetPath)'")
        defer { H5Sclose(fileSpace) }
        var first = start.map { hsize_t($0) }, extent = count.map { hsize_t($0) }
        try check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &first, nil, &extent, nil), "selecting a block of '\(datasetPath)'")
        let memorySpace = try check(H5Screate_simple(Int32(extent.count), &extent, nil), "memory space")
        defer { H5Sclose(memorySpace) }
        return try read(dataset, datasetPath, shape: count, memorySpace: memorySpace, fileSpace: fileSpace)
    }
}
