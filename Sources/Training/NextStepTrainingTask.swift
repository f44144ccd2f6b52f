import Foundation
import TensorCore
import AutoDiff
import NeuralLayers
import NeuralOperators
import Datasets
import Distributed

/// How the next-step task forms its training inputs.
public enum NextStepTraining: Sendable, Equatable, CustomStringConvertible {
    /// The window is always `h` true states (teacher forcing): `L = rel‖F(u_{t−h+1..t}) − u_{t+1}‖`.
    case teacherForcing
    /// Brandstetter, Worrall & Welling 2022's pushforward trick: the window's states are first advanced
    /// `steps` times by the model itself without a gradient, then one step is trained, so the model
    /// learns to correct the errors of its own rollouts: `L = rel‖F(F^{steps}(u_{t−h+1..t})) − u_{t+1+steps}‖`.
    case pushforward(steps: Int)

    /// Steps advanced without a gradient before the trained step.
    public var unrolledSteps: Int {
        switch self {
        case .teacherForcing: return 0
        case .pushforward(let steps): return steps
        }
    }

    public var description: String {
        switch self {
        case .teacherForcing: return "teacher-forcing"
        case .pushforward(let steps): return "pushforward-\(steps)"
        }
    }
}

/// Autoregressive (next-step) training of a neural operator on time series, as a ``TrainingTask``:
/// the last `h` states `u_{t−h+1}, …, u_t` (as `h·C` channels; an FNO appends the grid) in, `u_{t+1}`
/// out: Li et al. 2021's recurrent FNO-2D for Navier–Stokes.
///
/// The training rows are all windows `(trajectory, t)` that leave room for `h` inputs, the unrolled
/// steps and one target. States are normalized with ONE per-point unit-Gaussian normalizer fitted on all
/// training states (every channel block of the window uses it, and the model's output is the next
/// encoded state), so rollouts feed predictions back unchanged. The loss is the mean relative L2 of the
/// decoded prediction against the raw next state. Conditioning scalars (``Trajectories/scalars``, The
/// Well's `scalars/`) are `S` extra input channels after the window, each the value at the window's last
/// step broadcast over the grid and normalized by its mean and standard deviation over the training
/// trajectories and steps. The selection metric is the full-rollout relative L2
/// on the validation trajectories (``TrajectoryRollout``); the test trajectories are not part of the task.
///
/// Streamed (``init(model:configuration:history:training:stream:trainTrajectories:validation:chunkTrajectories:)``),
/// the training trajectories are read from disk a chunk of consecutive trajectories at a time by a
/// ``ChunkPrefetcher`` (one chunk ahead, on its own thread) and the windows of an epoch are shuffled within
/// the chunks (``ChunkPrefetcher/chunkedOrder(count:chunkRows:seed:epoch:)`` over window indices, a chunk
/// being the windows of `chunkTrajectories` trajectories). The state normalizer is fitted in two passes and
/// equals the in-memory one bit for bit, and the fingerprint is the same hash of the same states, so the
/// same windows give the same losses and a run may resume in the other residence (the checkpoint records
/// the order's chunk size, ``orderChunkRows``, and a resumed task adopts it).
public final class NextStepTrainingTask: TrainingTask {
    public let model: any OperatorModel
    public let configuration: TrainingConfiguration
    public let history: Int
    public let training: NextStepTraining
    /// The training trajectories in memory (nil when streamed).
    public let train: Trajectories?
    public let validation: Trajectories?
    /// The streamed training trajectories (encoded states as inputs, raw ones as targets; nil in memory).
    public let stream: ChunkPrefetcher?
    /// Trajectories per streamed chunk (0 in memory).
    public let chunkTrajectories: Int
    /// Windows per chunk of the epoch's shuffle: all windows in memory (the loop's shuffle),
    /// `chunkTrajectories` trajectories' windows streamed, or what a resumed run's checkpoint recorded.
    public private(set) var orderChunkRows: Int
    /// The metadata key of ``orderChunkRows`` in a checkpoint.
    public static let orderChunkRowsKey = "pdekit.next_step.order_chunk_rows"
    let grid: [Int]
    let stateNormalizer: PointwiseNormalizer<Float>
    /// `[1, S]` statistics of the conditioning scalars (nil without them).
    let scalarNormalizer: PointwiseNormalizer<Float>?
    let encodedTrain: Trajectories?
    /// Windows per trajectory, `T − h − unrolled`; window `i` is `(i / W, i % W)`.
    let windowsPerTrajectory: Int
    let windowStarts: [(sample: Int, start: Int)]
    let streamFingerprint: String?

