import Foundation
import Testing
import PDEKit

/// Checkpoints written before the training engine (`Tests/Fixtures/old-checkpoints`, made by its
/// `make-fixtures.sh` with the pre-change binary) still load and predict what the old binary reported:
/// `evaluate` gives the old relative L2 and H1 errors, the old DeepONet file gives the old test error,
/// and an old FNO checkpoint (optimizer state in the `optimizer.m.<path>` form) resumes.
@Suite struct OldCheckpointTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/old-checkpoints")

    let cli = CommandLineTests()

    /// The JSON lines the old binary's `evaluate` printed, keyed by the checkpoint it read.
    static func expected() throws -> [String: [String: Any]] {
        let text = try String(contentsOf: fixtures.appendingPathComponent("expected.jsonl"), encoding: .utf8)
        var result: [String: [String: Any]] = [:]
        for line in text.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            result[try #require(object["run"] as? String)] = object
        }
        return result
    }

    static func lastJSON(_ output: String) throws -> [String: Any] {
        let line = output.split(separator: "\n").last { $0.hasPrefix("{") } ?? ""
        return try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
    }

    /// |a − b| ≤ tolerance·|b|, false for NaN.
    static func close(_ a: Double?, _ b: Double?, tolerance: Double = 1e-6) -> Bool {
        guard let a, let b, a.isFinite, b.isFinite else { return false }
        return abs(a - b) <= tolerance * abs(b)
    }

    @Test(arguments: ["fno/checkpoint", "fno/best", "mgno/checkpoint", "mgno/best"])
    func evaluateReproducesTheOldErrors(_ name: String) throws {
        let expected = try #require(try Self.expected()[name + ".safetensors"])
        let plots = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-old-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: plots) }
        let result = try cli.run(["evaluate", Self.fixtures.appendingPathComponent(name + ".safetensors").path,
                                  "--data", Self.fixtures.appendingPathComponent("darcy17.h5").path, "--samples", "10",
                                  "--plots", plots.path])
        #expect(result.status == 0, "\(result.error)")
        let now = try Self.lastJSON(result.output)
        #expect(Self.close(now["relative_l2"] as? Double, expected["relative_l2"] as? Double), "\(now) vs \(expected)")
        #expect(Self.close(now["relative_h1"] as? Double, expected["relative_h1"] as? Double), "\(now) vs \(expected)")
    }

    @Test func oldDeepONetFileGivesTheOldTestError() throws {
        let archive = try SafetensorsArchive(contentsOf: Self.fixtures.appendingPathComponent("deeponet/model.safetensors"))
        let model = try DeepONet<Float>(archive: archive)
        let arrays = Dictionary(uniqueKeysWithValues: try NPZFile.read(Self.fixtures.appendingPathComponent("anti.npz").path).map { ($0.name, $0.array) })
        let branch = try #require(arrays["X_test0"]), trunk = try #require(arrays["X_test1"]), target = try #require(arrays["y_test"])
        let prediction = model.predict(branchInput: try Tensor(shape: branch.shape, scalars: branch.doubleValues.map { Float($0) }),
                                       trunkInput: try Tensor(shape: trunk.shape, scalars: trunk.doubleValues.map { Float($0) }))
        let error = DeepONet<Float>.meanRelativeL2(prediction: prediction,
                                                   target: try Tensor(shape: target.shape, scalars: target.doubleValues.map { Float($0) }))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixtures.appendingPathComponent("deeponet/summary.json"))) as? [String: Any])
        #expect(Self.close(error, summary["test_relative_l2"] as? Double), "\(error) vs \(summary)")
    }

    @Test func oldCheckpointResumes() throws {
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-old-resume-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: run) }
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("fno"), to: run)
        // The old run: --train 30 --test 10 (no validation split then): resume with the same samples for training.
        let result = try cli.run(["train", "fno", "--data", Self.fixtures.appendingPathComponent("darcy17.h5").path,
                                  "--train", "30", "--test", "10", "--validation", "0", "--epochs", "3", "--modes", "4", "--width", "8",
                                  "--layers", "2", "--batch-size", "10", "--output", run.path, "--resume", "--quiet"])
        #expect(result.status == 0, "\(result.error)")
        let metrics = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(metrics.count == 3)
    }
}
