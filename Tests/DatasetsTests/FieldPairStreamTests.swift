import Foundation
import Testing
import TensorCore
import Datasets

/// Streaming pairs from disk: every streamed row equals the in-memory reader's (``FieldPairFile``: sample
/// order, channels first, subsampling), the chunked order is a deterministic permutation that keeps
/// chunks together, the prefetcher hands out the same batches, the streamed normalizer statistics equal
/// the in-memory fit bit for bit, and a file changed or truncated under a stream is a typed error.
@Suite struct FieldPairStreamTests {
    /// `count` samples stored in the order `sampleIndex` (a permutation), a 2-D grid 6 × 5:
    /// a(k)(i, j) = 100 k + 10 i + j + 0.25 sin(k + i), u = a² / 1000 (float64 on disk).
    func writeFile(_ path: String, count: Int, sampleIndex: [Int64]? = nil) throws {
        let order = sampleIndex ?? (0..<Int64(count)).map { $0 }
        var a = [Double]()
        for k in order { for i in 0..<6 { for j in 0..<5 { a.append(100 * Double(k) + 10 * Double(i) + Double(j) + 0.25 * sin(Double(k) + Double(i))) } } }
        try HDF5File.writeAtomically(to: path) { file in
            try file.writeDataset("coeff", try NumericArray(shape: [count, 6, 5], storage: .float64(a)))
            try file.writeDataset("sol", try NumericArray(shape: [count, 6, 5], storage: .float64(a.map { $0 * $0 / 1000 })))
            try file.writeDataset(SampleOrder.sampleIndexKey, try NumericArray(shape: [count], storage: .int64(order)))
        }
    }