    /// Metadata keys of the history and the training mode in a checkpoint.
    public static let historyKey = "pdekit.next_step.history"
    public static let trainingKey = "pdekit.next_step.training"

    public init(model: any OperatorModel, configuration: TrainingConfiguration, history: Int, training: NextStepTraining = .teacherForcing,
                train: Trajectories, validation: Trajectories?) throws {
        try configuration.validate()
        let unrolled = training.unrolledSteps
        guard history >= 1, unrolled >= 0 else {
            throw TrainingError.invalidConfiguration("the history must be at least 1 step and the pushforward steps non-negative")
        }
        // Windows need h inputs + unrolled steps + 1 target: T − h − unrolled ≥ 1 (no overflow: h, unrolled < T checked first).
        guard history < train.steps, unrolled < train.steps, train.steps - history - unrolled >= 1 else {
            throw TrainingError.dataMismatch("trajectories of \(train.steps) steps leave no window of \(history) inputs, \(unrolled) pushforward steps and a target")
        }
        if let validation, validation.steps <= history || validation.channels != train.channels || validation.grid != train.grid
            || validation.scalarNames != train.scalarNames {
            throw TrainingError.dataMismatch("validation trajectories \(validation.states.shape) do not fit training trajectories \(train.states.shape) with \(history) steps in")
        }
        let channels = model.channelCounts
        guard channels.input == history * train.channels + train.scalarCount, channels.output == train.channels else {
            throw TrainingError.dataMismatch("the model takes \(channels.input) channels to \(channels.output); \(history) states of \(train.channels) channels and \(train.scalarCount) scalars need \(history * train.channels + train.scalarCount) to \(train.channels)")
        }
        try model.validateInput(shape: [1, channels.input] + train.grid)
        self.model = model
        self.configuration = configuration
        self.history = history
        self.training = training
        self.train = train
        self.validation = validation
        stream = nil
        chunkTrajectories = 0
        streamFingerprint = nil
        grid = train.grid
        let flat = train.states.reshaped([train.count * train.steps, train.channels] + train.grid)
        if configuration.normalize {
            stateNormalizer = try PointwiseNormalizer(fitting: flat)
        } else {
            let statistic = [1, train.channels] + train.grid
            stateNormalizer = PointwiseNormalizer(mean: Tensor(repeating: 0, shape: statistic), standardDeviation: Tensor(repeating: 1, shape: statistic), epsilon: 0)
        }
        var encodedScalars: Tensor<Float>?
        if let scalars = train.scalars {
            let rows = scalars.reshaped([train.count * train.steps, train.scalarCount])
            let normalizer = configuration.normalize ? try PointwiseNormalizer(fitting: rows)
                : PointwiseNormalizer(mean: Tensor(repeating: 0, shape: [1, train.scalarCount]), standardDeviation: Tensor(repeating: 1, shape: [1, train.scalarCount]), epsilon: 0)
            scalarNormalizer = normalizer
            encodedScalars = normalizer.encode(rows).reshaped(scalars.shape)
        } else {
            scalarNormalizer = nil
        }
        encodedTrain = try Trajectories(states: stateNormalizer.encode(flat).reshaped(train.states.shape), scalars: encodedScalars,
                                        scalarNames: train.scalarNames, path: "<encoded training trajectories>")
        windowsPerTrajectory = train.steps - history - unrolled
        windowStarts = Self.windowStarts(trajectories: train.count, windowsPerTrajectory: windowsPerTrajectory)
        orderChunkRows = windowStarts.count
    }

