import Foundation
import Testing
import TestSupport
import TensorCore
import NeuralLayers
import NeuralOperators
import Training

/// Trainer: learning a known operator, exact resume from a checkpoint, checkpoint round trips,
/// typed errors for bad data.
@Suite struct TrainerTests {
    /// `u = Σ a_k cos 2πkx + b_k sin 2πkx` and its zero-mean antiderivative `v`, exact on the grid.
    static func antiderivative(count: Int, points: Int, seed: UInt64) throws -> FieldPairs {
        var generator = SeededRandomNumberGenerator(seed: seed)
        var u = [Float](), v = [Float]()
        for _ in 0..<count {
            let c = (1...3).map { k in (Double.random(in: -1...1, using: &generator) / Double(k), Double.random(in: -1...1, using: &generator) / Double(k)) }
            for j in 0..<points {
                let x = Double(j) / Double(points)
                var uj = 0.0, vj = 0.0
                for (index, (a, b)) in c.enumerated() {
                    let w = 2 * Double.pi * Double(index + 1)
                    uj += a * cos(w * x) + b * sin(w * x)
                    vj += (a * sin(w * x) - b * cos(w * x)) / w
                }
                u.append(Float(uj)); v.append(Float(vj))
            }
        }
        return try FieldPairs(inputs: Tensor(uncheckedShape: [count, 1, points], scalars: u),
                              targets: Tensor(uncheckedShape: [count, 1, points], scalars: v))
    }

    static let smallModel = FNOConfiguration(modes: [5], width: 8, layerCount: 2, projectionChannels: 16)

    @Test func learnsTheAntiderivative() throws {
        let train = try Self.antiderivative(count: 48, points: 32, seed: 1), test = try Self.antiderivative(count: 16, points: 32, seed: 2)
        var generator = SeededRandomNumberGenerator(seed: 3)
        let model = try FourierNeuralOperator<Float>(Self.smallModel, generator: &generator)
        let configuration = TrainingConfiguration(epochs: 40, batchSize: 8, learningRate: 1e-2, weightDecay: 0,
                                                  schedule: .cosine(totalSteps: 40, minimumLearningRate: 1e-4))
        let summary = try Trainer(model: model, configuration: configuration, train: train, validation: test).run()
        #expect(summary.history.count == 40)
        #expect(summary.history.last!.trainLoss < summary.history.first!.trainLoss / 5)
        #expect(summary.bestValidationRelativeL2 < 0.05, "best validation relative L2 \(summary.bestValidationRelativeL2)")
    }

    @Test func resumeGivesTheSameWeightsAsAnUninterruptedRun() throws {
        let train = try Self.antiderivative(count: 12, points: 16, seed: 4), test = try Self.antiderivative(count: 4, points: 16, seed: 5)
        let configuration = TrainingConfiguration(epochs: 4, batchSize: 5, learningRate: 5e-3, optimizer: .adamW,
                                                  schedule: .step(stepSize: 2, gamma: 0.5), loss: .relativeH1, seed: 7)
        func freshModel() throws -> FourierNeuralOperator<Float> {
            var generator = SeededRandomNumberGenerator(seed: 6)
            return try FourierNeuralOperator<Float>(Self.smallModel, generator: &generator)
        }
        let straightDirectory = try makeScratchDirectory("trainer"), resumedDirectory = try makeScratchDirectory("trainer")
        defer { try? FileManager.default.removeItem(at: straightDirectory); try? FileManager.default.removeItem(at: resumedDirectory) }
        let straight = try freshModel()
        let straightSummary = try Trainer(model: straight, configuration: configuration, train: train, validation: test,
                                          outputDirectory: straightDirectory).run()
        // Interrupted after two epochs, then resumed in a new process-like setting (fresh objects).
        try Trainer(model: try freshModel(), configuration: configuration, train: train, validation: test,
                    outputDirectory: resumedDirectory).run(stopAfterEpoch: 2)
        let resumed = try freshModel()
        let resumedSummary = try Trainer(model: resumed, configuration: configuration, train: train, validation: test,
                                         outputDirectory: resumedDirectory).run(resume: true)
        for ((name, a), (_, b)) in zip(straight.namedParameters, resumed.namedParameters) {
            #expect(a.value == b.value, "parameter \(name) differs after resume")
        }
        #expect(resumedSummary.history.map(\.trainLoss) == straightSummary.history.map(\.trainLoss))
        let log = try String(contentsOf: resumedDirectory.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        #expect(log.split(separator: "\n").count == 4)
        // The checkpoint reloads into the same predictions.
        let (reloaded, _) = try TrainedModel.load(from: resumedDirectory.appendingPathComponent("checkpoint.safetensors"))
        let trainer = try Trainer(model: resumed, configuration: configuration, train: train, validation: test)
        #expect(try reloaded.predict(test.inputs) == trainer.trainedModel.predict(test.inputs))
    }

    @Test func resumeRefusesOtherSamples() throws {
        let train = try Self.antiderivative(count: 8, points: 16, seed: 14), test = try Self.antiderivative(count: 4, points: 16, seed: 15)
        let configuration = TrainingConfiguration(epochs: 2, batchSize: 4, learningRate: 5e-3, schedule: .constant)
        func freshModel() throws -> FourierNeuralOperator<Float> {
            var generator = SeededRandomNumberGenerator(seed: 16)
            return try FourierNeuralOperator<Float>(Self.smallModel, generator: &generator)
        }
        let directory = try makeScratchDirectory("trainer")
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try Trainer(model: try freshModel(), configuration: configuration, train: train, validation: test, outputDirectory: directory)
        try first.run(stopAfterEpoch: 1)
        let (_, archive) = try TrainedModel.load(from: directory.appendingPathComponent("checkpoint.safetensors"))
        #expect(archive.metadata[Trainer.dataFingerprintKey] == first.dataFingerprint)
        // The same twelve samples split differently (one training and one test row swapped) are other samples.
        let all = try FieldPairs(inputs: Tensor.concatenated([train.inputs, test.inputs], alongAxis: 0),
                                 targets: Tensor.concatenated([train.targets, test.targets], alongAxis: 0))
        let trainRows = all.batch([0, 1, 2, 3, 4, 5, 6, 8]), testRows = all.batch([7, 9, 10, 11])
        let swappedTrain = try FieldPairs(inputs: trainRows.inputs, targets: trainRows.targets)
        let swappedTest = try FieldPairs(inputs: testRows.inputs, targets: testRows.targets)
        #expect(all.batch(Array(0..<8)).inputs == train.inputs, "the fixture splits as assumed")
        #expect(swappedTrain.fingerprint != train.fingerprint && swappedTest.fingerprint != test.fingerprint)
        #expect(throws: TrainingError.self) {
            try Trainer(model: try freshModel(), configuration: configuration, train: swappedTrain, validation: swappedTest,
                        outputDirectory: directory).run(resume: true)
        }
        // The log of the interrupted run is untouched; the same samples resume.
        let summary = try Trainer(model: try freshModel(), configuration: configuration, train: train, validation: test,
                                  outputDirectory: directory).run(resume: true)
        #expect(summary.history.count == 2)
    }

