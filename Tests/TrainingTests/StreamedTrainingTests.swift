import Foundation
import Testing
import TensorCore
import NeuralOperators
import Training

/// Training streamed from disk against training in memory on the same file: with one chunk holding all
/// rows the chunked order is the in-memory shuffle, so every batch, loss and weight must agree exactly;
/// with small chunks the batches of one epoch are the in-memory rows of the same indices.
@Suite struct StreamedTrainingTests {
    /// 24 samples on 16 points: a(x) = Σ_k c_k sin(2πkx), u = the antiderivative-like smoothing
    /// u_j = (a_{j−1} + 2 a_j + a_{j+1}) / 4 (periodic), float64 on disk, stored in order.
    func writeFile(_ path: String) throws {
        var generator = SeededRandomNumberGenerator(seed: 9)
        var a = [Double](), u = [Double]()
        for _ in 0..<24 {
            let c = (1...3).map { _ in Double.random(in: -1...1, using: &generator) }
            var row = [Double](repeating: 0, count: 16)
            for j in 0..<16 {
                for k in 0..<3 { row[j] += c[k] * sin(2 * Double.pi * Double(k + 1) * Double(j) / 16) }
            }
            a += row
            for j in 0..<16 {
                let sum: Double = row[(j + 15) % 16] + 2 * row[j] + row[(j + 1) % 16]
                u.append(sum / 4)
            }
        }
        try HDF5File.writeAtomically(to: path) { file in
            try file.writeDataset("coeff", try NumericArray(shape: [24, 16], storage: .float64(a)))
            try file.writeDataset("sol", try NumericArray(shape: [24, 16], storage: .float64(u)))
        }
    }

    func model() throws -> FourierNeuralOperator<Float> {
        var generator = SeededRandomNumberGenerator(seed: 2)
        return try FourierNeuralOperator<Float>(FNOConfiguration(modes: [4], width: 8, layerCount: 2, projectionChannels: 16), generator: &generator)
    }

