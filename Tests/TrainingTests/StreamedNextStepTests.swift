import Foundation
import Testing
import TensorCore
import NeuralOperators
import Training

/// Next-step training streamed from disk (``TrajectoryStream``, ``StreamedTrajectoryData``) against the
/// same training in memory: the same fingerprint and normalizer, the same loss for every batch of the
/// streamed order (teacher forcing and pushforward), and runs that resume in the other residence end
/// exactly where the uninterrupted run in their first residence ends.
@Suite struct StreamedNextStepTests {
    /// 12 periodic-advection trajectories (``NextStepTrainingTests/advection(count:points:steps:seed:speeds:)``),
    /// 16 points, 8 steps, written time last (`sol` [12, 16, 8], float32) in stored order.
    func writeFile(_ path: String) throws -> Trajectories {
        let data = try NextStepTrainingTests.advection(count: 12, points: 16, steps: 8, seed: 5)
        let timeLast = data.states.reshaped([12, 8, 16]).permuted([0, 2, 1])
        try HDF5File.writeAtomically(to: path) { file in
            try file.writeDataset("sol", try NumericArray(shape: [12, 16, 8], storage: .float32(timeLast.scalars)))
        }
        return data
    }

    func model(history: Int) throws -> FourierNeuralOperator<Float> {
        var generator = SeededRandomNumberGenerator(seed: 6)
        return try FourierNeuralOperator<Float>(FNOConfiguration(modes: [4], inputChannels: history, outputChannels: 1, width: 8, layerCount: 2,
                                                                 projectionChannels: 16), generator: &generator)
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-stream-next-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func streamedBatchesGiveTheInMemoryLosses() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("trajectories.h5").path
        let data = try writeFile(path)
        let configuration = TrainingConfiguration(epochs: 1, batchSize: 4, weightDecay: 0)
        for training in [NextStepTraining.teacherForcing, .pushforward(steps: 2)] {
            let memory = try NextStepTrainingTask(model: model(history: 2), configuration: configuration, history: 2, training: training,
                                                  train: data.subset(0..<10), validation: data.subset(10..<12))
            let streamed = try NextStepTrainingTask(model: model(history: 2), configuration: configuration, history: 2, training: training,
                                                    stream: TrajectoryStream(path: path, order: .file), trainTrajectories: 10,
                                                    validation: data.subset(10..<12), chunkWindows: 3 * (8 - 2 - training.unrolledSteps))
            #expect(streamed.trainingCount == memory.trainingCount && streamed.trainingCount == 10 * (8 - 2 - training.unrolledSteps))
            #expect(streamed.dataFingerprint == memory.dataFingerprint)
            let order = try #require(streamed.epochOrder(seed: 7, epoch: 0))
            #expect(order.sorted() == Array(0..<streamed.trainingCount) && memory.epochOrder(seed: 7, epoch: 0) == nil)
            // Chunks of 3 trajectories: the windows of trajectories 3k..<3k+3 stay together.
            let perChunk = 3 * (8 - 2 - training.unrolledSteps)
            let windows = 8 - 2 - training.unrolledSteps
            for start in stride(from: 0, to: order.count, by: perChunk) {
                let chunks = Set(order[start..<min(order.count, start + perChunk)].map { $0 / windows / 3 })
                #expect(chunks.count == 1, "chunk at \(start): \(chunks)")
            }
            for start in stride(from: 0, to: order.count, by: 4) {
                let batch = Array(order[start..<min(order.count, start + 4)])
                let a = try streamed.loss(batch: batch).value.scalars, b = try memory.loss(batch: batch).value.scalars
                #expect(a == b && a.allSatisfy(\.isFinite), "\(training) batch \(batch): \(a) vs \(b)")
            }
        }
    }