    @Test func shufflingIsASeededPermutation() {
        let a = Trainer.shuffledOrder(count: 50, seed: 1, epoch: 0)
        #expect(a.sorted() == Array(0..<50))
        #expect(a == Trainer.shuffledOrder(count: 50, seed: 1, epoch: 0))
        #expect(a != Trainer.shuffledOrder(count: 50, seed: 1, epoch: 1))
        #expect(a != Trainer.shuffledOrder(count: 50, seed: 2, epoch: 0))
    }

    @Test func badDataFailsWithTypedErrors() throws {
        #expect(throws: DatasetError.self) {
            try FieldPairs(inputs: .zeros([3, 1, 8]), targets: .zeros([4, 1, 8]))
        }
        var nan = Tensor<Float>.zeros([2, 1, 8]); nan.scalars[3] = .nan
        #expect(throws: DatasetError.nonFinite(path: "<pairs>", detail: "inputs")) { try FieldPairs(inputs: nan, targets: .zeros([2, 1, 8])) }
        var generator = SeededRandomNumberGenerator(seed: 1)
        let model = try FourierNeuralOperator<Float>(Self.smallModel, generator: &generator)
        let wrongChannels = try FieldPairs(inputs: .zeros([2, 2, 16]), targets: .zeros([2, 1, 16]))
        #expect(throws: (any Error).self) {
            try Trainer(model: model, configuration: TrainingConfiguration(), train: wrongChannels, validation: wrongChannels)
        }
    }
}

/// Schedule parameters that used to be clamped silently are refused by `TrainingConfiguration.validate()`.
@Suite struct ScheduleValidationTests {
    @Test func invalidSchedulesAreRefusedAndValidOnesAccepted() throws {
        let invalid: [LearningRateSchedule] = [
            .step(stepSize: 0, gamma: 0.5), .step(stepSize: -5, gamma: 0.5), .step(stepSize: 10, gamma: .nan), .step(stepSize: 10, gamma: 2),
            .cosine(totalSteps: 0, minimumLearningRate: 0), .cosine(totalSteps: 5, minimumLearningRate: .infinity),
            .oneCycle(totalSteps: 5, warmupFraction: 1, divFactor: 25, finalDivFactor: 1e4),
            .oneCycle(totalSteps: 5, warmupFraction: 0.3, divFactor: .nan, finalDivFactor: 1e4),
        ]
        for schedule in invalid {
            #expect(schedule.invalidParameterDescription != nil, "\(schedule) accepted")
            #expect(throws: TrainingError.self) { try TrainingConfiguration(epochs: 1, batchSize: 1, learningRate: 1e-3, schedule: schedule).validate() }
        }
        let valid: [LearningRateSchedule] = [.constant, .step(stepSize: 1, gamma: 0.5), .cosine(totalSteps: 1, minimumLearningRate: 0),
                                             .oneCycle(totalSteps: 10, warmupFraction: 0.3, divFactor: 25, finalDivFactor: 1e4)]
        for schedule in valid {
            #expect(schedule.invalidParameterDescription == nil, "\(schedule) refused")
            try TrainingConfiguration(epochs: 1, batchSize: 1, learningRate: 1e-3, schedule: schedule).validate()
        }
    }
}
