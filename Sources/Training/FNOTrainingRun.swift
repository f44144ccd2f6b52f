import Foundation
import TensorCore
import Datasets
import NeuralLayers
import NeuralOperators

/// One `pdekit train fno` run: an ``OperatorTrainingRun`` with the FNO's architecture (a ``FNOPreset`` and
/// its overrides) and what it learns (``Task``): input/target pairs (in memory or streamed), the next state
/// of a time series, or all later states at once as one space-time operator.
public struct FNOTrainingRun {
    /// What the FNO learns.
    public enum Task: String, CaseIterable, Sendable {
        /// Input field → target field (`inputKey` → `targetKey`).
        case pairs
        /// The last `history` states of a time series → the next state, evaluated by full rollouts.
        case nextStep = "next-step"
        /// The first `history` states → all later ones at once, one operator on space-time (the FNO paper's
        /// FNO-3D); evaluated per time step.
        case spaceTime = "space-time"
    }

    /// The data, split, optimization and output settings (counts of trajectories for the time-series tasks).
    public var run: OperatorTrainingRun
    public var task = Task.pairs
    public var preset = FNOPreset.darcy
    /// Overrides of the preset's modes per axis, width and number of Fourier blocks.
    public var modes: Int?, width: Int?, layers: Int?
    /// Time series: states given to the model (the FNO paper's T_in).
    public var history = 10
    /// Time series: the array of trajectories and its time axis (files whose layout is not recognized from their keys).
    public var trajectoryKey = "sol", timeAxis = TrajectoryLayout.timeLast
    /// Next step: steps the model advances the window without a gradient before the trained step (0: teacher forcing).
    public var pushforward = 0
    /// Time series: what becomes of the collection's scalars (The Well's `scalars/`).
    public var scalarInputs = ScalarInputs.none

    public init(run: OperatorTrainingRun) { self.run = run }

    /// Trains and tests as `task` says and returns the summary line (``OperatorRunSummary`` or
    /// ``NextStepRunSummary``; nil on ranks other than 0).
    public func execute() throws -> (any Encodable)? {
        switch task {
        case .nextStep: return try executeNextStep()
        case .spaceTime: return try executeSpaceTime()
        case .pairs: break
        }
        return try run.trainAndTest { grid, inputChannels, outputChannels in
            try model(grid: grid, inputChannels: inputChannels, outputChannels: outputChannels)
        }
    }

    /// The network for data on `grid` (the FNO's axes; `axes` describes them when they are not just
    /// the data's grid). Modes the grid cannot carry (every axis but the last needs `2m` points, the
    /// last `2m − 2`, zero padding included) are an error naming `--modes`, the grid and the largest
    /// value that fits.
    func model(grid: [Int], axes: String? = nil, inputChannels: Int, outputChannels: Int) throws -> FourierNeuralOperator<Float> {
        let network = try model(spatialDimensions: grid.count, inputChannels: inputChannels, outputChannels: outputChannels)
        let padded = zip(grid, network.paddingWidths(spatialSize: grid)).map { $0 + $1 }
        func fits(_ modes: [Int]) -> Bool { grid.allSatisfy { $0 > 0 } && SpectralConvolution<Float>.supports(modes: modes, spatialSize: padded) }
        guard !fits(network.configuration.modes) else { return network }
        var largest = 0   // --modes values fit from 1 up to some bound (a larger value keeps more modes on every axis)
        while largest < padded.max() ?? 0,
              let next = try? preset.configuration(spatialDimensions: grid.count, inputChannels: inputChannels, outputChannels: outputChannels, modes: largest + 1),
              fits(next.modes) { largest += 1 }
        let asked = modes.map { "--modes \($0)" } ?? "the \(preset.rawValue) preset's modes \(network.configuration.modes) (--modes)"
        let shape = grid.map(String.init).joined(separator: " × ")
        throw OperatorRunError(description: "the grid \(shape)\(axes.map { " (\($0))" } ?? "") of \(run.data) is too small for \(asked): "
            + "an axis of n points (with padding) carries at most n/2 modes, the last n/2 + 1; "
            + (largest > 1 ? "use --modes \(largest) or less" : largest == 1 ? "use --modes 1" : "no --modes fits a grid this small"))
    }

    /// The preset's network with the overrides, initialized from the run's seed.
    public func model(spatialDimensions d: Int, inputChannels: Int, outputChannels: Int) throws -> FourierNeuralOperator<Float> {
        let configuration = try preset.configuration(spatialDimensions: d, inputChannels: inputChannels, outputChannels: outputChannels,
                                                     modes: modes, width: width, layers: layers)
        var generator = SeededRandomNumberGenerator(seed: run.seed)
        return try FourierNeuralOperator<Float>(configuration, generator: &generator)
    }

    /// The trajectories of `run.data`: PDEBench and The Well layouts recognized from their keys, other files
    /// through `trajectoryKey` and `timeAxis`; scalars kept as `scalarInputs` says.
    public func trajectorySplit() throws -> TrajectorySplit {
        try checkTimeSeriesSettings()
        return try TrajectoryCollection.split(run.data, key: trajectoryKey, layout: timeAxis, order: run.sampleOrder, train: run.train,
                                              validation: run.validationCount, test: run.test, stride: run.subsample).applying(scalarInputs)
    }

