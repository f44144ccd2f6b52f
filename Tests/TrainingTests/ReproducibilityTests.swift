import Foundation
import Testing
import TensorCore
import NeuralOperators
import Training

/// Same seed, same bits: a 2-D FNO (pruned FFTs, fused affine kernels, batch reductions) trained twice,
/// once interrupted and resumed, and with 1 and 3 parallel-loop workers, writes byte-identical
/// checkpoints. (Runs in separate processes are checked by the CLI's ReproducibleTrainingCommandTests.)
@Suite struct ReproducibilityTests {
    /// Periodic 5-point averages of random fields, `[count, 1, n, n]`.
    static func averagingPairs(count: Int, n: Int, seed: UInt64) throws -> FieldPairs {
        var generator = SeededRandomNumberGenerator(seed: seed)
        var inputs = [Float](), targets = [Float]()
        for _ in 0..<count {
            let field = (0..<(n * n)).map { _ in Float(generator.nextStandardNormal()) }
            func value(_ i: Int, _ j: Int) -> Float { field[((i + n) % n) * n + (j + n) % n] }
            inputs += field
            for i in 0..<n { for j in 0..<n { targets.append((value(i, j) + value(i - 1, j) + value(i + 1, j) + value(i, j - 1) + value(i, j + 1)) / 5) } }
        }
        return try FieldPairs(inputs: Tensor(uncheckedShape: [count, 1, n, n], scalars: inputs),
                              targets: Tensor(uncheckedShape: [count, 1, n, n], scalars: targets))
    }

    // 12² is padded to 14² (an even, non-power-of-two grid); H1 also runs the full rfft path.
    static let model = FNOConfiguration(modes: [4, 4], width: 6, layerCount: 2, projectionChannels: 8, domainPadding: 0.1)
    static let configuration = TrainingConfiguration(epochs: 3, batchSize: 5, learningRate: 5e-3, optimizer: .adamW,
                                                     schedule: .step(stepSize: 2, gamma: 0.5), loss: .relativeH1, seed: 9)

    func freshModel() throws -> FourierNeuralOperator<Float> {
        var generator = SeededRandomNumberGenerator(seed: 8)
        return try FourierNeuralOperator<Float>(Self.model, generator: &generator)
    }

    /// Trains into a new directory (with `workers` parallel-loop workers when given) and returns it.
    func train(_ train: FieldPairs, _ test: FieldPairs, workers: Int? = nil, interruptAfter: Int? = nil) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-reproducible-\(UUID().uuidString)")
        try ParallelLoop.$workerCountOverride.withValue(workers) {
            if let interruptAfter {
                try Trainer(model: try freshModel(), configuration: Self.configuration, train: train, validation: test,
                            outputDirectory: directory).run(stopAfterEpoch: interruptAfter)
                try Trainer(model: try freshModel(), configuration: Self.configuration, train: train, validation: test,
                            outputDirectory: directory).run(resume: true)
            } else {
                try Trainer(model: try freshModel(), configuration: Self.configuration, train: train, validation: test,
                            outputDirectory: directory).run()
            }
        }
        return directory
    }

    func bytes(_ directory: URL, _ file: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(file)) }

    /// The epoch records without their wall-clock seconds.
    func metrics(_ directory: URL) throws -> [[Double]] {
        try String(contentsOf: directory.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map { line in
            let record = try JSONDecoder().decode(Trainer.EpochMetrics.self, from: Data(line.utf8))
            return [Double(record.epoch), record.trainLoss, record.validationRelativeL2 ?? -1, record.validationRelativeH1 ?? -1, record.learningRate]
        }
    }

    @Test func sameSeedTrainingIsBitwiseIdenticalAcrossRunsResumesAndWorkerCounts() throws {
        let trainPairs = try Self.averagingPairs(count: 15, n: 12, seed: 1), testPairs = try Self.averagingPairs(count: 5, n: 12, seed: 2)
        let reference = try train(trainPairs, testPairs)
        let runs: [(name: String, directory: URL)] = [
            ("second run", try train(trainPairs, testPairs)),
            ("interrupted after epoch 1 and resumed", try train(trainPairs, testPairs, interruptAfter: 1)),
            ("one worker", try train(trainPairs, testPairs, workers: 1)),
            ("three workers", try train(trainPairs, testPairs, workers: 3))]
        defer { for directory in [reference] + runs.map(\.directory) { try? FileManager.default.removeItem(at: directory) } }
        let checkpoint = try bytes(reference, "checkpoint.safetensors"), history = try metrics(reference)
        for (name, directory) in runs {
            #expect(try bytes(directory, "checkpoint.safetensors") == checkpoint, "checkpoint of the \(name) differs")
            #expect(try bytes(directory, "best.safetensors") == bytes(reference, "best.safetensors"), "best weights of the \(name) differ")
            #expect(try metrics(directory) == history, "metrics of the \(name) differ")
        }
        // Equal bits must come from real training: finite losses that fall, weights that moved.
        #expect(history.count == 3 && history.allSatisfy { $0.allSatisfy { $0.isFinite } })
        #expect(history[2][1] < history[0][1], "train loss \(history.map { $0[1] }) did not fall")
        let (trained, _) = try TrainedModel.load(from: reference.appendingPathComponent("checkpoint.safetensors"))
        let initial = try freshModel()
        let before = initial.namedParameters.flatMap { $0.parameter.value.scalars }
        let after = trained.model.namedParameters.flatMap { $0.parameter.value.scalars }
        #expect(before.count == after.count && after.allSatisfy { $0.isFinite } && before != after)
    }
}
