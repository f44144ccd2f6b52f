import Foundation
import Testing
import PDEKit

/// End-to-end tests of `pdekit inspect` on the committed fixtures and on files made here.
@Suite struct InspectCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("datasets/fixtures")

    let cli = CommandLineTests()

    @Test func describesEveryFormat() throws {
        let npz = try cli.run(["inspect", Self.fixtures.appendingPathComponent("deeponet.npz").path])
        #expect(npz.status == 0, "\(npz.error)")
        #expect(npz.output.contains("NPZ, 8 arrays"))
        // X_train0 is the ramp 0.25 k, k = 0…19: min 0, max 4.75, mean 2.375.
        #expect(npz.output.contains("X_train0  float64  [5, 4]  min 0  max 4.75  mean 2.375"))
        #expect(npz.output.contains("X[1]"))
        let mat = try cli.run(["inspect", "--no-stats", Self.fixtures.appendingPathComponent("darcy_v5.mat").path])
        #expect(mat.status == 0 && mat.output.contains("MATLAB v5") && mat.output.contains("coeff  float64  [3, 5, 5]"))
        #expect(!mat.output.contains("min ") && mat.output.contains("notes  unsupported"))
        let v73 = try cli.run(["inspect", "--format", "json", Self.fixtures.appendingPathComponent("burgers_v73.mat").path])
        #expect(v73.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(v73.output.utf8)) as? [String: Any]
        let arrays = json?["arrays"] as? [[String: Any]]
        #expect(arrays?.first?["name"] as? String == "a" && arrays?.first?["shape"] as? [Int] == [4, 8])
        #expect(arrays?.first?["minimum"] as? Double == -2)
    }

    @Test func showsHDF5AttributesAndManifest() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-inspect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("darcy.h5").path
        try HDF5File.writeAtomically(to: path) { file in
            try file.writeDataset("inputs/coeff", try NumericArray(shape: [3, 2], storage: .float32([1, 2, 3, 4, 5, 6])),
                                  options: HDF5DatasetOptions(deflateLevel: 4, extendable: true))
            try file.setAttribute("units", .string("m/s"), on: "inputs/coeff")
            try DatasetManifest(pde: "darcy", parameters: ["contrast": 4], grid: [2], solver: "cholmod", seed: 9, sampleCount: 3).write(to: file)
        }
        let result = try cli.run(["inspect", path])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("inputs/coeff  float32  [3, 2]  min 1  max 6  mean 3.5"))
        #expect(result.output.contains("deflate") && result.output.contains("@units = \"m/s\""))
        #expect(result.output.contains("manifest: pde darcy, grid 2, solver cholmod, seed 9, 3 samples"))
    }

    @Test func malformedFilesEndWithOneErrorLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-inspect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let npz = try Data(contentsOf: Self.fixtures.appendingPathComponent("deeponet.npz"))
        let cut = directory.appendingPathComponent("cut.npz")
        try npz.prefix(300).write(to: cut)
        let text = directory.appendingPathComponent("notes.h5")
        try Data("just text".utf8).write(to: text)
        let hdf5 = try Data(contentsOf: Self.fixtures.appendingPathComponent("burgers_v73.mat"))
        let truncatedHDF5 = directory.appendingPathComponent("truncated.mat")
        try hdf5.prefix(1500).write(to: truncatedHDF5)
        for path in [cut.path, text.path, truncatedHDF5.path, directory.appendingPathComponent("absent.npy").path] {
            let result = try cli.run(["inspect", path])
            #expect(result.status == 1, "\(path): status \(result.status)")
            let lines = result.error.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("error: "), "\(path): \(result.error)")
        }
    }
}
