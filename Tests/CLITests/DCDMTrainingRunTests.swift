import TestSupport
import Foundation
import Testing
import PDEKit

/// `pdekit dcdm train` on the training engine: a run continued from its checkpoint ends with the weights
/// and step losses of an uninterrupted run, a run of the pre-engine binary (`<output>.trainer.safetensors`)
/// resumes to the weights that binary's own --resume wrote, and a damaged checkpoint is one `error:` line.
@Suite struct DCDMTrainingRunTests {
    let cli = CommandLineTests()
    static let common = ["dcdm", "train", "--grid", "8", "--dimensions", "2", "--krylov-dimension", "12", "--batch-size", "3",
                         "--channels", "2", "--coarse-channels", "3", "--levels", "2", "--learning-rate", "3e-3", "--seed", "4",
                         "--checkpoint-every", "5"]

    /// The network's tensors, by name (metadata such as the running loss average is not compared).
    static func weights(_ path: String) throws -> [String: [UInt32]] {
        let archive = try SafetensorsArchive(contentsOf: URL(fileURLWithPath: path))
        var result: [String: [UInt32]] = [:]
        for name in archive.names { let t: Tensor<Float> = try archive.tensor(named: name); result[name] = t.scalars.map(\.bitPattern) }
        return result
    }

    static func losses(_ path: String) throws -> [Int: Double] {
        var result: [Int: Double] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            result[try #require(object["step"] as? Int)] = try #require(object["loss"] as? Double)
        }
        return result
    }