    /// Training trajectories `0..<trainTrajectories` of `source` read from disk `chunkTrajectories` at a
    /// time (the validation trajectories in memory); the state normalizer takes two passes over them first.
    /// - Throws: `TrainingError` for a configuration or model that does not fit the data, `DatasetError`
    ///   for a read failure.
    public init(model: any OperatorModel, configuration: TrainingConfiguration, history: Int, training: NextStepTraining = .teacherForcing,
                stream source: TrajectoryStream, trainTrajectories: Int, validation: Trajectories?, chunkTrajectories requested: Int) throws {
        try configuration.validate()
        let unrolled = training.unrolledSteps, steps = source.steps
        guard history >= 1, unrolled >= 0, trainTrajectories >= 1, trainTrajectories <= source.count, requested >= 1 else {
            throw TrainingError.invalidConfiguration("history \(history), pushforward \(unrolled), \(trainTrajectories) streamed training trajectories of \(source.count), chunks of \(requested)")
        }
        guard history < steps, unrolled < steps, steps - history - unrolled >= 1 else {
            throw TrainingError.dataMismatch("trajectories of \(steps) steps leave no window of \(history) inputs, \(unrolled) pushforward steps and a target")
        }
        if let validation, validation.steps <= history || validation.channels != 1 || validation.grid != source.grid || validation.scalarCount != 0 {
            throw TrainingError.dataMismatch("validation trajectories \(validation.states.shape) do not fit streamed trajectories of \(steps) steps on \(source.grid) with \(history) steps in")
        }
        let channels = model.channelCounts
        guard channels.input == history, channels.output == 1 else {
            throw TrainingError.dataMismatch("the model takes \(channels.input) channels to \(channels.output); \(history) states of 1 channel need \(history) to 1")
        }
        try model.validateInput(shape: [1, channels.input] + source.grid)
        self.model = model
        self.configuration = configuration
        self.history = history
        self.training = training
        self.train = nil
        self.validation = validation
        grid = source.grid
        scalarNormalizer = nil
        encodedTrain = nil
        let chunk = min(requested, trainTrajectories)
        chunkTrajectories = chunk
        windowsPerTrajectory = steps - history - unrolled
        windowStarts = Self.windowStarts(trajectories: trainTrajectories, windowsPerTrajectory: windowsPerTrajectory)
        orderChunkRows = chunk * windowsPerTrajectory
        // Trajectories.fingerprint of the same states (shape, then values), and the state statistics over
        // all training states, in two passes over the chunks.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ word: UInt64) { hash = (hash ^ word) &* 0x0000_0100_0000_01b3 }
        for size in [trainTrajectories, steps, 1] + source.grid { mix(UInt64(size)) }
        let stateShape = [1] + source.grid
        var fit = PointwiseNormalizer<Float>.StreamingFit(sampleShape: stateShape)
        let ranges = Swift.stride(from: 0, to: trainTrajectories, by: chunk).map { $0..<min(trainTrajectories, $0 + chunk) }
        func states(_ range: Range<Int>) throws -> Tensor<Float> { try source.read(Array(range)).reshaped([range.count * steps] + stateShape) }
        for range in ranges {
            let flat = try states(range)
            flat.scalars.withUnsafeBufferPointer { values in for value in values { mix(UInt64(value.bitPattern)) } }
            if configuration.normalize { fit.accumulateMean(flat) }
        }
        streamFingerprint = String(hash, radix: 16)
        if configuration.normalize {
            fit.finishMean()
            for range in ranges { fit.accumulateDeviations(try states(range)) }
            stateNormalizer = fit.normalizer
        } else {
            stateNormalizer = PointwiseNormalizer(mean: Tensor(repeating: 0, shape: [1] + stateShape), standardDeviation: Tensor(repeating: 1, shape: [1] + stateShape), epsilon: 0)
        }
        let normalizer = stateNormalizer
        stream = ChunkPrefetcher(path: source.path, read: { indices in
            let states = try source.read(indices)
            return (states, states)
        }, transform: { chunk in
            let shape = chunk.inputs.shape
            let flat = chunk.inputs.reshaped([shape[0] * shape[1]] + Array(shape.dropFirst(2)))
            return (normalizer.encode(flat).reshaped(shape), chunk.targets)
        })
    }

    static func windowStarts(trajectories: Int, windowsPerTrajectory: Int) -> [(sample: Int, start: Int)] {
        var starts: [(sample: Int, start: Int)] = []
        starts.reserveCapacity(trajectories * windowsPerTrajectory)
        for sample in 0..<trajectories {
            for start in 0..<windowsPerTrajectory { starts.append((sample, start)) }
        }
        return starts
    }

