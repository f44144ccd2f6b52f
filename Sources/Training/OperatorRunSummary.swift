import Foundation
import TensorCore
import Datasets

/// The result line of `pdekit train fno` / `train mgno` (pairs, streamed or space-time): the test errors
/// of the chosen (best-validation) and of the final model.
public struct OperatorRunSummary: Codable, Sendable {
    public var run: String, model: String, data_residence: String, epochs: Int, best_epoch: Int
    public var selected_on: String, validation_samples: Int, best_validation_relative_l2: Double?, stopped_early: Bool
    public var test_relative_l2: Double, test_relative_h1: Double, final_test_relative_l2: Double, final_test_relative_h1: Double
    public var parameters: Int, mean_epoch_seconds: Double, step_seconds: Double, allreduce_seconds: Double
    /// Streamed runs: rows per chunk.
    public var chunk_rows: Int?
    /// Space-time runs (`--task space-time`): the task, the given states and the per-step test errors.
    public var task: String?, history: Int?, test_last_step_relative_l2: Double?, test_relative_l2_per_step: [Double]?
}

extension Trainer {
    /// Trains (resuming if asked), evaluates the final and the chosen (best.safetensors) model on `test`,
    /// writes fields.png, and for a space-time model (`spaceTimeHistory` given states) the per-step test
    /// errors as rollout.json and rollout.png. Returns nil on ranks other than 0, which only train.
    /// Needs an output directory; `run` is its name as the user gave it.
    public func runAndTest(_ test: FieldPairs, run: String, resume: Bool, batchSize: Int, spaceTimeHistory: Int? = nil) throws -> OperatorRunSummary? {
        guard let directory = outputDirectory else { throw OperatorRunError(description: "an operator run needs an output directory") }
        let summary = try self.run(resume: resume)
        guard communicator.isRoot else { return nil }
        let final = try trainedModel.evaluate(test, batchSize: batchSize)
        let (chosen, _) = try TrainedModel.load(from: directory.appendingPathComponent("best.safetensors"))
        let evaluation = try chosen.evaluate(test, batchSize: batchSize)
        for (name, value) in [("chosen model's test relative L2", evaluation.relativeL2), ("final model's test relative L2", final.relativeL2)] where !value.isFinite {
            throw OperatorRunError(description: "the \(name) is \(value)")
        }
        try OperatorPlots.writeFields(input: test.inputs, truth: test.targets, prediction: evaluation.predictions, sample: 0,
                                      to: directory.appendingPathComponent("fields.png"))
        let seconds = summary.history.map(\.seconds)
        let best = summary.bestEpoch >= 0 && summary.bestEpoch < summary.history.count ? summary.history.first { $0.epoch == summary.bestEpoch } : nil
        var result = OperatorRunSummary(
            run: run, model: type(of: model).kind.rawValue, data_residence: task.stream == nil ? "memory" : "stream",
            epochs: summary.history.count, best_epoch: summary.bestEpoch + 1, selected_on: validation == nil ? "train_loss" : "validation",
            validation_samples: validation?.count ?? 0, best_validation_relative_l2: best?.validationRelativeL2.flatMap { $0.isFinite ? $0 : nil },
            stopped_early: summary.stoppedEarly, test_relative_l2: evaluation.relativeL2, test_relative_h1: evaluation.relativeH1,
            final_test_relative_l2: final.relativeL2, final_test_relative_h1: final.relativeH1, parameters: model.parameterCount,
            mean_epoch_seconds: seconds.isEmpty ? 0 : seconds.reduce(0, +) / Double(seconds.count),
            step_seconds: summary.stepSeconds, allreduce_seconds: summary.allreduceSeconds)
        if task.stream != nil { result.chunk_rows = task.chunkRows }
        if let history = spaceTimeHistory {
            let rollout = TrajectoryRollout.evaluate(Trajectories.timeSeries(fromSpaceTime: evaluation.predictions),
                                                     against: Trajectories.timeSeries(fromSpaceTime: test.targets), history: history)
            try TrajectoryRollout.write(rollout, json: directory.appendingPathComponent("rollout.json"), plot: directory.appendingPathComponent("rollout.png"), label: "test")
            (result.task, result.history, result.test_relative_l2_per_step) = ("space-time", history, rollout.relativeL2PerStep)
            result.test_last_step_relative_l2 = rollout.relativeL2PerStep.last.flatMap { $0.isFinite ? $0 : nil }
        }
        return result
    }
}
