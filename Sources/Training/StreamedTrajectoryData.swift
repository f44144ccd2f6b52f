import Foundation
import TensorCore
import Datasets

/// The training trajectories of a next-step or space-time run read from disk a chunk at a time
/// (`--data-residence stream`, or auto for data larger than the memory limit), with the validation and
/// test trajectories read into memory: ``StreamedOperatorData`` for time series.
///
/// Any trajectory file streams: a plain HDF5 array (`--trajectory-key`, `--time-axis`), a PDEBench file
/// (`tensor`, per-seed groups, compressible Navier–Stokes fields) or a The Well file, whose validation
/// trajectories are the last `validation` of the first `train` and the test trajectories the next `test`;
/// and a The Well dataset directory, whose `train` split streams (its first `train − validation`
/// trajectories, across its files) while `valid` and `test` give the validation and test trajectories.
public struct StreamedTrajectoryData {
    public let stream: TrajectoryStream
    public let validation: Trajectories?, test: Trajectories
    /// The streamed training trajectories: the first `trainTrajectories` of `stream`.
    public let trainTrajectories: Int
    /// The data limit in bytes (``StreamedOperatorData/limitBytes(memoryLimitMiB:)``).
    public let limitBytes: Int

    /// The streamed data `residence` asks for, or nil to read the trajectories into memory (`.memory`, or
    /// auto with data that fit the limit or a file that is not HDF5).
    ///
    /// - Parameters:
    ///   - scalarInputs: whether The Well's scalars are read with the trajectories (`.broadcast`).
    ///   - spaceTimeHistory: for `--task space-time`, the states in: auto then weighs the space-time pairs
    ///     (inputs repeated along the `T − h` predicted steps) instead of the trajectories.
    /// - Throws: `OperatorRunError` for counts that do not fit the file, `DatasetError` for an unreadable file.
    public static func open(path: String, key: String, layout: TrajectoryLayout, order: SampleOrder, stride: Int, residence: DataResidence,
                            memoryLimitMiB: Int?, train: Int, validation v: Int, test: Int, scalarInputs: ScalarInputs = .none,
                            spaceTimeHistory: Int? = nil) throws -> StreamedTrajectoryData? {
        guard residence != .memory else { return nil }
        let limit = try StreamedOperatorData.limitBytes(memoryLimitMiB: memoryLimitMiB)
        let keepsScalars = scalarInputs == .broadcast
        let collection = try TrajectoryCollection.detect(path)
        let stream: TrajectoryStream
        switch collection {
        case .theWellDirectory: stream = try TrajectoryCollection.wellSplit(path, "train", stride: stride, keepsScalars: keepsScalars)
        case .some: stream = try TrajectoryStream(collection: path, stride: stride, keepsScalars: keepsScalars)
        case nil:
            guard let plain = try TrajectoryStream.open(path: path, key: key, layout: layout, order: order, stride: stride, required: residence == .stream) else { return nil }
            stream = plain
        }
        guard train > v, v >= 0, test > 0, !train.addingReportingOverflow(test).overflow else {
            throw OperatorRunError(description: "--train \(train) (of which --validation \(v)) and --test \(test) are not counts of trajectories")
        }
        let trainTrajectories = collection == .theWellDirectory ? min(train - v, stream.count) : train - v
        let bytesPerRow = try spaceTimeHistory.map { try SpaceTimePairStream(stream, history: $0).bytesPerRow } ?? stream.bytesPerTrajectory
        guard residence.streams(fileRows: trainTrajectories, bytesPerRow: bytesPerRow, limitBytes: limit) else { return nil }
        if collection == .theWellDirectory {
            func split(_ name: String, _ count: Int) throws -> Trajectories {
                try TrajectoryCollection.wellSplit(path, name, stride: stride, keepsScalars: keepsScalars).trajectories(limit: count)
            }
            return StreamedTrajectoryData(stream: stream, validation: v > 0 ? try split("valid", v) : nil, test: try split("test", test),
                                          trainTrajectories: trainTrajectories, limitBytes: limit)
        }
        guard train + test <= stream.count else {
            throw OperatorRunError(description: "\(path) has \(stream.count) trajectories for --train \(train) (of which --validation \(v)) and --test \(test)")
        }
        return StreamedTrajectoryData(stream: stream, validation: v > 0 ? try stream.trajectories((train - v)..<train) : nil,
                                      test: try stream.trajectories(train..<(train + test)), trainTrajectories: trainTrajectories, limitBytes: limit)
    }

    /// Checks `history` states in and `pushforward` unrolled steps against the trajectories' steps (before
    /// a model with `history` input channels is built).
    /// - Throws: `OperatorRunError` when no window fits.
    public func checkWindows(history: Int, pushforward: Int) throws {
        let steps = stream.steps
        guard history >= 1, pushforward >= 0, history < steps, pushforward < steps, steps - history - pushforward >= 1,
              !history.multipliedReportingOverflow(by: stream.channels).overflow else {
            throw OperatorRunError(description: "--history \(history) and --pushforward \(pushforward) leave no window in trajectories of \(steps) steps (history in 1..<\(steps), pushforward ≥ 0, history + pushforward < \(steps))")
        }
    }

    /// Windows per chunk: a window holds `history` input states and a target, and the two chunks held at a
    /// time take at most an eighth of the limit (``DataResidence/chunkRows(bytesPerRow:limitBytes:batchSize:)``).
    public func chunkWindows(history: Int, batchSize: Int) -> Int {
        let (bytes, overflow) = stream.bytesPerState.multipliedReportingOverflow(by: history + 1)
        return DataResidence.chunkRows(bytesPerRow: overflow ? .max : bytes, limitBytes: limitBytes, batchSize: batchSize)
    }

    /// The next-step task of `model` on the streamed training trajectories.
    /// - Throws: `TrainingError` for a model or history that does not fit, `DatasetError` for a read failure.
    public func task(model: any OperatorModel, configuration: TrainingConfiguration, history: Int, training: NextStepTraining) throws -> NextStepTrainingTask {
        try NextStepTrainingTask(model: model, configuration: configuration, history: history, training: training, stream: stream,
                                 trainTrajectories: trainTrajectories, validation: validation,
                                 chunkWindows: chunkWindows(history: history, batchSize: configuration.batchSize))
    }

    /// The space-time task (``SpaceTimePairStream``: the first `history` states in, the rest out) of
    /// `model` on the streamed training trajectories, and the validation and test pairs.
    /// - Throws: `DatasetError` for a history that does not fit, `TrainingError` for a model that does not fit the pairs.
    public func spaceTimeTask(model: any OperatorModel, configuration: TrainingConfiguration, history: Int) throws -> (task: OperatorTrainingTask, test: FieldPairs) {
        let pairs = try SpaceTimePairStream(stream, history: history)
        let chunkRows = DataResidence.chunkRows(bytesPerRow: pairs.bytesPerRow, limitBytes: limitBytes, batchSize: configuration.batchSize)
        let task = try OperatorTrainingTask(model: model, configuration: configuration, stream: pairs, trainRows: trainTrajectories,
                                            validation: try validation?.withoutScalars.spaceTimePairs(history: history), chunkRows: chunkRows)
        return (task, try test.withoutScalars.spaceTimePairs(history: history))
    }
}
