import TestSupport
import Foundation
import Testing
import PDEKit

/// `pdekit train fno --task next-step` end to end on a `generate navier-stokes` file (the run directory
/// with rollout.json holding one error per predicted step, selection on the validation rollout), on The
/// Well fixture directory (its split folders), and one `error:` line for files that cannot be trained on.
@Suite struct NextStepCommandTests {
    func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try CommandLineTests().run(arguments)
    }

    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("datasets/fixtures/collections/" + name).path
    }

    @Test func trainsOnNavierStokesAndWritesTheRolloutCurve() throws {
        guard CommandLineTests.executable != nil else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-next-step-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("ns.h5").path, output = directory.appendingPathComponent("run").path
        let generated = try run(["generate", "navier-stokes", "--samples", "6", "--resolution", "16", "--final-time", "0.6",
                                 "--record-interval", "0.1", "--time-step", "0.01", "--output", data, "--quiet"])
        #expect(generated.status == 0, "\(generated.error)")
        // The pair task refuses the time series (the message); next-step trains on it.
        let pairs = try run(["train", "fno", "--data", data, "--train", "4", "--test", "2", "--output", output, "--quiet"])
        #expect(pairs.status != 0 && pairs.error.contains("error:"))
        let result = try run(["train", "fno", "--task", "next-step", "--history", "2", "--data", data, "--train", "4", "--validation", "1",
                              "--test", "2", "--modes", "4", "--width", "8", "--layers", "2", "--epochs", "3", "--output", output, "--quiet"])
        #expect(result.status == 0, "\(result.error)")
        let summary = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        #expect(summary?["selected_on"] as? String == "validation_rollout" && summary?["rollout_steps"] as? Int == 4)
        let rollout = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output + "/rollout.json"))) as? [String: Any]
        let curve = rollout?["relative_l2_per_step"] as? [Double] ?? []
        #expect(curve.count == 4 && curve.allSatisfy { $0.isFinite && $0 > 0 })
        #expect(FileManager.default.fileExists(atPath: output + "/rollout.png") && FileManager.default.fileExists(atPath: output + "/best.safetensors"))
        // A history the trajectories cannot hold is one error line.
        let tooLong = try run(["train", "fno", "--task", "next-step", "--history", "6", "--data", data, "--train", "4", "--test", "2",
                               "--output", output + "-2", "--quiet"])
        #expect(tooLong.status != 0 && tooLong.error.split(separator: "\n").filter { $0.hasPrefix("error:") }.count == 1)
    }

    @Test func readsTheWellSplitsAndRefusesBadFiles() throws {
        guard CommandLineTests.executable != nil else { return }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-well-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try run(["train", "fno", "--task", "next-step", "--history", "2", "--data", Self.fixture("the_well/fixture_flow"),
                              "--train", "3", "--validation", "1", "--test", "2", "--modes", "1", "--width", "4", "--layers", "1",
                              "--epochs", "1", "--output", output, "--quiet"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("\"train_trajectories\":2") && result.output.contains("\"validation_trajectories\":1"))
        for (file, object) in [("the_well_bad/constant_with_time_axis.hdf5", "/t0_fields/density_bad"), ("pdebench_bad_cfd.hdf5", "/pressure")] {
            let bad = try run(["train", "fno", "--task", "next-step", "--history", "2", "--data", Self.fixture(file), "--train", "2",
                               "--test", "1", "--output", output + "-bad", "--quiet"])
            let lines = bad.error.split(separator: "\n").filter { $0.hasPrefix("error:") }
            #expect(bad.status != 0 && lines.count == 1 && lines.first?.contains(object) == true, "\(bad.error)")
        }
        let inspected = try run(["inspect", Self.fixture("the_well/fixture_flow")])
        #expect(inspected.status == 0 && inspected.output.contains("split valid: 1 file, 2 trajectories") && inspected.output.contains("velocity_x"))
    }
}
