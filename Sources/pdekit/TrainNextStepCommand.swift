import ArgumentParser
import Foundation
import PDEKit

/// What `pdekit train fno` learns.
enum FNOTask: String, ExpressibleByArgument, CaseIterable {
    /// Input field → target field (`--input-key` → `--target-key`).
    case pairs
    /// The last `--history` states of a time series → the next state, evaluated by full rollouts.
    case nextStep = "next-step"
    /// The first `--history` states → all later ones at once, one operator on space-time (the FNO
    /// paper's FNO-3D); evaluated per time step.
    case spaceTime = "space-time"
}

extension TrajectoryLayout: ExpressibleByArgument {}
extension ScalarInputs: ExpressibleByArgument {}

/// The flags of `pdekit train fno --task next-step`.
struct NextStepOptions: ParsableArguments {
    @Option(help: "With --task next-step: states given to the model (the FNO paper's T_in).") var history: Int = 10
    @Option(help: "With --task next-step: array of trajectories.") var trajectoryKey: String = "sol"
    @Option(help: "With --task next-step: time axis of the trajectory array: \(TrajectoryLayout.allCases.map(\.rawValue).joined(separator: ", ")) (pdekit generate navier-stokes: time-last).")
    var timeAxis: TrajectoryLayout = .timeLast
    @Option(help: "With --task next-step: pushforward steps (the model advances the window this many times without a gradient before the trained step; 0: teacher forcing).")
    var pushforward: Int = 0
    @Option(help: "With --task next-step: the collection's scalars (The Well's scalars/): \(ScalarInputs.allCases.map(\.rawValue).joined(separator: ", ")) (broadcast: one input channel each, its value at the window's last step).")
    var scalarInputs: ScalarInputs = .none
}

extension TrainFNO {
    /// The trajectories of --data: PDEBench and The Well layouts recognized from their keys, other files
    /// through --trajectory-key and --time-axis; scalars kept as --scalar-inputs says.
    func trajectorySplit() throws -> TrajectorySplit {
        let o = options
        guard o.epochs > 0, o.subsample > 0, nextStep.pushforward >= 0 else {
            throw OperatorCommandError(description: "--epochs and --subsample must be positive and --pushforward non-negative")
        }
        guard o.dataResidence != .stream else { throw OperatorCommandError(description: "--data-residence stream is implemented for --task pairs and next-step only") }
        return try TrajectoryCollection.split(o.data, key: nextStep.trajectoryKey, layout: nextStep.timeAxis, order: o.sampleOrder,
                                              train: o.train, validation: o.validationCount, test: o.test, stride: o.subsample).applying(nextStep.scalarInputs)
    }

    /// `--task space-time`: the first --history states in, the remaining steps out, as one (d+1)-dimensional
    /// FNO (Li et al.'s FNO-3D); trained like --task pairs, and the chosen model's test predictions scored
    /// per time step (rollout.json, rollout.png).
    func executeSpaceTime() throws {
        let split = try trajectorySplit()
        guard split.train.scalarCount == 0 else { throw OperatorCommandError(description: "--task space-time takes no --scalar-inputs") }
        let h = nextStep.history
        let train = try split.train.spaceTimePairs(history: h), validation = try split.validation?.spaceTimePairs(history: h)
        let test = try split.test.spaceTimePairs(history: h)
        var generator = SeededRandomNumberGenerator(seed: options.seed)
        let model = try FourierNeuralOperator<Float>(modelConfiguration(spatialDimensions: split.train.spatialDimensions + 1, inputChannels: train.inputs.shape[1],
                                                                        outputChannels: train.targets.shape[1]), generator: &generator)
        try options.run(model: model, train: train, validation: validation, test: test, spaceTimeHistory: h)
    }

    /// `--task next-step`: trains on windows of the trajectories (counts of --train/--validation/--test are
    /// trajectories), selects on the validation rollout error, and writes the test rollouts' per-step
    /// error curve (rollout.json, rollout.png) and the last step's fields (fields.png).
    func executeNextStep() throws {
        let o = options
        let training: NextStepTraining = nextStep.pushforward == 0 ? .teacherForcing : .pushforward(steps: nextStep.pushforward)
        if o.epochs > 0, o.subsample > 0, let streamed = try StreamedTrajectoryData.open(
            path: o.data, key: nextStep.trajectoryKey, layout: nextStep.timeAxis, order: o.sampleOrder, stride: o.subsample, residence: o.dataResidence,
            memoryLimitMiB: o.memoryLimit, train: o.train, validation: o.validationCount, test: o.test) {
            try streamed.checkWindows(history: nextStep.history, pushforward: nextStep.pushforward)
            var generator = SeededRandomNumberGenerator(seed: o.seed)
            let model = try FourierNeuralOperator<Float>(modelConfiguration(spatialDimensions: streamed.stream.grid.count, inputChannels: nextStep.history,
                                                                            outputChannels: 1), generator: &generator)
            let trainer = NextStepTrainer(task: try streamed.task(model: model, configuration: o.trainingConfiguration, history: nextStep.history, training: training),
                                          outputDirectory: URL(fileURLWithPath: o.output))
            trainer.showsProgress = !o.quiet
            trainer.communicator = Job.communicator
            if let summary = try trainer.runAndTest(streamed, run: o.output, resume: o.resume) { try JSONLine.print(summary) }
            return
        }
        let split = try trajectorySplit()
        let c = split.train.channels
        let (stateChannels, overflow) = nextStep.history.multipliedReportingOverflow(by: c)
        let inputChannels = stateChannels + split.train.scalarCount
        guard nextStep.history >= 1, !overflow, nextStep.history < split.train.steps else {
            throw OperatorCommandError(description: "--history \(nextStep.history) must be in 1..<\(split.train.steps) (the trajectories' steps)")
        }
        var generator = SeededRandomNumberGenerator(seed: o.seed)
        let model = try FourierNeuralOperator<Float>(modelConfiguration(spatialDimensions: split.train.spatialDimensions, inputChannels: inputChannels, outputChannels: c),
                                                     generator: &generator)
        let task = try NextStepTrainingTask(model: model, configuration: o.trainingConfiguration, history: nextStep.history, training: training,
                                            train: split.train, validation: split.validation)
        let trainer = NextStepTrainer(task: task, outputDirectory: URL(fileURLWithPath: o.output))
        trainer.showsProgress = !o.quiet
        trainer.communicator = Job.communicator   // data parallel under mpirun: rank 0 alone writes and reports
        if let summary = try trainer.runAndTest(split, run: o.output, resume: o.resume) { try JSONLine.print(summary) }
    }
}
