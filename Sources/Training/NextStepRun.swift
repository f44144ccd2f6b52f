import Foundation
import TensorCore
import Datasets

/// The result line of a next-step run (`pdekit train fno --task next-step`); counts of trajectories.
public struct NextStepRunSummary: Codable, Sendable {
    public var run: String, model = "fno", task = "next-step", data_residence: String, training: String, history: Int, rollout_steps: Int
    public var scalar_inputs: [String], epochs: Int, best_epoch: Int, selected_on: String
    public var train_trajectories: Int, validation_trajectories: Int, test_trajectories: Int
    public var best_validation_rollout_relative_l2: Double?, stopped_early: Bool
    public var test_rollout_relative_l2: Double, test_last_step_relative_l2: Double, final_test_rollout_relative_l2: Double
    public var parameters: Int, mean_epoch_seconds: Double
}

extension NextStepTrainer {
    /// Trains (selecting on the validation rollout error), rolls the chosen and the final model out over
    /// `split.test`, writes rollout.json, rollout.png and fields.png (the first test trajectory's last
    /// given state, and the truth and rollout at the last step) and returns the summary. `run` is the
    /// output directory as the user named it. Under several ranks every rank trains and rank 0 alone
    /// tests, writes and returns the summary (nil on the others).
    public func runAndTest(_ split: TrajectorySplit, run: String, resume: Bool) throws -> NextStepRunSummary? {
        try runAndTest(test: split.test, trainTrajectories: split.train.count, validationTrajectories: split.validation?.count ?? 0,
                       scalarNames: split.train.scalarNames, run: run, resume: resume)
    }

    /// The same for trajectories streamed from disk (``StreamedTrajectoryData``).
    public func runAndTest(_ streamed: StreamedTrajectoryData, run: String, resume: Bool) throws -> NextStepRunSummary? {
        try runAndTest(test: streamed.test, trainTrajectories: streamed.trainTrajectories, validationTrajectories: streamed.validation?.count ?? 0,
                       scalarNames: streamed.stream.scalarNames, run: run, resume: resume)
    }

    func runAndTest(test: Trajectories, trainTrajectories: Int, validationTrajectories: Int, scalarNames: [String], run: String,
                    resume: Bool) throws -> NextStepRunSummary? {
        let summary = try self.run(resume: resume)
        guard communicator.isRoot else { return nil }
        let history = task.history
        let final = try TrajectoryRollout.run(task.trainedModel, on: test, history: history, batchSize: task.configuration.batchSize).evaluation
        let (predictions, chosen) = try evaluateRollouts(test, model: try chosenModel())
        for (name, value) in [("chosen model's test rollout relative L2", chosen.relativeL2), ("final model's", final.relativeL2)] where !value.isFinite {
            throw OperatorRunError(description: "the \(name) is \(value)")
        }
        let last = predictions.shape[1] - 1, steps = test.steps, stateShape = [test.count, test.channels] + test.grid
        func state(_ t: Tensor<Float>, _ step: Int) -> Tensor<Float> { t.sliced(alongAxis: 1, step..<(step + 1)).reshaped(stateShape) }
        if let outputDirectory {
            try OperatorPlots.writeFields(input: state(test.states, history - 1), truth: state(test.states, steps - 1),
                                          prediction: state(predictions, last), sample: 0, to: outputDirectory.appendingPathComponent("fields.png"))
        }
        let seconds = summary.history.map(\.seconds)
        let best = summary.history.first { $0.epoch == summary.bestEpoch }
        return NextStepRunSummary(
            run: run, data_residence: task.stream == nil ? "memory" : "stream", training: task.training.description, history: history, rollout_steps: chosen.steps.count,
            scalar_inputs: scalarNames, epochs: summary.history.count, best_epoch: summary.bestEpoch + 1,
            selected_on: validationTrajectories == 0 ? "train_loss" : "validation_rollout", train_trajectories: trainTrajectories,
            validation_trajectories: validationTrajectories, test_trajectories: test.count,
            best_validation_rollout_relative_l2: best?.validationRelativeL2.flatMap { $0.isFinite ? $0 : nil }, stopped_early: summary.stoppedEarly,
            test_rollout_relative_l2: chosen.relativeL2, test_last_step_relative_l2: chosen.relativeL2PerStep.last ?? 0,
            final_test_rollout_relative_l2: final.relativeL2, parameters: task.model.parameterCount,
            mean_epoch_seconds: seconds.isEmpty ? 0 : seconds.reduce(0, +) / Double(seconds.count))
    }
}
