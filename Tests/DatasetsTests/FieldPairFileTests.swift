import Foundation
import Testing
import TensorCore
import Datasets

/// The pair loader: arrays written by NumPy/SciPy/h5py (`make_fixtures.py`) read channels first and
/// subsampled, samples put in drawing order, and splits that are disjoint, cover what they should and
/// leave the test rows where `pdekit train` has always taken them.
@Suite struct FieldPairFileTests {
    /// An HDF5 file of `count` samples stored in `sampleIndex` order: row r of `a` is the field of sample
    /// k = sampleIndex[r], a(k)(x_j) = 100 k + j on `points` points; u = −a.
    func writeSortedFile(_ path: String, sampleIndex: [Int64], points: Int, nanInSample: Int? = nil) throws {
        var a = [Double]()
        for k in sampleIndex { for j in 0..<points { a.append(k == nanInSample.map(Int64.init) ? .nan : 100 * Double(k) + Double(j)) } }
        try HDF5File.writeAtomically(to: path) { file in
            try file.writeDataset("a", try NumericArray(shape: [sampleIndex.count, points], storage: .float64(a)))
            try file.writeDataset("u", try NumericArray(shape: [sampleIndex.count, points], storage: .float64(a.map { -$0 })))
            try file.writeDataset(SampleOrder.sampleIndexKey, try NumericArray(shape: [sampleIndex.count], storage: .int64(sampleIndex)))
        }
    }

    /// The sample numbers of the rows of `pairs` (from the first grid value of each input).
    func sampleNumbers(_ pairs: FieldPairs) -> [Int] {
        let per = pairs.inputs.count / pairs.count
        return (0..<pairs.count).map { Int(pairs.inputs.scalars[$0 * per] / 100) }
    }

    @Test func readsNumPyAndMatlabArraysChannelsFirstAndSubsampled() throws {
        // darcy_v5.mat (scipy.io.savemat): coeff [3, 5, 5] = 1 + 0.01 k (float64), sol = −0.02 k (float32).
        let darcy = try FieldPairFile(path: Fixtures.path("darcy_v5.mat"), inputKey: "coeff", targetKey: "sol", order: .file, stride: 2)
        #expect(darcy.inputs.shape == [3, 1, 3, 3] && darcy.targets.shape == [3, 1, 3, 3] && darcy.spatialDimensions == 2)
        for n in 0..<3 {
            for i in 0..<3 {
                for j in 0..<3 {
                    let k = n * 25 + (2 * i) * 5 + 2 * j, at = (n * 3 + i) * 3 + j
                    #expect(darcy.inputs.scalars[at] == Float(1 + 0.01 * Double(k)))
                    #expect(darcy.targets.scalars[at] == Float(-0.02 * Double(k)))
                }
            }
        }
        // The same points through pairs(_:stride:) of the file read at full resolution (what `evaluate` does
        // once it knows the stride): the last two samples, every second point.
        let full = try FieldPairFile(path: Fixtures.path("darcy_v5.mat"), inputKey: "coeff", targetKey: "sol", layout: .grid(dimensions: 2), order: .file)
        let lastTwo = try full.pairs(1..<3, stride: 2)
        #expect(lastTwo.inputs.shape == [2, 1, 3, 3])
        #expect(lastTwo.inputs.scalars == Array(darcy.inputs.scalars[9...]) && lastTwo.targets.scalars == Array(darcy.targets.scalars[9...]))
        #expect(throws: DatasetError.self) { try full.pairs(1..<3, stride: 0) }
        // burgers_v73.mat (h5py, MATLAB order): a, u [4, 8]; stride 3 keeps points 0, 3, 6.
        let burgers = try FieldPairFile(path: Fixtures.path("burgers_v73.mat"), inputKey: "a", targetKey: "u", stride: 3)
        #expect(burgers.inputs.shape == [4, 1, 3] && burgers.spatialDimensions == 1)
        var kept = [Int]()
        for n in 0..<4 { for j in [0, 3, 6] { kept.append(8 * n + j) } }
        let expectedA: [Float] = kept.map { k in Float(-2 + 0.125 * Double(k)) }
        let expectedU: [Float] = kept.map { k in Float(1 - 0.5 * Double(k)) }
        #expect(burgers.inputs.scalars == expectedA)
        #expect(burgers.targets.scalars == expectedU)
        // A directory of <key>.npy, channels first [N, 2, 6] with stride 4 → [N, 2, 2].
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let values = Fixtures.ramp(36, scale: 0.5)
        try NPYFormat.write(try NumericArray(shape: [3, 2, 6], storage: .float64(values)), to: directory.path("x.npy"))
        try NPYFormat.write(try NumericArray(shape: [3, 1, 6], storage: .float64(Array(values.prefix(18)))), to: directory.path("y.npy"))
        let folder = try FieldPairFile(path: directory.url.path, inputKey: "x", targetKey: "y", layout: .samplesChannelsGrid, stride: 4)
        #expect(folder.inputs.shape == [3, 2, 2] && folder.targets.shape == [3, 1, 2])
        let expectedFolder: [Float] = [0, 4, 6, 10, 12, 16, 18, 22, 24, 28, 30, 34].map { (k: Int) -> Float in Float(0.5 * Double(k)) }
        #expect(folder.inputs.scalars == expectedFolder)
        #expect(throws: DatasetError.self) { try FieldPairFile(path: directory.url.path, inputKey: "x", targetKey: "z") }
        // Either layout for a known number of grid axes (what `evaluate` reads).
        let either = try FieldPairFile(path: directory.url.path, inputKey: "x", targetKey: "y", layout: .grid(dimensions: 1))
        #expect(either.inputs.shape == [3, 2, 6] && either.targets.shape == [3, 1, 6])
        #expect(throws: DatasetError.self) { try FieldPairFile(path: directory.url.path, inputKey: "x", targetKey: "y", layout: .grid(dimensions: 3)) }
        #expect(throws: DatasetError.self) { try FieldPairFile(path: Fixtures.path("darcy_v5.mat"), inputKey: "coeff", targetKey: "sol", stride: 0) }
    }