    /// Through ``StreamedTrajectoryData`` (what `train fno --task next-step --data-residence stream` runs):
    /// stopped after 2 of 4 epochs and resumed in memory, or the reverse, the run ends with the weights and
    /// losses of the uninterrupted run in its first residence.
    @Test func aRunResumesInTheOtherResidenceAsIfUninterrupted() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("trajectories.h5").path
        let data = try writeFile(path)
        let configuration = TrainingConfiguration(epochs: 4, batchSize: 6, learningRate: 3e-3, weightDecay: 0)
        // 1 MiB limit: chunks of 1 MiB / 16 / (3 states × 64 bytes) = 341 windows, 336 in whole batches of 6, more than
        // the 54 → one chunk; ask smaller ones below.
        let streamedData = try #require(try StreamedTrajectoryData.open(path: path, key: "sol", layout: .timeLast, order: .file, stride: 1,
                                                                        residence: .stream, memoryLimitMiB: 1, train: 10, validation: 1, test: 2))
        #expect(streamedData.trainTrajectories == 9 && streamedData.chunkWindows(history: 2, batchSize: 6) == 336)
        #expect(streamedData.test.fingerprint == data.subset(10..<12).fingerprint && streamedData.validation?.fingerprint == data.subset(9..<10).fingerprint)
        #expect(throws: Error.self) { try streamedData.checkWindows(history: 8, pushforward: 0) }
        func run(_ name: String) -> URL { directory.appendingPathComponent(name) }
        func memory(_ name: String) throws -> NextStepTrainer {
            NextStepTrainer(task: try NextStepTrainingTask(model: model(history: 2), configuration: configuration, history: 2, train: data.subset(0..<9),
                                                           validation: data.subset(9..<10)), outputDirectory: run(name))
        }
        func streamed(_ name: String) throws -> NextStepTrainer {
            NextStepTrainer(task: try NextStepTrainingTask(model: model(history: 2), configuration: configuration, history: 2, stream: streamedData.stream,
                                                           trainTrajectories: 9, validation: streamedData.validation, chunkWindows: 12),
                            outputDirectory: run(name))
        }
        func weights(_ trainer: NextStepTrainer) -> [[Float]] { trainer.task.model.namedParameters.map(\.parameter.value.scalars) }

        let streamedThrough = try streamed("stream-through")
        let whole = try streamedThrough.run()
        _ = try streamed("stream-then-memory").run(stopAfterEpoch: 2)
        let resumedInMemory = try memory("stream-then-memory")
        let continued = try resumedInMemory.run(resume: true)
        #expect(resumedInMemory.task.orderChunkRows == 2 * 6 && resumedInMemory.task.stream == nil)
        #expect(continued.history.map(\.trainLoss) == whole.history.map(\.trainLoss), "\(continued.history.map(\.trainLoss)) vs \(whole.history.map(\.trainLoss))")
        #expect(weights(resumedInMemory) == weights(streamedThrough))
        let first = try #require(whole.history.first?.trainLoss), last = try #require(whole.history.last?.trainLoss)
        #expect(last.isFinite && last < first)

        let memoryThrough = try memory("memory-through")
        let wholeInMemory = try memoryThrough.run()
        _ = try memory("memory-then-stream").run(stopAfterEpoch: 2)
        let resumedStreamed = try streamed("memory-then-stream")
        let continuedStreamed = try resumedStreamed.run(resume: true)
        #expect(resumedStreamed.task.orderChunkRows == 9 * 6 && resumedStreamed.task.chunkWindows == 12)
        #expect(continuedStreamed.history.map(\.trainLoss) == wholeInMemory.history.map(\.trainLoss))
        #expect(weights(resumedStreamed) == weights(memoryThrough))
        #expect(weights(memoryThrough) != weights(streamedThrough))

        // The summary of a streamed run (what the CLI prints) scores the test trajectories it read.
        let summary = try #require(try streamed("summary").runAndTest(streamedData, run: "summary", resume: false))
        #expect(summary.train_trajectories == 9 && summary.validation_trajectories == 1 && summary.test_trajectories == 2)
        #expect(summary.test_rollout_relative_l2.isFinite && summary.rollout_steps == 6)
    }
}