    @Test func streamedRowsEqualTheInMemoryReader() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("pairs.h5")
        let sampleIndex: [Int64] = [5, 0, 9, 3, 1, 8, 2, 7, 4, 6, 11, 10]
        try writeFile(path, count: 12, sampleIndex: sampleIndex)
        for (order, stride) in [(SampleOrder.sampled, 1), (.file, 2), (.sampled, 2)] {
            let memory = try FieldPairFile(path: path, order: order, stride: stride)
            let stream = try FieldPairStream(path: path, order: order, stride: stride)
            #expect(stream.count == 12 && stream.inputSampleShape == Array(memory.inputs.shape.dropFirst()))
            for indices in [[0, 1, 2], [11, 3, 3, 7], [4], Array(0..<12).reversed()] {
                let (inputs, targets) = try stream.read(indices)
                #expect(inputs.shape == [indices.count] + stream.inputSampleShape)
                #expect(inputs.scalars == FieldPairs.rows(memory.inputs, indices).scalars, "\(order) stride \(stride) rows \(indices)")
                #expect(targets.scalars == FieldPairs.rows(memory.targets, indices).scalars)
            }
            #expect(try stream.pairs(2..<5).inputs.scalars == memory.pairs(2..<5).inputs.scalars)
        }
        // --subsample 9223372036854775807 (flag fuzz, seed 10) overflowed ⌈n / stride⌉; it keeps one point per axis, as in memory.
        let coarsest = try FieldPairStream(path: path, stride: Int.max)
        #expect(coarsest.inputSampleShape == Array(try FieldPairFile(path: path, stride: Int.max).inputs.shape.dropFirst()))
        #expect(coarsest.inputSampleShape.dropFirst().allSatisfy { $0 == 1 })
        #expect(throws: DatasetError.self) { try FieldPairStream(path: path, stride: 0) }
        #expect(throws: DatasetError.self) { try FieldPairStream(path: path).read([12]) }
        #expect(throws: DatasetError.self) { try FieldPairStream(path: path, inputKey: "missing") }
    }

    @Test func chunkedOrderIsADeterministicPermutationShuffledWithinChunks() {
        let plan = ChunkPrefetcher.chunkedOrder(count: 23, chunkRows: 5, seed: 7, epoch: 3)
        #expect(plan.flatMap { $0 }.sorted() == Array(0..<23))
        #expect(plan.count == 5 && plan.last?.sorted() == Array(20..<23), "the short chunk is last")
        for chunk in plan { #expect(chunk.max()! / 5 == chunk.min()! / 5 && chunk.count == (chunk.min()! < 20 ? 5 : 3)) }
        #expect(plan == ChunkPrefetcher.chunkedOrder(count: 23, chunkRows: 5, seed: 7, epoch: 3))
        #expect(plan != ChunkPrefetcher.chunkedOrder(count: 23, chunkRows: 5, seed: 7, epoch: 4))
        #expect(plan.flatMap { $0 } != Array(0..<23))
    }

    @Test func prefetchedBatchesEqualInMemoryBatchesInTheSameOrder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("pairs.h5")
        try writeFile(path, count: 20, sampleIndex: (0..<20).map { Int64((7 * $0) % 20) })
        let memory = try FieldPairFile(path: path)
        let prefetcher = ChunkPrefetcher(stream: try FieldPairStream(path: path))
        for epoch in 0..<2 {
            let plan = ChunkPrefetcher.chunkedOrder(count: 20, chunkRows: 6, seed: 1, epoch: epoch)
            prefetcher.start(plan: plan)
            let order = plan.flatMap { $0 }
            for start in stride(from: 0, to: 20, by: 3) {   // batches of 3 straddle chunks of 6 only at the short end
                let batch = Array(order[start..<min(20, start + 3)])
                let (inputs, targets) = try prefetcher.rows(batch)
                #expect(inputs.scalars == FieldPairs.rows(memory.inputs, batch).scalars, "epoch \(epoch) batch \(batch)")
                #expect(targets.scalars == FieldPairs.rows(memory.targets, batch).scalars)
            }
        }
        // Rows outside the plan are read directly.
        #expect(try prefetcher.rows([19, 0]).inputs.scalars == FieldPairs.rows(memory.inputs, [19, 0]).scalars)
    }

    @Test func streamedStatisticsEqualTheInMemoryFitBitForBit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("pairs.h5")
        try writeFile(path, count: 13)
        let memory = try FieldPairFile(path: path)
        let stream = try FieldPairStream(path: path)
        var fit = UnitGaussianNormalizer<Float>.StreamingFit(sampleShape: stream.inputSampleShape)
        let chunks = [0..<5, 5..<10, 10..<13]
        for range in chunks { fit.accumulateMean(try stream.read(Array(range)).inputs) }
        fit.finishMean()
        for range in chunks { fit.accumulateDeviations(try stream.read(Array(range)).inputs) }
        let reference = try UnitGaussianNormalizer<Float>(fitting: memory.inputs)
        #expect(fit.normalizer == reference)
    }

    /// A file rewritten (same size or not) or truncated while streamed: a typed error, from a direct
    /// read and through the prefetch thread.
    @Test func aFileChangedOrTruncatedMidRunIsATypedError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("pairs.h5")
        try writeFile(path, count: 12)
        let stream = try FieldPairStream(path: path)
        _ = try stream.read([0, 1])
        // Rewritten with other values (a new file, a new modification time).
        Thread.sleep(forTimeInterval: 0.02)
        try writeFile(path, count: 12, sampleIndex: (0..<12).map { Int64(11 - $0) })
        expectChanged { _ = try stream.read([0, 1]) }
        let prefetcher = ChunkPrefetcher(stream: stream)
        prefetcher.start(plan: [[0, 1, 2], [3, 4, 5]])
        expectChanged { _ = try prefetcher.rows([0, 1]) }
        // Truncated to half its bytes.
        let fresh = try FieldPairStream(path: path)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let size = try handle.seekToEnd()
        try handle.truncate(atOffset: size / 2)
        try handle.close()
        expectChanged { _ = try fresh.read([5]) }
    }

    func expectChanged(_ body: () throws -> Void) {
        do {
            try body()
            Issue.record("a changed file was read")
        } catch let error as DatasetError {
            #expect(error.description.contains("changed while it was streamed"), "\(error.description)")
            #expect(!error.description.contains("\n"))
        } catch {
            Issue.record("untyped error \(error)")
        }
    }
}