    @Test func splitsAreDisjointCoverAndKeepTheTestRows() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Stored in a shuffled (solve) order; drawing order is sample 0, 1, 2, …
        let sampleIndex: [Int64] = [7, 2, 9, 0, 5, 11, 3, 1, 10, 4, 8, 6]
        let path = directory.path("sorted.h5")
        try writeSortedFile(path, sampleIndex: sampleIndex, points: 4)
        let file = try FieldPairFile(path: path, inputKey: "a", targetKey: "u")
        #expect(file.count == 12 && file.inputs.shape == [12, 1, 4])

        // No validation: the first 8 samples train, the next 3 test, as `pdekit train` always split.
        let plain = try file.split(train: 8, validation: .count(0), test: 3)
        #expect(plain.validation == nil)
        #expect(sampleNumbers(plain.train) == Array(0..<8) && sampleNumbers(plain.test) == [8, 9, 10])
        #expect(plain.train.targets.scalars == plain.train.inputs.scalars.map { -$0 })
        #expect(plain.train.inputs.scalars[4 * 5 + 3] == 503, "sample 5, point 3")

        // Validation rows come off the end of the training rows; the test rows do not move.
        let held = try file.split(train: 8, validation: .count(2), test: 3)
        let validation = try #require(held.validation)
        #expect(sampleNumbers(held.train) == Array(0..<6) && sampleNumbers(validation) == [6, 7] && sampleNumbers(held.test) == [8, 9, 10])
        let all = sampleNumbers(held.train) + sampleNumbers(validation) + sampleNumbers(held.test)
        #expect(Set(all).count == all.count && Set(all) == Set(0..<11), "disjoint, and together the first 11 samples")
        #expect(held.test.fingerprint == plain.test.fingerprint)
        // Default: 10 % of the training rows (⌊0.8⌋ = 0 of 8, 1 of 10).
        #expect(try file.split(train: 8, test: 2).validation == nil)
        #expect(try sampleNumbers(#require(file.split(train: 10, test: 2).validation)) == [9])

        // The stored order when asked.
        let stored = try FieldPairFile(path: path, inputKey: "a", targetKey: "u", order: .file).split(train: 8, validation: .count(0), test: 4)
        #expect(sampleNumbers(stored.train) + sampleNumbers(stored.test) == sampleIndex.map { Int($0) })

        // A separate test file: its first rows, in its own drawing order.
        let testPath = directory.path("test.h5")
        try writeSortedFile(testPath, sampleIndex: [3, 1, 2, 0], points: 4)
        let separate = try file.split(train: 12, validation: .count(0), test: 2, testFile: try FieldPairFile(path: testPath, inputKey: "a", targetKey: "u"))
        #expect(sampleNumbers(separate.train) == Array(0..<12) && sampleNumbers(separate.test) == [0, 1])

        // Requests the file cannot meet are typed errors.
        #expect(throws: DatasetError.self) { try file.split(train: 10, validation: .count(0), test: 3) }
        #expect(throws: DatasetError.self) { try file.split(train: 4, validation: .count(4), test: 3) }
        #expect(throws: DatasetError.self) { try file.split(train: 4, validation: .count(-1), test: 3) }
        #expect(throws: DatasetError.self) { try file.split(train: 4, validation: .fraction(.nan), test: 3) }
        #expect(throws: DatasetError.self) { try file.split(train: 0, validation: .count(0), test: 3) }
    }

    @Test func nonFiniteValuesInAUsedRowAreTypedErrors() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("nan.h5")
        try writeSortedFile(path, sampleIndex: Array(0..<8), points: 3, nanInSample: 6)
        let file = try FieldPairFile(path: path, inputKey: "a", targetKey: "u")
        // Stated behaviour: rows no split uses are not checked.
        #expect(try file.split(train: 4, validation: .count(0), test: 2).train.count == 4)
        do {
            _ = try file.split(train: 4, validation: .count(0), test: 3)
            Issue.record("expected an error")
        } catch let error as DatasetError {
            guard case .nonFinite(let errorPath, _) = error else { Issue.record("\(error)"); return }
            #expect(errorPath == path && error.description.contains("nan.h5"))
        }
    }
}