    /// The model with its normalizers: the input normalizer is the state normalizer repeated for each of
    /// the `h` channel blocks, then the scalars' statistics broadcast over the grid.
    public var trainedModel: TrainedModel {
        let grid = self.grid, points = grid.reduce(1, *)
        func broadcast(_ statistic: Tensor<Float>, plus epsilon: Float) -> Tensor<Float> {
            Tensor(uncheckedShape: [1, statistic.count] + grid, scalars: statistic.scalars.flatMap { [Float](repeating: $0 + epsilon, count: points) })
        }
        // PointwiseNormalizer adds one ε to every σ: the scalars' own ε is folded into their σ.
        let scalarMean = scalarNormalizer.map { [broadcast($0.mean, plus: 0)] } ?? []
        let scalarDeviation = scalarNormalizer.map { [broadcast($0.standardDeviation, plus: $0.epsilon - stateNormalizer.epsilon)] } ?? []
        let repeated = { (t: Tensor<Float>, extra: [Tensor<Float>]) in
            (try? Tensor.concatenated(Array(repeating: t, count: self.history) + extra, alongAxis: 1)) ?? t
        }
        let input = PointwiseNormalizer(mean: repeated(stateNormalizer.mean, scalarMean),
                                        standardDeviation: repeated(stateNormalizer.standardDeviation, scalarDeviation),
                                        epsilon: stateNormalizer.epsilon)
        return TrainedModel(model: model, trainingConfiguration: configuration, inputNormalizer: input, targetNormalizer: stateNormalizer)
    }

    public var namedParameters: [(name: String, parameter: Parameter<Float>)] { model.namedParameters }
    /// Windows per epoch: `N · (T − h − unrolled)`.
    public var trainingCount: Int { windowStarts.count }

    /// The training and validation trajectories' ``Trajectories/fingerprint``s (streamed: the same hash
    /// computed chunk by chunk), the history and the training mode.
    public private(set) lazy var dataFingerprint: String =
        (streamFingerprint ?? train.map { String($0.fingerprint, radix: 16) } ?? "none") + "-" + (validation.map { String($0.fingerprint, radix: 16) } ?? "none") + "-h\(history)-\(training)"

    /// The order of epoch `epoch`: ``ChunkPrefetcher/chunkedOrder(count:chunkRows:seed:epoch:)`` of the
    /// windows with ``orderChunkRows``; streamed, the prefetcher starts reading the trajectories of the
    /// order in pieces of at most `chunkTrajectories` trajectories. In memory with one chunk: nil (the
    /// loop's shuffle, the same order).
    public func epochOrder(seed: UInt64, epoch: Int) -> [Int]? {
        guard stream != nil || orderChunkRows < trainingCount else { return nil }
        let order = ChunkPrefetcher.chunkedOrder(count: trainingCount, chunkRows: orderChunkRows, seed: seed, epoch: epoch).flatMap { $0 }
        guard let stream else { return order }
        // Cut the order where a piece would need one trajectory more than a chunk holds.
        var plan: [[Int]] = [], piece = Set<Int>()
        for window in order {
            let sample = window / windowsPerTrajectory
            if !piece.contains(sample) && piece.count == chunkTrajectories {
                plan.append(piece.sorted())
                piece = []
            }
            piece.insert(sample)
        }
        if !piece.isEmpty { plan.append(piece.sorted()) }
        stream.start(plan: plan)
        return order
    }

    public func loss(batch indices: [Int]) throws -> Variable<Float> {
        var windows = indices.map { windowStarts[$0] }
        let unrolled = training.unrolledSteps
        let encodedTrain: Trajectories, train: Trajectories
        if let stream {
            // The batch's trajectories (encoded and raw) from the prefetched chunk; windows renumbered.
            let samples = Array(Set(windows.map(\.sample))).sorted()
            let chunk = try stream.rows(samples)
            var local: [Int: Int] = [:]
            for (k, sample) in samples.enumerated() { local[sample] = k }
            windows = windows.map { (local[$0.sample]!, $0.start) }
            encodedTrain = try Trajectories(states: chunk.inputs, path: stream.path)
            train = try Trajectories(states: chunk.targets, path: stream.path)
        } else if let encoded = self.encodedTrain, let raw = self.train {
            (encodedTrain, train) = (encoded, raw)
        } else {
            throw TrainingError.dataMismatch("no training trajectories")
        }
        var x = encodedTrain.windows(windows, length: history)
        for k in 0..<unrolled {
            let shiftedStarts = windows.map { ($0.sample, $0.start + k) }
            x = TrajectoryRollout.shifted(x, appending: model.inference(try TrajectoryRollout.withScalars(x, encodedTrain.scalarChannels(shiftedStarts, length: history))))
        }
        let lastStarts = windows.map { ($0.sample, $0.start + unrolled) }
        x = try TrajectoryRollout.withScalars(x, encodedTrain.scalarChannels(lastStarts, length: history))
        let targetStates = train.windows(windows.map { ($0.sample, $0.start + history + unrolled) }, length: 1)
        let prediction = decode(model(Variable(x)))
        switch configuration.loss {
        case .relativeL2: return Loss.relativeLp(prediction, Variable(targetStates))
        case .relativeH1: return Loss.relativeH1(prediction, Variable(targetStates), spatialDimensions: model.spatialDimensions)
        }
    }

