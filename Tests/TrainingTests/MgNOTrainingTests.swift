import Foundation
import Testing
import TestSupport
import TensorCore
import AutoDiff
import NeuralLayers
import NeuralOperators
import Training

/// The trainer generic over the model: MgNO learns a known operator, checkpoints round-trip and
/// resume exactly (Adam's state read out and restored), the one-cycle schedule drives the epochs.
@Suite struct MgNOTrainingTests {
    static let tiny = MgNOConfiguration(spatialDimensions: 1, channels: 8, layers: 2, levels: 3, smoothingSteps: [1, 1, 2],
                                        paddingMode: .circular)

    static func model(seed: UInt64 = 3, configuration: MgNOConfiguration = tiny) throws -> MgNO<Float> {
        var generator = SeededRandomNumberGenerator(seed: seed)
        return try MgNO<Float>(configuration: configuration, generator: &generator)
    }

    /// Periodic antiderivative (exact on the grid; see TrainerTests): a linear, translation-invariant
    /// map, which a circular-padded V-cycle can represent.
    @Test func learnsTheAntiderivative() throws {
        let train = try TrainerTests.antiderivative(count: 48, points: 32, seed: 1)
        let test = try TrainerTests.antiderivative(count: 16, points: 32, seed: 2)
        let configuration = TrainingConfiguration(epochs: 40, batchSize: 8, learningRate: 1e-2, weightDecay: 0,
                                                  schedule: .oneCycle(totalSteps: 40, warmupFraction: 0.2, divFactor: 10, finalDivFactor: 100))
        // Four levels (coarsest grid 4 points): the antiderivative is a global operator.
        let global = MgNOConfiguration(spatialDimensions: 1, channels: 8, layers: 2, levels: 4, smoothingSteps: [1, 1, 1, 2],
                                       paddingMode: .circular)
        let trainer = try Trainer(model: try Self.model(configuration: global), configuration: configuration, train: train, validation: test)
        let summary = try trainer.run()
        #expect(summary.history.count == 40)
        #expect(summary.history.last!.trainLoss < summary.history.first!.trainLoss / 5)
        #expect(summary.bestValidationRelativeL2 < 0.05, "best validation relative L2 \(summary.bestValidationRelativeL2)")
        // The learning rate of every epoch is the one-cycle value: lr/10 at epoch 0, the peak after
        // 20% of the epochs, lr/1000 at the end of the cosine decay.
        let rates = summary.history.map(\.learningRate)
        #expect(abs(rates[0] - 1e-3) < 1e-12)
        #expect(abs(rates[8] - 1e-2) < 1e-12)
        #expect(rates[39] > 1e-5 && rates[39] < 1e-4)
        #expect(zip(rates[8...], rates[9...]).allSatisfy { $0 > $1 })
    }

