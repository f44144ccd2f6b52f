import TestSupport
import Foundation
import Testing
import PDEKit

/// `pdekit train deeponet --validation/--resume`: the validation rows are held out of the training rows
/// (disjoint from the training and test rows), a run continued from its checkpoint reproduces an
/// uninterrupted run bit for bit, and a damaged or foreign checkpoint is one `error:` line.
@Suite struct DeepONetValidationResumeTests {
    let cli = CommandLineTests()

    /// Rows whose branch values name them (row i is constant i): after `load` (train/test split of one file)
    /// and `heldOut`, the branch values of the training, validation and test rows are disjoint and cover
    /// the file; the validation rows are the last of the training rows. Aligned and triplet data.
    @Test(arguments: [true, false]) func validationRowsAreDisjointFromTrainingAndTestRows(_ aligned: Bool) throws {
        let directory = try makeScratchDirectory("deeponet-resume")
        defer { try? FileManager.default.removeItem(at: directory) }
        let rows = 20, sensors = 4, npz = directory.appendingPathComponent("rows.npz").path
        let branch = try NumericArray(shape: [rows, sensors], storage: .float64((0..<rows * sensors).map { Double($0 / sensors) }))
        let trunk = try NumericArray(shape: aligned ? [3, 1] : [rows, 1], storage: .float64((0..<(aligned ? 3 : rows)).map { Double($0) / 10 }))
        let target = try NumericArray(shape: aligned ? [rows, 3] : [rows, 1], storage: .float64((0..<(aligned ? rows * 3 : rows)).map { Double($0) }))
        try NPZFile.write([("X_train0", branch), ("X_train1", trunk), ("y_train", target)], to: npz)
        let (loaded, test) = try BranchTrunkData.load(data: npz, train: 14, test: 6, order: .file)
        let (train, validation) = try DeepONetTrainingTask<Double>.heldOut(loaded, validationCount: 4)
        func ids(_ data: BranchTrunkData<Double>?) -> [Int] {
            guard let data else { return [] }
            return (0..<data.count).map { Int(data.branch.scalars[$0 * sensors]) }
        }
        #expect(ids(train) == Array(0..<10) && ids(validation) == Array(10..<14) && ids(test) == Array(14..<20))
        #expect(Set(ids(train)).isDisjoint(with: ids(validation)) && Set(ids(train) + ids(validation)).isDisjoint(with: ids(test)))
        #expect(validation?.aligned == aligned && validation?.trunk.shape[0] == (aligned ? 3 : 4))
        #expect(try DeepONetTrainingTask<Double>.heldOut(loaded, validationCount: 0).validation == nil)
        #expect(throws: TrainingError.self) { try DeepONetTrainingTask<Double>.heldOut(loaded, validationCount: 14) }
        #expect(throws: TrainingError.self) { try DeepONetTrainingTask<Double>.heldOut(loaded, validationCount: -1) }

        // The CLI reports the same counts, and --validation that leaves no training row is one error line.
        let run = try cli.run(["train", "deeponet", "--data", npz, "--train", "14", "--test", "6", "--validation", "4", "--iterations", "2",
                               "--log-every", "1", "--sample-order", "file"])
        #expect(run.status == 0, "\(run.error)")
        let summary = try DeepONetCommandTests.summary(run.output)
        #expect(summary["train_samples"] as? Int == 10 && summary["validation_samples"] as? Int == 4 && summary["test_samples"] as? Int == 6)
        #expect(summary["kept"] as? String == "best-validation" && (summary["best_validation_relative_l2"] as? Double)?.isFinite == true)
        let refused = try cli.run(["train", "deeponet", "--data", npz, "--train", "14", "--validation", "14", "--iterations", "1"])
        #expect(refused.status == 1 && refused.error.hasPrefix("error:") && refused.error.contains("--validation 14"), "\(refused.error)")
    }