    /// The full-rollout relative L2 of the validation trajectories.
    public func validationMetrics() throws -> ValidationMetrics? {
        guard let validation else { return nil }
        let evaluation = try TrajectoryRollout.run(trainedModel, on: validation, history: history, batchSize: configuration.batchSize).evaluation
        return ValidationMetrics(selection: evaluation.relativeL2, relativeL2: evaluation.relativeL2)
    }

    /// Under several ranks each rank rolls out its contiguous share of the validation trajectories
    /// (``ValidationMetrics/localRange(count:communicator:)``); the rollout error is a mean over
    /// trajectories, so one allreduce of `n_r · e_r` gives every rank the error of the whole split.
    public func validationMetrics(over communicator: Communicator) throws -> ValidationMetrics? {
        guard let validation, communicator.size > 1 else { return try validationMetrics() }
        let rows = ValidationMetrics.localRange(count: validation.count, communicator: communicator)
        let local = rows.isEmpty ? 0
            : try TrajectoryRollout.run(trainedModel, on: validation.subset(rows), history: history, batchSize: configuration.batchSize).evaluation.relativeL2
        let error = try ValidationMetrics.meanOverRanks(localMeans: [local], localCount: rows.count, totalCount: validation.count,
                                                        communicator: communicator)[0]
        return ValidationMetrics(selection: error, relativeL2: error)
    }

    public func checkpointArchive(metadata: [String: String]) throws -> SafetensorsArchive {
        var all = metadata
        all[Self.historyKey] = String(history)
        all[Self.trainingKey] = training.description
        all[Self.orderChunkRowsKey] = String(orderChunkRows)
        return try trainedModel.archive(metadata: all)
    }

    /// The checkpoint's ``orderChunkRowsKey`` (absent before it existed: the loop's shuffle, one chunk).
    func recordedOrderChunkRows(_ archive: SafetensorsArchive, path: String) throws -> Int {
        guard let text = archive.metadata[Self.orderChunkRowsKey] else { return trainingCount }
        guard let rows = Int(text), (1...trainingCount).contains(rows) else {
            throw TrainingError.checkpoint("\(path): \(Self.orderChunkRowsKey) '\(text.prefix(40))' is not a chunk size in 1…\(trainingCount) (the training windows)")
        }
        return rows
    }

    public func verifyCheckpoint(_ archive: SafetensorsArchive, path: String) throws {
        guard model.matchesConfiguration(in: archive) else {
            throw TrainingError.checkpoint("\(path) was written for a different model configuration")
        }
        guard archive.metadata[Self.historyKey] == String(history) else {
            throw TrainingError.checkpoint("\(path) was trained with a history of \(archive.metadata[Self.historyKey]?.prefix(20) ?? "none"), not \(history)")
        }
        _ = try recordedOrderChunkRows(archive, path: path)
        try model.verifyParameters(in: archive, path: path)
    }

    /// Sets the weights and adopts the checkpoint's window order (``orderChunkRows``).
    public func loadCheckpoint(_ archive: SafetensorsArchive, path: String) throws {
        let recorded = try recordedOrderChunkRows(archive, path: path)
        try model.loadParameters(from: archive, allowingExtraTensors: true)
        orderChunkRows = recorded
    }

    func decode(_ prediction: Variable<Float>) -> Variable<Float> {
        prediction * Variable(stateNormalizer.scale) + Variable(stateNormalizer.mean)
    }
}