    @Test func oneChunkTrainsExactlyAsInMemory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("pairs.h5").path
        try writeFile(path)
        let configuration = TrainingConfiguration(epochs: 3, batchSize: 5, learningRate: 3e-3, weightDecay: 0)
        let file = try FieldPairFile(path: path)
        let validation = try file.pairs(20..<24)
        let memory = try Trainer(model: model(), configuration: configuration, train: try file.pairs(0..<20), validation: validation)
        let streamedTask = try OperatorTrainingTask(model: model(), configuration: configuration, stream: FieldPairStream(path: path), trainRows: 20,
                                                    validation: validation, chunkRows: 20)
        #expect(streamedTask.chunkRows == 20 && streamedTask.trainingCount == 20)
        // The chunked order of one chunk is the loop's shuffle.
        #expect(ChunkPrefetcher.chunkedOrder(count: 20, chunkRows: 20, seed: 0, epoch: 1).flatMap { $0 }
                == TrainingLoop<OperatorTrainingTask>.shuffledOrder(count: 20, seed: 0, epoch: 1))
        let streamed = Trainer(task: streamedTask)
        #expect(streamed.train == nil)
        let a = try memory.run(), b = try streamed.run()
        #expect(a.history.map(\.trainLoss) == b.history.map(\.trainLoss), "\(a.history.map(\.trainLoss)) vs \(b.history.map(\.trainLoss))")
        #expect(a.history.map(\.validationRelativeL2) == b.history.map(\.validationRelativeL2))
        for ((_, p), (_, q)) in zip(memory.model.namedParameters, streamed.model.namedParameters) { #expect(p.value.scalars == q.value.scalars) }
        #expect(a.history.last!.trainLoss.isFinite && a.history.last!.trainLoss < a.history.first!.trainLoss)
    }

    @Test func smallChunksGiveTheInMemoryRowsOfEachBatch() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("pairs.h5").path
        try writeFile(path)
        let configuration = TrainingConfiguration(epochs: 1, batchSize: 4, weightDecay: 0)
        let memory = try OperatorTrainingTask(model: model(), configuration: configuration, train: try FieldPairFile(path: path).pairs(0..<22), validation: nil)
        // 9 requested rows per chunk become 8 (two batches of 4).
        let streamed = try OperatorTrainingTask(model: model(), configuration: configuration, stream: FieldPairStream(path: path), trainRows: 22,
                                                validation: nil, chunkRows: 9)
        #expect(streamed.chunkRows == 8)
        let order = try #require(streamed.epochOrder(seed: 4, epoch: 0))
        #expect(order.sorted() == Array(0..<22) && memory.epochOrder(seed: 4, epoch: 0) == nil)
        for start in stride(from: 0, to: 22, by: 4) {
            let batch = Array(order[start..<min(22, start + 4)])
            #expect(try streamed.loss(batch: batch).value.scalars == memory.loss(batch: batch).value.scalars, "batch \(batch)")
        }
    }

    /// A run stopped after 2 of 4 epochs and resumed in the other residence ends with exactly the weights
    /// and losses of the uninterrupted run in its first residence: streamed (chunks of 10) → in memory,
    /// and in memory (the loop's whole shuffle) → streamed (that order read in pieces of 10 rows).
    @Test func aRunResumesInTheOtherResidenceAsIfUninterrupted() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("pairs.h5").path
        try writeFile(path)
        let configuration = TrainingConfiguration(epochs: 4, batchSize: 5, learningRate: 3e-3, weightDecay: 0)
        let file = try FieldPairFile(path: path)
        let train = try file.pairs(0..<20), validation = try file.pairs(20..<24)
        func run(_ name: String) -> URL { directory.appendingPathComponent(name) }
        func memory(_ name: String) throws -> Trainer {
            try Trainer(model: model(), configuration: configuration, train: train, validation: validation, outputDirectory: run(name))
        }
        func streamed(_ name: String) throws -> Trainer {
            Trainer(task: try OperatorTrainingTask(model: model(), configuration: configuration, stream: FieldPairStream(path: path), trainRows: 20,
                                                   validation: validation, chunkRows: 10), outputDirectory: run(name))
        }
        func weights(_ trainer: Trainer) -> [[Float]] { trainer.model.namedParameters.map(\.parameter.value.scalars) }
        #expect(try streamed("fingerprint").dataFingerprint == memory("fingerprint").dataFingerprint)

        // Streamed first, resumed in memory.
        let streamedThrough = try streamed("stream-through"), streamedFirst = try streamed("stream-then-memory")
        let whole = try streamedThrough.run()
        _ = try streamedFirst.run(stopAfterEpoch: 2)
        let resumedInMemory = try memory("stream-then-memory")
        let continued = try resumedInMemory.run(resume: true)
        #expect(resumedInMemory.task.orderChunkRows == 10 && resumedInMemory.task.stream == nil)
        #expect(continued.history.map(\.trainLoss) == whole.history.map(\.trainLoss), "\(continued.history.map(\.trainLoss)) vs \(whole.history.map(\.trainLoss))")
        #expect(weights(resumedInMemory) == weights(streamedThrough))
        let firstLoss = try #require(whole.history.first?.trainLoss), lastLoss = try #require(whole.history.last?.trainLoss)
        #expect(lastLoss.isFinite && lastLoss < firstLoss)

        // In memory first, resumed streamed.
        let memoryThrough = try memory("memory-through"), memoryFirst = try memory("memory-then-stream")
        let wholeInMemory = try memoryThrough.run()
        _ = try memoryFirst.run(stopAfterEpoch: 2)
        let resumedStreamed = try streamed("memory-then-stream")
        let continuedStreamed = try resumedStreamed.run(resume: true)
        #expect(resumedStreamed.task.orderChunkRows == 20 && resumedStreamed.task.chunkRows == 10)
        #expect(continuedStreamed.history.map(\.trainLoss) == wholeInMemory.history.map(\.trainLoss))
        #expect(weights(resumedStreamed) == weights(memoryThrough))
        // The two orders differ, so adopting the recorded one is what made the runs agree.
        #expect(weights(memoryThrough) != weights(streamedThrough))
    }

    /// `train mgno`'s streamed data (``StreamedOperatorData``): an MgNO trained on the streamed rows with
    /// the validation and test rows it read matches the in-memory run on the same rows exactly.
    @Test func mgnoTrainsStreamedExactlyAsInMemory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("pairs.h5").path
        try writeFile(path)
        let configuration = TrainingConfiguration(epochs: 3, batchSize: 4, learningRate: 3e-3, weightDecay: 0)
        let streamed = try #require(try StreamedOperatorData.open(path: path, testPath: nil, inputKey: "coeff", targetKey: "sol", layout: .samplesGrid,
                                                                 order: .sampled, stride: 1, residence: .stream, memoryLimitMiB: 1, train: 20,
                                                                 validation: 4, test: 4, batchSize: 4))
        let file = try FieldPairFile(path: path)
        let testRows = try file.pairs(20..<24)
        #expect(streamed.trainRows == 16 && streamed.test.fingerprint == testRows.fingerprint)
        func mgno() throws -> MgNO<Float> {
            var generator = SeededRandomNumberGenerator(seed: 3)
            return try MgNO<Float>(configuration: MgNOConfiguration(spatialDimensions: 1, channels: 8, layers: 2, levels: 3, smoothingSteps: [1, 1, 2],
                                                                    paddingMode: .circular), generator: &generator)
        }
        let fromDisk = Trainer(task: try streamed.task(model: mgno(), configuration: configuration))
        let inMemory = try Trainer(model: mgno(), configuration: configuration, train: try file.pairs(0..<16), validation: try file.pairs(16..<20))
        #expect(fromDisk.task.stream != nil && fromDisk.dataFingerprint == inMemory.dataFingerprint)
        let a = try fromDisk.run(), b = try inMemory.run()
        #expect(a.history.map(\.trainLoss) == b.history.map(\.trainLoss), "\(a.history.map(\.trainLoss)) vs \(b.history.map(\.trainLoss))")
        for ((_, p), (_, q)) in zip(fromDisk.model.namedParameters, inMemory.model.namedParameters) { #expect(p.value.scalars == q.value.scalars) }
        let first = try #require(b.history.first?.trainLoss), last = try #require(b.history.last?.trainLoss)
        #expect(last.isFinite && last < first)
    }
}