    @Test func resumedRunEqualsUninterruptedRunBitwise() throws {
        let directory = try makeScratchDirectory("dcdm-run")
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let whole = try cli.run(Self.common + ["--steps", "20", "--output", path("whole.safetensors"), "--log", path("whole.jsonl")])
        #expect(whole.status == 0, "\(whole.error)")
        #expect(try cli.run(Self.common + ["--steps", "10", "--output", path("parts.safetensors"), "--log", path("parts.jsonl")]).status == 0)
        // A kill after step 12 appended log lines past the step-10 checkpoint: the resume drops them.
        let partial = try String(contentsOfFile: path("parts.jsonl"), encoding: .utf8)
        try (partial + #"{"average_loss":9,"loss":9,"seconds":0,"step":11}"# + "\n").write(toFile: path("parts.jsonl"), atomically: true, encoding: .utf8)
        let resumed = try cli.run(Self.common + ["--steps", "20", "--output", path("parts.safetensors"), "--log", path("parts.jsonl"), "--resume"])
        #expect(resumed.status == 0 && resumed.error.contains("resuming from"), "\(resumed.error)")
        let a = try Self.weights(path("whole.safetensors")), b = try Self.weights(path("parts.safetensors"))
        #expect(!a.isEmpty && a == b, "the resumed run's weights differ from the uninterrupted run's")
        let lossesA = try Self.losses(path("whole.jsonl")), lossesB = try Self.losses(path("parts.jsonl"))
        #expect(lossesA.count == 20 && lossesA == lossesB, "\(lossesA.sorted { $0.key < $1.key }) vs \(lossesB.sorted { $0.key < $1.key })")
        let allFinite = lossesA.values.allSatisfy { $0.isFinite }
        #expect(allFinite)
        // The one checkpoint format: Adam's state under optimizer.m./optimizer.v., 20 steps, the batch stream's position.
        let checkpoint = try SafetensorsArchive(contentsOf: URL(fileURLWithPath: path("parts.training/checkpoint.safetensors")))
        #expect(checkpoint.metadata["training.epoch"] == "20" && checkpoint.metadata["optimizer.step"] == "20")
        #expect(checkpoint.names.contains { $0.hasPrefix("optimizer.m.") } && checkpoint.metadata["dcdm.generator"] != nil)
        // The model file is what `solve --method dcdm` loads: the network alone.
        #expect(try DCDMNetwork.load(from: URL(fileURLWithPath: path("parts.safetensors"))).metadata["steps"] == "20")
        // Nothing left to do is not an error.
        let again = try cli.run(Self.common + ["--steps", "20", "--output", path("parts.safetensors"), "--resume"])
        let weightsAgain = try Self.weights(path("parts.safetensors"))
        #expect(again.status == 0 && weightsAgain == a, "\(again.error)")
    }

    /// The fixture's 10-step run of the pre-engine binary resumes to 20 steps with exactly the weights that
    /// binary's own --resume wrote (it drew the remaining batches from a seed offset by the completed steps).
    @Test func preEngineRunResumesToTheOldBinarysWeights() throws {
        let directory = try makeScratchDirectory("dcdm-run")
        defer { try? FileManager.default.removeItem(at: directory) }
        let fixtures = OldCheckpointTests.fixtures.appendingPathComponent("dcdm")
        for name in ["model.safetensors", "model.trainer.safetensors"] {
            try FileManager.default.copyItem(at: fixtures.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        let model = directory.appendingPathComponent("model.safetensors").path
        let result = try cli.run(Self.common + ["--steps", "20", "--output", model, "--resume"])
        #expect(result.status == 0, "\(result.error)")
        let expected = try Self.weights(fixtures.appendingPathComponent("resumed-20.safetensors").path)
        let resumed = try Self.weights(model)
        #expect(!expected.isEmpty && resumed == expected)
    }

    /// A pre-engine state whose `completed_steps` (and the model's `steps`, so that they match) were set
    /// to −5 is one error line, not a trap converting the count to the seed offset.
    @Test func negativeCompletedStepsInThePreEngineStateIsOneErrorLine() throws {
        let directory = try makeScratchDirectory("dcdm-run")
        defer { try? FileManager.default.removeItem(at: directory) }
        let fixtures = OldCheckpointTests.fixtures.appendingPathComponent("dcdm")
        for (name, key) in [("model.safetensors", "steps"), ("model.trainer.safetensors", "completed_steps")] {
            var archive = try SafetensorsArchive(contentsOf: fixtures.appendingPathComponent(name))
            #expect(archive.metadata[key] == "10")
            archive.metadata[key] = "-5"
            try archive.write(to: directory.appendingPathComponent(name))
        }
        let result = try cli.run(Self.common + ["--steps", "20", "--output", directory.appendingPathComponent("model.safetensors").path, "--resume"])
        let errors = result.error.split(separator: "\n").filter { $0.contains("error") }
        #expect(result.status == 1 && errors.count == 1 && errors[0].hasPrefix("error:") && errors[0].contains("completed_steps"), "\(result.error)")
    }

    @Test func damagedCheckpointIsOneErrorLine() throws {
        let directory = try makeScratchDirectory("dcdm-run")
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = directory.appendingPathComponent("m.safetensors").path
        #expect(try cli.run(Self.common + ["--steps", "5", "--output", model]).status == 0)
        let checkpoint = directory.appendingPathComponent("m.training/checkpoint.safetensors")
        var archive = try SafetensorsArchive(contentsOf: checkpoint)
        archive.metadata["dcdm.generator"] = "0,0,0,0"
        try archive.write(to: checkpoint)
        let zeroState = try cli.run(Self.common + ["--steps", "10", "--output", model, "--resume"])
        let garbage = Data("garbage".utf8)
        try garbage.write(to: checkpoint)
        let unreadable = try cli.run(Self.common + ["--steps", "10", "--output", model, "--resume"])
        for (result, needle) in [(zeroState, "dcdm.generator"), (unreadable, "checkpoint")] {
            let errors = result.error.split(separator: "\n").filter { $0.contains("error") }
            #expect(result.status == 1 && errors.count == 1 && errors[0].hasPrefix("error:") && errors[0].contains(needle), "\(result.error)")
        }
        #expect(try Data(contentsOf: checkpoint) == garbage)
    }

    /// A learning rate that makes the loss non-finite ends the run with one error line naming the step.
    @Test func nonFiniteLossIsAnError() throws {
        let directory = try makeScratchDirectory("dcdm-run")
        defer { try? FileManager.default.removeItem(at: directory) }
        var arguments = Self.common
        arguments[arguments.firstIndex(of: "3e-3")!] = "1e30"
        let result = try cli.run(arguments + ["--steps", "30", "--output", directory.appendingPathComponent("m.safetensors").path])
        #expect(result.status == 1 && result.error.contains("error: the loss or its gradient became NaN or infinite at step"), "\(result.error)")
    }
}
