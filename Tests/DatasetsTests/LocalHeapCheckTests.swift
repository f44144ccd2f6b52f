import Foundation
import Testing
import Datasets

/// A group's local heap (its link names) whose data segment address lies outside the file: libhdf5
/// 1.10 copied to a NULL buffer (SIGSEGV in `H5F__accum_read` under `H5Literate`; file fuzz seed 17,
/// `inspect` of a PDEBench file). Listing the group or looking a path up through it is now a typed error.
@Suite struct LocalHeapCheckTests {
    /// Offsets of every "HEAP" signature in `bytes`.
    static func heapOffsets(in bytes: [UInt8]) -> [Int] {
        let signature = Array("HEAP".utf8)
        return (0...(bytes.count - signature.count)).filter { Array(bytes[$0..<$0 + signature.count]) == signature }
    }

    @Test func outOfFileHeapDataIsATypedErrorForListingAndLookup() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let intact = directory.path("intact.h5")
        try HDF5File.writeAtomically(to: intact) { file in
            try file.writeDataset("a/b/x", try NumericArray(shape: [2], storage: .float64([1, 2])))
        }
        // Control: the intact file lists and reads.
        #expect(try HDF5File(opening: intact).contents().map(\.path).contains("/a/b/x"))
        #expect(try HDF5File(opening: intact).readDataset("a/b/x").storage == .float64([1, 2]))

        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: intact)))
        let heaps = Self.heapOffsets(in: original)
        #expect(heaps.count == 3)   // the root group, /a and /a/b
        for (index, heap) in heaps.enumerated() {
            // HEAP, version, reserved (3), data size (8), free-list offset (8), then the data address (8).
            var bytes = original
            bytes.replaceSubrange(heap + 24..<heap + 32, with: [UInt8](repeating: 0xFF, count: 8))
            let path = directory.path("heap\(index).h5")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect(throws: DatasetError.self, "heap \(index): contents") { try HDF5File(opening: path).contents() }
            #expect(throws: DatasetError.self, "heap \(index): read") { try HDF5File(opening: path).readDataset("a/b/x") }
        }
    }
}
