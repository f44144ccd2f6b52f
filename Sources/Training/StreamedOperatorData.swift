import Foundation
import TensorCore
import Datasets
import RunSupport

/// The training rows of an operator run read from an HDF5 file a chunk at a time (`--data-residence
/// stream`, or auto for a file larger than the memory limit), with the validation rows (the last
/// `validation` of the first `train`) and the test rows (the next `test`, or the first `test` of a
/// separate file) read into memory.
public struct StreamedOperatorData {
    public let stream: FieldPairStream
    public let validation: FieldPairs?, test: FieldPairs
    /// Rows per chunk (``DataResidence/chunkRows(bytesPerRow:limitBytes:batchSize:)``).
    public let chunkRows: Int
    /// The streamed training rows: the first `train − validation` of the file.
    public let trainRows: Int

    /// The data limit in bytes: `memoryLimitMiB` MiB (positive, overflow-checked), or half the machine's memory.
    public static func limitBytes(memoryLimitMiB: Int?) throws -> Int {
        guard let memoryLimitMiB else { return MemoryBudget.physicalMemoryBytes / 2 }
        let (bytes, overflow) = memoryLimitMiB.multipliedReportingOverflow(by: 1 << 20)
        guard memoryLimitMiB > 0, !overflow else { throw OperatorRunError(description: "--memory-limit \(memoryLimitMiB) MiB is not a positive size") }
        return bytes
    }

    /// The streamed data `residence` asks for, or nil to train in memory (`.memory`, or auto with a file
    /// that fits the limit or is not HDF5).
    public static func open(path: String, testPath: String?, inputKey: String, targetKey: String, layout: FieldLayout, order: SampleOrder,
                            stride: Int, residence: DataResidence, memoryLimitMiB: Int?, train: Int, validation v: Int, test: Int,
                            batchSize: Int) throws -> StreamedOperatorData? {
        guard residence != .memory else { return nil }
        let limit = try limitBytes(memoryLimitMiB: memoryLimitMiB)
        guard let stream = try FieldPairStream.open(path: path, inputKey: inputKey, targetKey: targetKey, layout: layout, order: order, stride: stride,
                                                    required: residence == .stream),
              residence.streams(fileRows: stream.count, bytesPerRow: stream.bytesPerRow, limitBytes: limit) else { return nil }
        guard train > v, v >= 0, test > 0, testPath != nil || (!train.addingReportingOverflow(test).overflow && train + test <= stream.count) else {
            throw OperatorRunError(description: "\(path) has \(stream.count) samples for --train \(train) (of which --validation \(v)) and --test \(test)")
        }
        let validationPairs = v > 0 ? try stream.pairs((train - v)..<train) : nil
        let testPairs = try testPath.map { try FieldPairFile(path: $0, inputKey: inputKey, targetKey: targetKey, layout: layout, order: order, stride: stride).pairs(0..<test) }
            ?? stream.pairs(train..<(train + test))
        return StreamedOperatorData(stream: stream, validation: validationPairs, test: testPairs,
                                    chunkRows: DataResidence.chunkRows(bytesPerRow: stream.bytesPerRow, limitBytes: limit, batchSize: batchSize),
                                    trainRows: train - v)
    }

    /// The training task of `model` (any ``OperatorModel``: FNO, MgNO) on the streamed training rows.
    /// - Throws: `TrainingError` for a model that does not fit the rows, `DatasetError` for a read failure.
    public func task(model: any OperatorModel, configuration: TrainingConfiguration) throws -> OperatorTrainingTask {
        try OperatorTrainingTask(model: model, configuration: configuration, stream: stream, trainRows: trainRows, validation: validation, chunkRows: chunkRows)
    }
}