    /// 48 mini-batch steps (36 training rows, batches of 12, shuffled) in one run, and as 24 steps then a
    /// resume to 48: the checkpoints (weights, Adam moments and step), the per-evaluation training losses and
    /// validation errors, the logged test errors and the reported test error are bitwise equal.
    @Test func resumedRunEqualsUninterruptedRunBitwise() throws {
        let directory = try makeScratchDirectory("deeponet-resume")
        defer { try? FileManager.default.removeItem(at: directory) }
        let npz = directory.appendingPathComponent("anti.npz").path
        #expect(try cli.run(["generate", "antiderivative", "--samples", "40", "--test-samples", "20", "--seed", "7", "--output", npz]).status == 0)
        let whole = directory.appendingPathComponent("whole").path, parts = directory.appendingPathComponent("parts").path
        let common = ["train", "deeponet", "--data", npz, "--batch-size", "12", "--log-every", "12", "--seed", "2", "--learning-rate", "3e-3"]
        let uninterrupted = try cli.run(common + ["--iterations", "48", "--output", whole])
        #expect(uninterrupted.status == 0, "\(uninterrupted.error)")
        #expect(try cli.run(common + ["--iterations", "24", "--output", parts]).status == 0)
        let resumed = try cli.run(common + ["--iterations", "48", "--output", parts, "--resume"])
        #expect(resumed.status == 0, "\(resumed.error)")
        let a = try DeepONetCommandTests.summary(uninterrupted.output), b = try DeepONetCommandTests.summary(resumed.output)
        #expect(b["resumed_at_step"] as? Int == 24 && a["resumed_at_step"] as? Int == 0)
        for key in ["test_relative_l2", "test_relative_l2_last_step", "final_train_loss", "best_validation_relative_l2", "kept_step"] {
            #expect(a[key] as? Double != nil && a[key] as? Double == b[key] as? Double, "\(key): \(a[key] ?? "-") vs \(b[key] ?? "-")")
        }
        let first = try SafetensorsArchive(contentsOf: URL(fileURLWithPath: whole + "/checkpoint.safetensors"))
        let second = try SafetensorsArchive(contentsOf: URL(fileURLWithPath: parts + "/checkpoint.safetensors"))
        #expect(first.names.sorted() == second.names.sorted() && first.names.contains { $0.hasPrefix("optimizer.m.") })
        for name in first.names {
            let x: Tensor<Float> = try first.tensor(named: name), y: Tensor<Float> = try second.tensor(named: name)
            #expect(x.shape == y.shape && zip(x.scalars, y.scalars).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(name) differs")
        }
        #expect(first.metadata["optimizer.step"] == "48" && second.metadata["optimizer.step"] == "48")
        func lines(_ path: String) throws -> [[String: Any]] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
                .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
        let metricsA = try lines(whole + "/metrics.jsonl"), metricsB = try lines(parts + "/metrics.jsonl")
        #expect(metricsA.map { $0["epoch"] as? Int } == [3, 7, 11, 15] && metricsB.map { $0["epoch"] as? Int } == [3, 7, 11, 15])
        for (x, y) in zip(metricsA, metricsB) {
            #expect(x["trainLoss"] as? Double == y["trainLoss"] as? Double && x["validationRelativeL2"] as? Double == y["validationRelativeL2"] as? Double,
                    "epoch \(x["epoch"] ?? "-"): \(x) vs \(y)")
        }
        let stepsA = try lines(whole + "/steps.jsonl"), stepsB = try lines(parts + "/steps.jsonl")
        #expect(stepsA.map { $0["step"] as? Int } == [12, 24, 36, 48] && stepsB.map { $0["step"] as? Int } == [12, 24, 36, 48])
        #expect(stepsA.map { $0["test_relative_l2"] as? Double } == stepsB.map { $0["test_relative_l2"] as? Double })
        // The untrained first loss differs from the trained last one (the runs did train).
        #expect((metricsA.last?["trainLoss"] as? Double ?? 1) < (metricsA.first?["trainLoss"] as? Double ?? 0))
    }

    /// A checkpoint that is garbage, truncated, or written for another network: one `error:` line naming
    /// the checkpoint, exit status 1, and the checkpoint file is left as it was.
    @Test func damagedOrForeignCheckpointIsOneErrorLine() throws {
        let directory = try makeScratchDirectory("deeponet-resume")
        defer { try? FileManager.default.removeItem(at: directory) }
        let npz = directory.appendingPathComponent("anti.npz").path, run = directory.appendingPathComponent("run").path
        #expect(try cli.run(["generate", "antiderivative", "--samples", "20", "--test-samples", "5", "--seed", "3", "--output", npz]).status == 0)
        let common = ["train", "deeponet", "--data", npz, "--iterations", "4", "--log-every", "2", "--output", run]
        #expect(try cli.run(common).status == 0)
        let checkpoint = URL(fileURLWithPath: run + "/checkpoint.safetensors")
        let good = try Data(contentsOf: checkpoint)
        let cases: [(Data, [String], String)] = [
            (Data("not a safetensors file".utf8), [], "checkpoint"),
            (good.prefix(good.count / 2), [], "checkpoint"),
            (good, ["--branch", "100,30,40"], "another DeepONet"),
        ]
        for (bytes, flags, needle) in cases {
            try bytes.write(to: checkpoint)
            let result = try cli.run(common + ["--iterations", "8", "--resume"] + flags)
            let lines = result.error.split(separator: "\n").filter { !$0.hasPrefix("deeponet:") }
            #expect(result.status == 1 && lines.count == 1 && lines.first?.hasPrefix("error:") == true && result.error.contains(needle),
                    "\(flags): status \(result.status), \(result.error)")
            #expect(try Data(contentsOf: checkpoint) == bytes)
        }
        // Other validation rows, same network and (unnormalised) data: the data fingerprint refuses it.
        let raw = directory.appendingPathComponent("raw").path
        #expect(try cli.run(common.dropLast(2) + ["--output", raw, "--no-normalize"]).status == 0)
        let otherRows = try cli.run(common.dropLast(2) + ["--output", raw, "--no-normalize", "--iterations", "8", "--resume", "--validation", "3"])
        #expect(otherRows.status == 1 && otherRows.error.contains("error: checkpoint:") && otherRows.error.contains("other samples"), "\(otherRows.error)")
        let noOutput = try cli.run(["train", "deeponet", "--data", npz, "--resume"])
        #expect(noOutput.status != 0 && noOutput.status < 128 && noOutput.error.contains("--output"))
    }
}
