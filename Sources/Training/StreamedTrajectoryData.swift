import Foundation
import TensorCore
import Datasets

/// The training trajectories of a next-step run read from an HDF5 array a chunk of trajectories at a time
/// (`--data-residence stream`, or auto for a file larger than the memory limit), with the validation
/// trajectories (the last `validation` of the first `train`) and the test trajectories (the next `test`)
/// read into memory: ``StreamedOperatorData`` for time series.
public struct StreamedTrajectoryData {
    public let stream: TrajectoryStream
    public let validation: Trajectories?, test: Trajectories
    /// Trajectories per chunk: the two chunks held at a time take at most an eighth of the limit (at least one).
    public let chunkTrajectories: Int
    /// The streamed training trajectories: the first `train − validation` of the file.
    public let trainTrajectories: Int

    /// The streamed data `residence` asks for, or nil to read the trajectories into memory (`.memory`, or
    /// auto with a file that fits the limit, is not HDF5, or is a PDEBench / The Well collection).
    /// - Throws: `OperatorRunError` for counts that do not fit the file or a collection asked to stream,
    ///   `DatasetError` for an unreadable file.
    public static func open(path: String, key: String, layout: TrajectoryLayout, order: SampleOrder, stride: Int, residence: DataResidence,
                            memoryLimitMiB: Int?, train: Int, validation v: Int, test: Int) throws -> StreamedTrajectoryData? {
        guard residence != .memory else { return nil }
        if let collection = try? TrajectoryCollection.detect(path) {
            guard residence != .stream else {
                throw OperatorRunError(description: "\(path) is a \(collection.rawValue) collection, read into memory; --data-residence stream reads a plain trajectory array (--trajectory-key, --time-axis)")
            }
            return nil
        }
        let limit = try StreamedOperatorData.limitBytes(memoryLimitMiB: memoryLimitMiB)
        guard let stream = try TrajectoryStream.open(path: path, key: key, layout: layout, order: order, stride: stride, required: residence == .stream),
              residence.streams(fileRows: stream.count, bytesPerRow: stream.bytesPerTrajectory, limitBytes: limit) else { return nil }
        guard train > v, v >= 0, test > 0, !train.addingReportingOverflow(test).overflow, train + test <= stream.count else {
            throw OperatorRunError(description: "\(path) has \(stream.count) trajectories for --train \(train) (of which --validation \(v)) and --test \(test)")
        }
        return StreamedTrajectoryData(stream: stream, validation: v > 0 ? try stream.trajectories((train - v)..<train) : nil,
                                      test: try stream.trajectories(train..<(train + test)),
                                      chunkTrajectories: max(limit / 16 / max(stream.bytesPerTrajectory, 1), 1), trainTrajectories: train - v)
    }

    /// Checks `history` states in and `pushforward` unrolled steps against the trajectories' steps (before
    /// a model with `history` input channels is built).
    /// - Throws: `OperatorRunError` when no window fits.
    public func checkWindows(history: Int, pushforward: Int) throws {
        let steps = stream.steps
        guard history >= 1, pushforward >= 0, history < steps, pushforward < steps, steps - history - pushforward >= 1 else {
            throw OperatorRunError(description: "--history \(history) and --pushforward \(pushforward) leave no window in trajectories of \(steps) steps (history in 1..<\(steps), pushforward ≥ 0, history + pushforward < \(steps))")
        }
    }

    /// The next-step task of `model` on the streamed training trajectories.
    /// - Throws: `TrainingError` for a model or history that does not fit, `DatasetError` for a read failure.
    public func task(model: any OperatorModel, configuration: TrainingConfiguration, history: Int, training: NextStepTraining) throws -> NextStepTrainingTask {
        try NextStepTrainingTask(model: model, configuration: configuration, history: history, training: training, stream: stream,
                                 trainTrajectories: trainTrajectories, validation: validation, chunkTrajectories: chunkTrajectories)
    }
}
