import Foundation
import Testing
import TestSupport
import TensorCore
import AutoDiff
import NeuralLayers
import NeuralOperators
import Training

/// The training engine: verified checkpoint loading (nothing changes before every check passed), the
/// reconciliation of a run directory left by a kill, divergence as a typed error, and the loader of
/// `evaluate` and the C API refusing malformed normalizers and absurd configurations.
@Suite struct TrainingLoopTests {

    func freshModel(seed: UInt64 = 21) throws -> FourierNeuralOperator<Float> {
        var generator = SeededRandomNumberGenerator(seed: seed)
        return try FourierNeuralOperator<Float>(TrainerTests.smallModel, generator: &generator)
    }

    /// A two-epoch run of four; returns its directory and data.
    func interruptedRun() throws -> (URL, FieldPairs, FieldPairs, TrainingConfiguration) {
        let train = try TrainerTests.antiderivative(count: 8, points: 16, seed: 22), validation = try TrainerTests.antiderivative(count: 3, points: 16, seed: 23)
        let configuration = TrainingConfiguration(epochs: 4, batchSize: 4, learningRate: 5e-3, schedule: .constant)
        let run = try makeScratchDirectory("loop")
        try Trainer(model: try freshModel(), configuration: configuration, train: train, validation: validation, outputDirectory: run).run(stopAfterEpoch: 2)
        return (run, train, validation, configuration)
    }

    /// Rewrites one metadata entry of the run's checkpoint.
    func corrupt(_ run: URL, _ key: String, _ value: String?) throws {
        let url = run.appendingPathComponent("checkpoint.safetensors")
        var archive = try SafetensorsArchive(contentsOf: url)
        archive.metadata[key] = value
        try archive.write(to: url)
    }

    @Test(arguments: [("training.epoch", "-5"), ("training.epoch", "9"), ("training.epoch", "x"), ("optimizer.step", String(Int.max)),
                      ("optimizer.step", "-1"), ("optimizer.step", "1000"), ("training.best_epoch", "7"), ("training.best_l2", "nan")])
    func corruptCheckpointCountersAreTypedErrorsAndChangeNothing(_ key: String, _ value: String) throws {
        let (run, train, validation, configuration) = try interruptedRun()
        defer { try? FileManager.default.removeItem(at: run) }
        try corrupt(run, key, value)
        let model = try freshModel(seed: 99)
        let before = model.namedParameters.map(\.parameter.value)
        let trainer = try Trainer(model: model, configuration: configuration, train: train, validation: validation, outputDirectory: run)
        #expect(throws: TrainingError.self) { try trainer.run(resume: true) }
        #expect(model.namedParameters.map(\.parameter.value) == before, "a refused checkpoint changed the weights")
    }

