import Foundation
import Testing
import Datasets

/// `SampleOrder`: rows of a similarity-sorted file put back in drawing order through `sample_index`,
/// the stored order kept when asked or when there is no index, and malformed indices refused.
@Suite struct SampleOrderTests {
    /// A file whose row r holds the value 10·sample_index[r] in `x`.
    func writeFile(_ path: String, sampleIndex: [Int64]?) throws {
        let index = sampleIndex ?? Array(0..<4)
        try HDF5File.writeAtomically(to: path) { file in
            try file.writeDataset("x", try NumericArray(shape: [index.count, 2], storage: .float64(index.flatMap { [10 * Double($0), 10 * Double($0) + 1] })))
            if let sampleIndex { try file.writeDataset(SampleOrder.sampleIndexKey, try NumericArray(shape: [sampleIndex.count], storage: .int64(sampleIndex))) }
        }
    }

    @Test func sampledOrderUndoesTheSolveOrder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("sorted.h5")
        try writeFile(path, sampleIndex: [2, 0, 3, 1])
        let file = try DatasetLoader.open(path)
        let rows = try #require(try file.rows(in: .sampled, rowCount: 4))
        #expect(rows == [1, 3, 0, 2])
        let x = try file.array(named: "x").doubleValues
        #expect(rows.map { x[2 * $0] } == [0, 10, 20, 30], "rows in drawing order")
        #expect(try file.rows(in: .file, rowCount: 4) == nil)
        // A gap (a partial file's indices) still sorts; only the order matters.
        #expect(try SampleOrder.rowsInSamplingOrder(sampleIndex: [7, 2, 5], path: path) == [1, 2, 0])
    }

    @Test func storedOrderWhenThereIsNothingToUndo() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try writeFile(directory.path("plain.h5"), sampleIndex: nil)
        #expect(try DatasetLoader.open(directory.path("plain.h5")).rows(in: .sampled, rowCount: 4) == nil)
        try writeFile(directory.path("ordered.h5"), sampleIndex: [0, 1, 2, 3])
        #expect(try DatasetLoader.open(directory.path("ordered.h5")).rows(in: .sampled, rowCount: 4) == nil)
    }

    @Test func malformedIndicesAreTypedErrors() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try writeFile(directory.path("twice.h5"), sampleIndex: [0, 2, 2, 1])
        #expect {
            try DatasetLoader.open(directory.path("twice.h5")).rows(in: .sampled, rowCount: 4)
        } throws: { error in
            guard case DatasetError.malformed(_, let detail) = error else { return false }
            return detail.contains("sample 2 twice")
        }
        #expect(throws: DatasetError.self) { try DatasetLoader.open(directory.path("twice.h5")).rows(in: .sampled, rowCount: 5) }
        #expect(throws: DatasetError.self) { try SampleOrder.rowsInSamplingOrder(sampleIndex: [0, -1], path: "p") }
        #expect(throws: DatasetError.self) { try SampleOrder.rowsInSamplingOrder(sampleIndex: [0, 0.5], path: "p") }
    }
}
