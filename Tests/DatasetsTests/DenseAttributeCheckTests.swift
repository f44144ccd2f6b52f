import CHDF5
import Foundation
import Testing
import Datasets

/// Dense attribute storage (more than 8 attributes on an object of a libver-latest file: attribute
/// messages in a fractal heap, indexed by a v2 B-tree of type 8) whose index was changed and its
/// checksum recomputed: checksum-correct mutants of such a file crashed libhdf5 1.10 in 17 of 300 runs
/// (SIGSEGV, SIGFPE) when `inspect` listed the attributes. The heap, the index and the attribute messages
/// it names are now checked first, so listing the attributes is a typed error.
@Suite struct DenseAttributeCheckTests {
    @Test func checksumCorrectDamageToTheAttributeIndexIsATypedError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("attributes.h5")
        try HDF5DamageSupport.writeFile(path, links: 0, attributes: 25)   // dense storage, one leaf of the name index
        let names = try HDF5File(opening: path).attributeNames(of: "x")
        #expect(names.count == 25 && names.contains("attribute_with_a_long_name_24"), "\(names)")
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // The attribute name index: the v2 B-tree header of type 8, its root a leaf of `records` records.
        let tree = try #require(HDF5DamageSupport.offsets(of: "BTHD", in: original).first { original[$0 + 5] == 8 })
        let recordSize = Int(original[tree + 10]) | Int(original[tree + 11]) << 8
        let leaf = (0..<8).reduce(0) { $0 | Int(original[tree + 16 + $1]) << (8 * $1) }
        let records = Int(original[tree + 24]) | Int(original[tree + 25]) << 8
        #expect(recordSize == 17 && records == 25 && Array(original[leaf..<(leaf + 4)]) == Array("BTLF".utf8), "record size \(recordSize), \(records) records")
        for (label, offset, value, expected) in [("shared message flag", 8, UInt8(0x02), "names a shared attribute message"),
                                                 ("reserved heap ID type", 0, UInt8(0x30), "heap ID of version 0, type 3")] {
            var bytes = original
            bytes[leaf + 6 + 2 * recordSize + offset] = value   // record 2
            let sum = HDF5Checksum.lookup3(bytes[leaf..<(leaf + 6 + records * recordSize)])
            for j in 0..<4 { bytes[leaf + 6 + records * recordSize + j] = UInt8(truncatingIfNeeded: sum >> (8 * UInt32(j))) }
            let damaged = directory.path("damaged-\(offset).h5")
            try Data(bytes).write(to: URL(fileURLWithPath: damaged))
            let result = Result { try HDF5File(opening: damaged).attributeNames(of: "x") }
            guard case .failure(let error) = result else { Issue.record("\(label): the attributes listed"); continue }
            #expect(error is DatasetError && "\(error)".contains("record 2 of the attribute name index's root") && "\(error)".contains(expected),
                    "\(label): \(error)")
        }
    }
}
