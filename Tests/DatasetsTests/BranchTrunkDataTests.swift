import Foundation
import Testing
import TensorCore
import Datasets

/// DeepONet data read from NumPy's `deeponet.npz` (DeepXDE's names) and from FNO-style fields
/// whose grid becomes the trunk points, and the train/test cut.
@Suite struct BranchTrunkDataTests {
    @Test func readsDeepXDELayoutsFromANumPyArchive() throws {
        // X_train0 [5, 4] = 0.25 k, X_train1 [4, 1] = 0.1 k (float32), y_train [5, 4] = 3 − k.
        let data = try BranchTrunkData.read(Fixtures.path("deeponet.npz"))
        #expect(data.aligned && data.outputCount == 1 && data.count == 5)
        #expect(data.branch.shape == [5, 4] && data.branch.scalars == Fixtures.ramp(20, scale: 0.25))
        #expect(data.trunk.shape == [4, 1] && data.trunk.scalars == Fixtures.ramp(4, scale: 0.1).map { Double(Float($0)) })
        #expect(data.target.scalars == Fixtures.ramp(20, scale: -1, offset: 3))
        // The first 3 functions train, the rest test (no sample_index: stored order).
        let (train, test) = try BranchTrunkData.load(data: Fixtures.path("deeponet.npz"), train: 3)
        #expect(train.branch.scalars == Array(data.branch.scalars[0..<12]) && test.branch.scalars == Array(data.branch.scalars[12..<20]))
        #expect(train.trunk == data.trunk && test.trunk == data.trunk)
        #expect(throws: DatasetError.self) { try BranchTrunkData.load(data: Fixtures.path("deeponet.npz"), train: 4, test: 2) }
        #expect(throws: DatasetError.self) { try BranchTrunkData.read(Fixtures.path("darcy_v5.mat")) }
    }

    @Test func fieldGridsBecomeTrunkPoints() throws {
        // coeff/sol [3, 5, 5]: 25 points of the unit square, row-major, both ends.
        let data = try BranchTrunkData.read(Fixtures.path("darcy_v5.mat"), keys: BranchTrunkKeys(branch: "coeff", trunk: nil, target: "sol"))
        #expect(data.aligned && data.branch.shape == [3, 25] && data.trunk.shape == [25, 2] && data.target.shape == [3, 25])
        #expect(Array(data.trunk.scalars[(7 * 2)..<(7 * 2 + 2)]) == [0.25, 0.5], "point 7 = row 1, column 2")
        #expect(data.target.scalars[26] == Double(Float(-0.02 * 26)))
    }

    @Test func emptyTrunkPointsAndOverflowingSplitsAreTypedErrors() throws {
        // Zero trunk points would make every per-point mean a division by zero in training.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("empty-trunk-\(UUID().uuidString).npz").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try NPZFile.write([
            (name: "X_train0", array: try NumericArray(shape: [3, 4], storage: .float64(Array(repeating: 1, count: 12)))),
            (name: "X_train1", array: try NumericArray(shape: [0, 1], storage: .float64([]))),
            (name: "y_train", array: try NumericArray(shape: [3, 0], storage: .float64([]))),
        ], to: path)
        do {
            _ = try BranchTrunkData.read(path)
            Issue.record("an empty trunk was accepted")
        } catch let error as DatasetError {
            #expect(String(describing: error).contains("empty"), "\(error)")
        }
        // --train 2^63-1 with --test 2 must not overflow train + test.
        #expect(throws: DatasetError.self) { try BranchTrunkData.load(data: Fixtures.path("deeponet.npz"), train: .max, test: 2) }
        #expect(throws: DatasetError.self) { try BranchTrunkData.load(data: Fixtures.path("deeponet.npz"), train: 2, test: .max) }
    }
}
