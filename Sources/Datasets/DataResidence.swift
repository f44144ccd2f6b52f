/// Where training data live while a model trains: what `--data-residence` chooses.
public enum DataResidence: String, Sendable, CaseIterable {
    /// In memory when the data fit the memory limit (see ``streams(fileRows:bytesPerRow:limitBytes:)``), streamed otherwise.
    case auto
    /// The whole arrays read into memory (the file's array, a reordered copy, the encoded inputs).
    case memory
    /// Training rows read from disk a chunk at a time (``PairRowSource``, ``TrajectoryStream``, ``ChunkPrefetcher``).
    case stream

    /// Whether to stream: always for `.stream`, never for `.memory`; `.auto` streams when reading the
    /// file into memory, about three Float32 copies of all `fileRows` rows, would exceed `limitBytes`.
    public func streams(fileRows: Int, bytesPerRow: Int, limitBytes: Int) -> Bool {
        switch self {
        case .memory: return false
        case .stream: return true
        case .auto:
            let (bytes, overflow) = fileRows.multipliedReportingOverflow(by: bytesPerRow)
            return overflow || bytes > limitBytes / 3
        }
    }

    /// Rows per streamed chunk: the two chunks held at a time take at most an eighth of `limitBytes`,
    /// and a chunk holds at least one batch (a whole number of batches).
    public static func chunkRows(bytesPerRow: Int, limitBytes: Int, batchSize: Int) -> Int {
        let batch = max(batchSize, 1)
        let rows = limitBytes / 16 / max(bytesPerRow, 1)
        return max(rows / batch, 1) * batch
    }
}