    @Test func nonFiniteOptimizerStateOrWeightsAreRefused() throws {
        let (run, train, validation, configuration) = try interruptedRun()
        defer { try? FileManager.default.removeItem(at: run) }
        let url = run.appendingPathComponent("checkpoint.safetensors")
        var archive = try SafetensorsArchive(contentsOf: url)
        let name = try #require(archive.names.first { $0.hasPrefix("optimizer.v.") })
        var v: Tensor<Float> = try archive.tensor(named: name)
        v.scalars[0] = .nan
        archive.add(v, named: name)
        try archive.write(to: url)
        #expect(throws: TrainingError.self) {
            try Trainer(model: try freshModel(), configuration: configuration, train: train, validation: validation, outputDirectory: run).run(resume: true)
        }
    }

    /// A kill after the epoch's metrics and best were written but before its checkpoint: the resumed run
    /// drops the records past the checkpoint, discards the pending best, and ends with one record per
    /// epoch and a best file holding the best epoch's weights.
    @Test func resumeReconcilesWritesPastTheCheckpoint() throws {
        let (run, train, validation, configuration) = try interruptedRun()
        defer { try? FileManager.default.removeItem(at: run) }
        let metrics = run.appendingPathComponent("metrics.jsonl")
        var text = try String(contentsOf: metrics, encoding: .utf8)
        text += #"{"epoch":2,"learningRate":1,"seconds":0,"selection":0.5,"trainLoss":9,"validationRelativeL2":0.5}"# + "\n"
        try text.write(to: metrics, atomically: false, encoding: .utf8)
        var pending = try SafetensorsArchive(contentsOf: run.appendingPathComponent("best.safetensors"))
        pending.metadata["training.model_epoch"] = "2"
        try pending.write(to: run.appendingPathComponent("best-pending.safetensors"))
        try Data([1, 2, 3]).write(to: run.appendingPathComponent(".checkpoint.safetensors.partial-1-2"))
        let summary = try Trainer(model: try freshModel(), configuration: configuration, train: train, validation: validation,
                                  outputDirectory: run).run(resume: true)
        let records = MetricsLogObserver.read(metrics)
        #expect(records.map(\.epoch) == [0, 1, 2, 3])
        #expect(records[2].trainLoss != 9)
        let names = try FileManager.default.contentsOfDirectory(atPath: run.path)
        #expect(!names.contains { $0.contains(".partial-") || $0.contains("pending") }, "\(names)")
        let best = try SafetensorsArchive(contentsOf: run.appendingPathComponent("best.safetensors"))
        #expect(best.metadata["training.model_epoch"] == String(summary.bestEpoch))
        let checkpoint = try SafetensorsArchive(contentsOf: run.appendingPathComponent("checkpoint.safetensors"))
        #expect(checkpoint.metadata["training.best_epoch"] == String(summary.bestEpoch))
        // The best file's validation error is the one logged for the best epoch.
        let (chosen, _) = try TrainedModel.load(from: run.appendingPathComponent("best.safetensors"))
        let error = try chosen.evaluate(validation).relativeL2
        let logged = try #require(records[summary.bestEpoch].validationRelativeL2)
        #expect(abs(error - logged) <= 1e-6 * logged, "best file \(error), log \(logged)")
    }

    /// Early stopping on one rank, where rank 0's broadcast selection error is the rank's own: a learning
    /// rate too small to move a Float weight leaves the validation error exactly that of the first
    /// epoch, so with a patience of 2 the run stops after its third epoch with the first as the best.
    @Test func earlyStoppingOnOneRankStopsAfterPatienceEpochsWithoutImprovement() throws {
        let train = try TrainerTests.antiderivative(count: 8, points: 16, seed: 25), validation = try TrainerTests.antiderivative(count: 3, points: 16, seed: 26)
        let configuration = TrainingConfiguration(epochs: 10, batchSize: 4, learningRate: 1e-30, schedule: .constant, earlyStoppingPatience: 2)
        let run = try makeScratchDirectory("loop")
        defer { try? FileManager.default.removeItem(at: run) }
        let summary = try Trainer(model: try freshModel(), configuration: configuration, train: train, validation: validation, outputDirectory: run).run()
        let selections = summary.history.map(\.selection)
        #expect(selections.allSatisfy { $0.isFinite && $0 == selections.first }, "\(selections)")
        #expect(summary.stoppedEarly && summary.bestEpoch == 0 && summary.history.map(\.epoch) == [0, 1, 2], "\(summary.history.map(\.epoch))")
        // The run directory's commit point agrees: 3 epochs done, the first the best.
        let checkpoint = try SafetensorsArchive(contentsOf: run.appendingPathComponent("checkpoint.safetensors"))
        #expect(checkpoint.metadata["training.epoch"] == "3" && checkpoint.metadata["training.best_epoch"] == "0")
    }

    @Test func nonFiniteLossIsDivergence() throws {
        let train = try TrainerTests.antiderivative(count: 8, points: 16, seed: 24)
        let configuration = TrainingConfiguration(epochs: 3, batchSize: 4, learningRate: 1e30, weightDecay: 0, schedule: .constant, normalize: false)
        let trainer = try Trainer(model: try freshModel(), configuration: configuration, train: train, validation: nil)
        #expect { try trainer.run() } throws: { error in
            guard let error = error as? TrainingError else { return false }
            switch error { case .divergence, .nonFinite: return true; default: return false }
        }
    }

    @Test func loaderRefusesBadNormalizersAndAbsurdConfigurations() throws {
        let (run, _, validation, _) = try interruptedRun()
        defer { try? FileManager.default.removeItem(at: run) }
        let good = run.appendingPathComponent("checkpoint.safetensors"), bad = run.appendingPathComponent("bad.safetensors")
        let original = try SafetensorsArchive(contentsOf: good)
        #expect(try TrainedModel.load(from: good).0.evaluate(validation).relativeL2.isFinite)
        var rank = original
        rank.add(Tensor<Float>.zeros([16]), named: "normalizer.input.mean")
        try rank.write(to: bad)
        #expect(throws: TrainingError.self) { try TrainedModel.load(from: bad) }
        var channels = original
        channels.add(Tensor<Float>.zeros([1, 2, 16]), named: "normalizer.target.mean")
        channels.add(Tensor<Float>.zeros([1, 2, 16]), named: "normalizer.target.std")
        try channels.write(to: bad)
        #expect(throws: TrainingError.self) { try TrainedModel.load(from: bad) }
        // Int.max channels or layers: the bound's sums overflowed (a trap in `evaluate`, file fuzz seed 23).
        for (field, value) in [("width", 100_000), ("layerCount", 1_000_000), ("modes", 1_000_000), ("inputChannels", Int.max),
                               ("outputChannels", Int.max), ("layerCount", Int.max), ("projectionChannels", Int.max)] {
            var absurd = original
            var configuration = try JSONSerialization.jsonObject(with: Data(original.metadata["pdekit.fno.configuration"]!.utf8)) as! [String: Any]
            configuration[field] = field == "modes" ? [value] : value
            absurd.metadata["pdekit.fno.configuration"] = String(decoding: try JSONSerialization.data(withJSONObject: configuration), as: UTF8.self)
            try absurd.write(to: bad)
            #expect(throws: TrainingError.self, "\(field) \(value)") { try TrainedModel.load(from: bad) }
        }
    }
}