    @Test func checkpointRoundTripGivesIdenticalPredictions() throws {
        let train = try TrainerTests.antiderivative(count: 8, points: 24, seed: 4), test = try TrainerTests.antiderivative(count: 4, points: 24, seed: 5)
        let directory = try makeScratchDirectory("mgno-trainer")
        defer { try? FileManager.default.removeItem(at: directory) }
        // 24 points with 3 levels: padded to 24 (divisible by 4), and a non-divisible grid below.
        let trainer = try Trainer(model: try Self.model(), configuration: TrainingConfiguration(epochs: 2, batchSize: 4, learningRate: 3e-3),
                                  train: train, validation: test, outputDirectory: directory)
        try trainer.run()
        for file in ["checkpoint.safetensors", "best.safetensors"] {
            let (loaded, archive) = try TrainedModel.load(from: directory.appendingPathComponent(file))
            #expect(loaded.kind == .mgno && loaded.mgno?.configuration == Self.tiny && loaded.fno == nil)
            #expect(archive.metadata[TrainedModel.modelKindKey] == "mgno")
            #expect(loaded.trainingGrid == [24])
            if file == "checkpoint.safetensors" {
                #expect(try loaded.predict(test.inputs) == trainer.trainedModel.predict(test.inputs))
                let a = try loaded.evaluate(test), b = try trainer.trainedModel.evaluate(test)
                #expect(a.relativeL2 == b.relativeL2 && a.relativeH1 == b.relativeH1)
            }
        }
        let configuration = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("configuration.json"))) as? [String: Any]
        #expect(configuration?["kind"] as? String == "mgno")
        // A grid the policy refuses is a typed error, not a trap.
        var strict = Self.tiny
        strict.gridPolicy = .requireDivisible
        let odd = try TrainerTests.antiderivative(count: 2, points: 10, seed: 6)
        #expect(throws: MgNOError.gridNotDivisible(size: [10], divisor: 4)) {
            try Trainer(model: try Self.model(configuration: strict), configuration: TrainingConfiguration(), train: odd, validation: odd)
        }
    }

    @Test func resumeGivesTheSameWeightsAsAnUninterruptedRun() throws {
        let train = try TrainerTests.antiderivative(count: 10, points: 16, seed: 7), test = try TrainerTests.antiderivative(count: 4, points: 16, seed: 8)
        let configuration = TrainingConfiguration(epochs: 4, batchSize: 4, learningRate: 5e-3, weightDecay: 1e-4,
                                                  schedule: .oneCycle(totalSteps: 4, warmupFraction: 0.5, divFactor: 5, finalDivFactor: 10),
                                                  loss: .relativeH1, seed: 9)
        let straightDirectory = try makeScratchDirectory("mgno-trainer"), resumedDirectory = try makeScratchDirectory("mgno-trainer")
        defer { try? FileManager.default.removeItem(at: straightDirectory); try? FileManager.default.removeItem(at: resumedDirectory) }
        let straight = try Self.model()
        let straightSummary = try Trainer(model: straight, configuration: configuration, train: train, validation: test,
                                          outputDirectory: straightDirectory).run()
        try Trainer(model: try Self.model(), configuration: configuration, train: train, validation: test,
                    outputDirectory: resumedDirectory).run(stopAfterEpoch: 2)
        let resumed = try Self.model()
        let resumedSummary = try Trainer(model: resumed, configuration: configuration, train: train, validation: test,
                                         outputDirectory: resumedDirectory).run(resume: true)
        for ((name, a), (_, b)) in zip(straight.namedParameters, resumed.namedParameters) {
            #expect(a.value == b.value, "parameter \(name) differs after resume")
        }
        #expect(resumedSummary.history.map(\.trainLoss) == straightSummary.history.map(\.trainLoss))
        // The checkpoint carries Adam's step count: 3 batches per epoch (10 samples, batch 4) × 4 epochs.
        let (checkpoint, archive) = try TrainedModel.load(from: resumedDirectory.appendingPathComponent("checkpoint.safetensors"))
        #expect(checkpoint.kind == .mgno && archive.metadata["optimizer.step"] == "12")
        // A checkpoint of another configuration is refused on resume.
        var other = Self.tiny
        other.channels = 4
        #expect(throws: TrainingError.self) {
            try Trainer(model: try Self.model(configuration: other), configuration: configuration, train: train, validation: test,
                        outputDirectory: resumedDirectory).run(resume: true)
        }
    }

    /// Adam's exposed state: copying it into a fresh optimizer continues the same trajectory as the
    /// original optimizer; dropping it does not.
    @Test func adamStateRestoresTheTrajectory() throws {
        func quadraticStep(_ adam: Adam<Float>, _ parameter: Parameter<Float>) {
            // f(θ) = Σ (θ_i − i)² / 2, ∇f = θ − i.
            parameter.gradient = parameter.value - Tensor<Float>(shape: parameter.value.shape) { p in for i in 0..<p.count { p[i] = Float(i) } }
            adam.step([parameter])
        }
        let original = Parameter(Tensor<Float>(shape: [2, 3]) { p in for i in 0..<p.count { p[i] = Float(-i) } })
        let adam = Adam<Float>(learningRate: 0.1, weightDecay: 1e-2)
        #expect(adam.state(of: original) == nil)
        for _ in 0..<3 { quadraticStep(adam, original) }
        let state = try #require(adam.state(of: original))
        #expect(state.stepCount == 3 && state.firstMoment.shape == [2, 3])

        let copy = Parameter(original.value), fresh = Parameter(original.value)
        let restored = Adam<Float>(learningRate: 0.1, weightDecay: 1e-2), restarted = Adam<Float>(learningRate: 0.1, weightDecay: 1e-2)
        restored.restoreState(AdamParameterState(firstMoment: state.firstMoment.reshaped([6]), secondMoment: state.secondMoment.reshaped([6]),
                                                 stepCount: state.stepCount), of: copy)
        for _ in 0..<3 { quadraticStep(adam, original); quadraticStep(restored, copy); quadraticStep(restarted, fresh) }
        #expect(copy.value == original.value)
        #expect(fresh.value != original.value)
        #expect(restored.state(of: copy) == adam.state(of: original))
    }

    /// FNO checkpoints written before the model kind was stored (no `pdekit.model.kind`) load as FNO.
    @Test func checkpointsWithoutAKindLoadAsFNO() throws {
        let train = try TrainerTests.antiderivative(count: 6, points: 16, seed: 10)
        var generator = SeededRandomNumberGenerator(seed: 11)
        let fno = try FourierNeuralOperator<Float>(TrainerTests.smallModel, generator: &generator)
        let trainer = try Trainer(model: fno, configuration: TrainingConfiguration(epochs: 1, batchSize: 3), train: train, validation: train)
        try trainer.run()
        let directory = try makeScratchDirectory("mgno-trainer")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("old.safetensors")
        try trainer.trainedModel.write(to: url)
        var archive = try SafetensorsArchive(contentsOf: url)
        archive.metadata[TrainedModel.modelKindKey] = nil
        try archive.write(to: url)
        let (loaded, _) = try TrainedModel.load(from: url)
        #expect(loaded.kind == .fno && loaded.model.configuration == TrainerTests.smallModel && loaded.spatialDimensions == 1)
        #expect(try loaded.predict(train.inputs) == trainer.trainedModel.predict(train.inputs))
        // Normalizers included: not the raw network's output.
        #expect(try loaded.predict(train.inputs) != fno.predict(train.inputs))
    }

    /// A checkpoint in the pre-MgNO layout (no model kind; Adam moments stored flat, as the former
    /// `ResumableAdam` wrote them) resumes to the same weights as an uninterrupted run.
    @Test func oldFormatCheckpointResumesExactly() throws {
        let train = try TrainerTests.antiderivative(count: 9, points: 16, seed: 12), test = try TrainerTests.antiderivative(count: 3, points: 16, seed: 13)
        let configuration = TrainingConfiguration(epochs: 3, batchSize: 4, learningRate: 5e-3, seed: 14)
        func fresh() throws -> FourierNeuralOperator<Float> {
            var generator = SeededRandomNumberGenerator(seed: 15)
            return try FourierNeuralOperator<Float>(TrainerTests.smallModel, generator: &generator)
        }
        let straight = try fresh()
        try Trainer(model: straight, configuration: configuration, train: train, validation: test).run()
        let directory = try makeScratchDirectory("mgno-trainer")
        defer { try? FileManager.default.removeItem(at: directory) }
        try Trainer(model: try fresh(), configuration: configuration, train: train, validation: test, outputDirectory: directory).run(stopAfterEpoch: 1)
        let url = directory.appendingPathComponent("checkpoint.safetensors")
        var archive = try SafetensorsArchive(contentsOf: url)
        archive.metadata[TrainedModel.modelKindKey] = nil
        for name in archive.names where name.hasPrefix("optimizer.") {
            let tensor: Tensor<Float> = try archive.tensor(named: name)
            archive.add(tensor.reshaped([tensor.count]), named: name)
        }
        try archive.write(to: url)
        let resumed = try fresh()
        try Trainer(model: resumed, configuration: configuration, train: train, validation: test, outputDirectory: directory).run(resume: true)
        for ((name, a), (_, b)) in zip(straight.namedParameters, resumed.namedParameters) {
            #expect(a.value == b.value, "parameter \(name) differs after resuming an old-format checkpoint")
        }
    }
}