    func checkTimeSeriesSettings() throws {
        guard run.epochs > 0, run.subsample > 0, pushforward >= 0 else {
            throw OperatorRunError(description: "--epochs and --subsample must be positive and --pushforward non-negative")
        }
    }

    /// The training trajectories streamed from disk when `run.dataResidence` asks for it (``StreamedTrajectoryData``), else nil.
    public func streamedTrajectories(spaceTimeHistory: Int? = nil) throws -> StreamedTrajectoryData? {
        try checkTimeSeriesSettings()
        return try StreamedTrajectoryData.open(path: run.data, key: trajectoryKey, layout: timeAxis, order: run.sampleOrder, stride: run.subsample,
                                               residence: run.dataResidence, memoryLimitMiB: run.memoryLimitMiB, train: run.train,
                                               validation: run.validationCount, test: run.test, scalarInputs: scalarInputs, spaceTimeHistory: spaceTimeHistory)
    }

    /// Space-time: the first `history` states in, the remaining steps out, as one (d+1)-dimensional FNO (Li et al.'s
    /// FNO-3D); trained like pairs (in memory or streamed), and the chosen model's test predictions scored per time
    /// step (rollout.json, rollout.png).
    func executeSpaceTime() throws -> OperatorRunSummary? {
        guard scalarInputs == .none else { throw OperatorRunError(description: "--task space-time takes no --scalar-inputs") }
        if let streamed = try streamedTrajectories(spaceTimeHistory: history) {
            let stream = streamed.stream
            let network = try model(grid: stream.grid + [stream.steps - history], axes: spaceTimeAxes(stream.grid, steps: stream.steps),
                                    inputChannels: history * stream.channels, outputChannels: stream.channels)
            try run.checkBatchSize(trainingRows: streamed.trainTrajectories)
            let (task, test) = try streamed.spaceTimeTask(model: network, configuration: run.trainingConfiguration, history: history)
            return try run.trainAndTest(Trainer(task: task, outputDirectory: URL(fileURLWithPath: run.output)), test: test, spaceTimeHistory: history)
        }
        let split = try trajectorySplit()
        let train = try split.train.spaceTimePairs(history: history), validation = try split.validation?.spaceTimePairs(history: history)
        let test = try split.test.spaceTimePairs(history: history)
        let network = try model(grid: Array(train.inputs.shape.dropFirst(2)), axes: spaceTimeAxes(split.train.grid, steps: split.train.steps),
                                inputChannels: train.inputs.shape[1], outputChannels: train.targets.shape[1])
        return try run.trainAndTest(model: network, train: train, validation: validation, test: test, spaceTimeHistory: history)
    }

    /// What the axes of a space-time FNO are, for errors.
    func spaceTimeAxes(_ grid: [Int], steps: Int) -> String {
        "--task space-time: \(grid.map(String.init).joined(separator: " × ")) points, then the \(steps - history) steps after --history \(history) of \(steps)"
    }

    /// Next step: trains on windows of the trajectories, selects on the validation rollout error, and writes the
    /// test rollouts' per-step error curve (rollout.json, rollout.png) and the last step's fields (fields.png).
    func executeNextStep() throws -> NextStepRunSummary? {
        let training: NextStepTraining = pushforward == 0 ? .teacherForcing : .pushforward(steps: pushforward)
        if let streamed = try streamedTrajectories() {
            try streamed.checkWindows(history: history, pushforward: pushforward)
            let c = streamed.stream.channels
            let network = try model(grid: streamed.stream.grid, inputChannels: history * c + streamed.stream.scalarNames.count, outputChannels: c)
            let trainer = NextStepTrainer(task: try streamed.task(model: network, configuration: run.trainingConfiguration, history: history, training: training),
                                          outputDirectory: URL(fileURLWithPath: run.output))
            trainer.showsProgress = run.showsProgress
            trainer.communicator = run.communicator
            return try trainer.runAndTest(streamed, run: run.output, resume: run.resume)
        }
        let split = try trajectorySplit()
        let c = split.train.channels
        let (stateChannels, overflow) = history.multipliedReportingOverflow(by: c)
        guard history >= 1, !overflow, history < split.train.steps else {
            throw OperatorRunError(description: "--history \(history) must be in 1..<\(split.train.steps) (the trajectories' steps)")
        }
        let network = try model(grid: split.train.grid, inputChannels: stateChannels + split.train.scalarCount, outputChannels: c)
        let task = try NextStepTrainingTask(model: network, configuration: run.trainingConfiguration, history: history,
                                            training: training, train: split.train, validation: split.validation)
        let trainer = NextStepTrainer(task: task, outputDirectory: URL(fileURLWithPath: run.output))
        trainer.showsProgress = run.showsProgress
        trainer.communicator = run.communicator   // data parallel under mpirun: rank 0 alone writes and reports
        return try trainer.runAndTest(split, run: run.output, resume: run.resume)
    }
}
