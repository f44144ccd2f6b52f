import Foundation
import TensorCore
import AutoDiff
import NeuralLayers
import NeuralOperators
import Datasets
import RunSupport
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
/// Streamed (``init(model:configuration:history:training:stream:trainTrajectories:validation:chunkWindows:)``),
/// the training windows are read from disk by a ``ChunkPrefetcher`` (one chunk ahead, on its own thread),
/// each chunk only the steps its windows need (``TrajectoryStream/windows(_:length:targetOffset:)``: the
/// `h` input states and the target of each window), and the windows of an epoch are shuffled within
/// chunks of `chunkWindows` consecutive windows (``ChunkPrefetcher/chunkedOrder(count:chunkRows:seed:epoch:)``).
/// Both residences fit the normalizers and hash the fingerprint by the same code over chunks of
/// trajectories (in memory: one), so they are equal bit for bit, the same windows give the same losses,
/// and a run may resume in the other residence (the checkpoint records the order's chunk size,
/// ``orderChunkRows``, and a resumed task adopts it; a streamed task reads an adopted larger order in
/// pieces of `chunkWindows` windows).
public final class NextStepTrainingTask: TrainingTask {
    public let model: any OperatorModel
    public let configuration: TrainingConfiguration
    public let history: Int
    public let training: NextStepTraining
    /// The training trajectories in memory (nil when streamed).
    public let train: Trajectories?
    public let validation: Trajectories?
    /// The streamed training windows (encoded inputs, raw targets; nil in memory).
    public let stream: ChunkPrefetcher?
    /// Windows per streamed chunk (0 in memory).
    public let chunkWindows: Int
    /// Windows per chunk of the epoch's shuffle: all windows in memory (the loop's shuffle),
    /// `chunkWindows` streamed, or what a resumed run's checkpoint recorded.
    public private(set) var orderChunkRows: Int
    /// The metadata key of ``orderChunkRows`` in a checkpoint.
    public static let orderChunkRowsKey = "pdekit.next_step.order_chunk_rows"
    let grid: [Int]
    let stateNormalizer: PointwiseNormalizer<Float>
    /// `[1, S]` statistics of the conditioning scalars (nil without them).
    let scalarNormalizer: PointwiseNormalizer<Float>?
    /// The encoded training states in memory (nil when streamed).
    let encodedTrain: Trajectories?
    /// The encoded training scalars `[N, T, S]`, held in both residences (nil without scalars).
    let encodedScalars: Tensor<Float>?
    /// Windows per trajectory, `T − h − unrolled`; window `i` is `(i / W, i % W)`.
    let windowsPerTrajectory: Int
    let windowStarts: [(sample: Int, start: Int)]
    let trainFingerprint: String

    /// Metadata keys of the history and the training mode in a checkpoint.
    public static let historyKey = "pdekit.next_step.history"
    public static let trainingKey = "pdekit.next_step.training"

    /// Training trajectories in memory.
    /// - Throws: `TrainingError` for a configuration or model that does not fit the data.
    public convenience init(model: any OperatorModel, configuration: TrainingConfiguration, history: Int, training: NextStepTraining = .teacherForcing,
                            train: Trajectories, validation: Trajectories?) throws {
        try self.init(model: model, configuration: configuration, history: history, training: training, data: .memory(train),
                      trainTrajectories: train.count, validation: validation, chunkWindows: 0)
    }

    /// Training trajectories `0..<trainTrajectories` of `source` read from disk a chunk of `chunkWindows`
    /// windows at a time (the validation trajectories in memory); the state normalizer takes two passes
    /// over the trajectories first.
    /// - Throws: `TrainingError` for a configuration or model that does not fit the data, `DatasetError`
    ///   for a read failure.
    public convenience init(model: any OperatorModel, configuration: TrainingConfiguration, history: Int, training: NextStepTraining = .teacherForcing,
                            stream source: TrajectoryStream, trainTrajectories: Int, validation: Trajectories?, chunkWindows: Int) throws {
        try self.init(model: model, configuration: configuration, history: history, training: training, data: .stream(source),
                      trainTrajectories: trainTrajectories, validation: validation, chunkWindows: chunkWindows)
    }

    /// Where the training trajectories are.
    enum TrainingData {
        case memory(Trajectories)
        case stream(TrajectoryStream)
    }

    private init(model: any OperatorModel, configuration: TrainingConfiguration, history: Int, training: NextStepTraining,
                 data: TrainingData, trainTrajectories: Int, validation: Trajectories?, chunkWindows requested: Int) throws {
        try configuration.validate()
        let (steps, channels, grid, scalarNames): (Int, Int, [Int], [String])
        switch data {
        case .memory(let train): (steps, channels, grid, scalarNames) = (train.steps, train.channels, train.grid, train.scalarNames)
        case .stream(let source): (steps, channels, grid, scalarNames) = (source.steps, source.channels, source.grid, source.scalarNames)
        }
        let unrolled = training.unrolledSteps, streamed = requested > 0
        guard history >= 1, unrolled >= 0, trainTrajectories >= 1, requested >= 0 else {
            throw TrainingError.invalidConfiguration("history \(history), pushforward \(unrolled), \(trainTrajectories) training trajectories, chunks of \(requested) windows")
        }
        if case .stream(let source) = data {
            guard streamed, trainTrajectories <= source.count else {
                throw TrainingError.invalidConfiguration("\(trainTrajectories) streamed training trajectories of \(source.count), chunks of \(requested) windows")
            }
        }
        // Windows need h inputs + unrolled steps + 1 target: T − h − unrolled ≥ 1 (no overflow: h, unrolled < T checked first).
        guard history < steps, unrolled < steps, steps - history - unrolled >= 1 else {
            throw TrainingError.dataMismatch("trajectories of \(steps) steps leave no window of \(history) inputs, \(unrolled) pushforward steps and a target")
        }
        if let validation, validation.steps <= history || validation.channels != channels || validation.grid != grid || validation.scalarNames != scalarNames {
            throw TrainingError.dataMismatch("validation trajectories \(validation.states.shape) with scalars \(validation.scalarNames) do not fit training trajectories of \(steps) steps, \(channels) channels on \(grid) with scalars \(scalarNames) and \(history) steps in")
        }
        let modelChannels = model.channelCounts
        guard modelChannels.input == history * channels + scalarNames.count, modelChannels.output == channels else {
            throw TrainingError.dataMismatch("the model takes \(modelChannels.input) channels to \(modelChannels.output); \(history) states of \(channels) channels and \(scalarNames.count) scalars need \(history * channels + scalarNames.count) to \(channels)")
        }
        try model.validateInput(shape: [1, modelChannels.input] + grid)
        self.model = model
        self.configuration = configuration
        self.history = history
        self.training = training
        self.validation = validation
        self.grid = grid
        windowsPerTrajectory = steps - history - unrolled
        // The window index (16 bytes a window) before it is built: a file may declare more trajectories than it stores.
        do {
            try MemoryBudget().require(bytes: MemoryBudget.product([trainTrajectories, windowsPerTrajectory, MemoryLayout<(Int, Int)>.stride], what: "the window index"),
                                       what: "the index of \(trainTrajectories) × \(windowsPerTrajectory) training windows")
        } catch { throw TrainingError.invalidConfiguration("\(error)") }
        windowStarts = Self.windowStarts(trajectories: trainTrajectories, windowsPerTrajectory: windowsPerTrajectory)
        chunkWindows = requested
        orderChunkRows = streamed ? min(requested, windowStarts.count) : windowStarts.count

        // Trajectories.fingerprint of the training states and scalars, and the statistics of all training
        // states, in two passes over chunks of trajectories (in memory one chunk, the trajectories themselves).
        let stateShape = [channels] + grid
        let states: (Range<Int>) throws -> Tensor<Float>
        let ranges: [Range<Int>]
        let scalars: Tensor<Float>?
        switch data {
        case .memory(let train):
            ranges = [0..<train.count]
            states = { _ in train.states.reshaped([train.count * steps] + stateShape) }
            scalars = train.scalars
            self.train = train
        case .stream(let source):
            let chunk = max(requested / windowsPerTrajectory, 1)
            ranges = Swift.stride(from: 0, to: trainTrajectories, by: chunk).map { $0..<min(trainTrajectories, $0 + chunk) }
            states = { range in try source.read(Array(range)).reshaped([range.count * steps] + stateShape) }
            scalars = try source.scalars(0..<trainTrajectories)
            self.train = nil
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ word: UInt64) { hash = (hash ^ word) &* 0x0000_0100_0000_01b3 }
        func mix(_ tensor: Tensor<Float>) { tensor.scalars.withUnsafeBufferPointer { values in for value in values { mix(UInt64(value.bitPattern)) } } }
        for size in [trainTrajectories, steps] + stateShape { mix(UInt64(size)) }
        var fit = PointwiseNormalizer<Float>.StreamingFit(sampleShape: stateShape)
        for range in ranges {
            let flat = try states(range)
            // A target state that is zero everywhere has no relative error (the loss divides by its norm).
            let stateSize = stateShape.reduce(1, *)
            let zeroState: (trajectory: Int, step: Int)? = flat.scalars.withUnsafeBufferPointer { values in
                for (k, trajectory) in range.enumerated() {
                    for step in (history + unrolled)..<steps {
                        let start = (k * steps + step) * stateSize
                        if !values[start..<(start + stateSize)].contains(where: { $0 != 0 }) { return (trajectory, step) }
                    }
                }
                return nil
            }
            if let zeroState {
                throw TrainingError.dataMismatch("state \(zeroState.step) of training trajectory \(zeroState.trajectory) is zero everywhere: the relative "
                                                 + "L2 loss of the window predicting it divides by its norm (train on trajectories without zero states after --history)")
            }
            mix(flat)
            if configuration.normalize { fit.accumulateMean(flat) }
        }
        if let scalars {   // only with scalars, as Trajectories.fingerprint
            for size in scalars.shape { mix(UInt64(size)) }
            mix(scalars)
        }
        trainFingerprint = String(hash, radix: 16)
        if configuration.normalize {
            fit.finishMean()
            for range in ranges { fit.accumulateDeviations(try states(range)) }
            stateNormalizer = fit.normalizer
        } else {
            stateNormalizer = Self.identityNormalizer(stateShape)
        }
        if let scalars {
            let rows = scalars.reshaped([scalars.shape[0] * steps, scalarNames.count])
            let normalizer = configuration.normalize ? try PointwiseNormalizer(fitting: rows) : Self.identityNormalizer([scalarNames.count])
            scalarNormalizer = normalizer
            encodedScalars = normalizer.encode(rows).reshaped(scalars.shape)
        } else {
            scalarNormalizer = nil
            encodedScalars = nil
        }
        let normalizer = stateNormalizer
        switch data {
        case .memory(let train):
            let flat = train.states.reshaped([train.count * steps] + stateShape)
            encodedTrain = try Trajectories(states: normalizer.encode(flat).reshaped(train.states.shape), path: "<encoded training trajectories>")
            stream = nil
        case .stream(let source):
            encodedTrain = nil
            let starts = windowStarts, length = history, targetOffset = history + unrolled
            // The states read are encoded once, before the windows are cut from them (not once per window holding them).
            stream = ChunkPrefetcher(path: source.path, read: { indices in
                try source.windows(indices.map { starts[$0] }, length: length, targetOffset: targetOffset, encodeInputs: { normalizer.encode($0) })
            })
        }
    }

    /// Mean 0, deviation 1, ε 0 over `[1] + shape`: no normalization.
    static func identityNormalizer(_ shape: [Int]) -> PointwiseNormalizer<Float> {
        PointwiseNormalizer(mean: Tensor(repeating: 0, shape: [1] + shape), standardDeviation: Tensor(repeating: 1, shape: [1] + shape), epsilon: 0)
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
        trainFingerprint + "-" + (validation.map { String($0.fingerprint, radix: 16) } ?? "none") + "-h\(history)-\(training)"

    /// The order of epoch `epoch`: ``ChunkPrefetcher/chunkedOrder(count:chunkRows:seed:epoch:)`` of the
    /// windows with ``orderChunkRows``; streamed, the prefetcher starts reading it now in pieces of at
    /// most `chunkWindows` windows. In memory with one chunk: nil (the loop's shuffle, the same order).
    public func epochOrder(seed: UInt64, epoch: Int) -> [Int]? {
        guard stream != nil || orderChunkRows < trainingCount else { return nil }
        let chunks = ChunkPrefetcher.chunkedOrder(count: trainingCount, chunkRows: orderChunkRows, seed: seed, epoch: epoch)
        let order = chunks.flatMap { $0 }
        guard let stream else { return order }
        let plan = orderChunkRows == chunkWindows ? chunks
            : Swift.stride(from: 0, to: order.count, by: chunkWindows).map { Array(order[$0..<min(order.count, $0 + chunkWindows)]) }
        stream.start(plan: plan)
        return order
    }

    /// Windows `indices`: encoded inputs `[n, h·C, grid…]` and raw targets `[n, C, grid…]` (the state
    /// `h + unrolled` steps after each window's start), from memory or from the prefetched chunk.
    func windowRows(_ indices: [Int]) throws -> ChunkPrefetcher.Chunk {
        if let stream { return try stream.rows(indices) }
        guard let encodedTrain, let train else { throw TrainingError.dataMismatch("no training trajectories") }
        let windows = indices.map { windowStarts[$0] }, offset = history + training.unrolledSteps
        return (encodedTrain.windows(windows, length: history), train.windows(windows.map { ($0.sample, $0.start + offset) }, length: 1))
    }

    /// The encoded scalars at the last step of each window shifted by `shift` steps, as channels (nil without scalars).
    func scalarChannels(_ windows: [(sample: Int, start: Int)], shift: Int) -> Tensor<Float>? {
        encodedScalars.map { Trajectories.scalarChannels($0, windows: windows.map { ($0.sample, $0.start + shift) }, length: history, grid: grid) }
    }

    public func loss(batch indices: [Int]) throws -> Variable<Float> {
        let windows = indices.map { windowStarts[$0] }
        var (x, targetStates) = try windowRows(indices)
        for k in 0..<training.unrolledSteps {
            x = TrajectoryRollout.shifted(x, appending: model.inference(try TrajectoryRollout.withScalars(x, scalarChannels(windows, shift: k))))
        }
        x = try TrajectoryRollout.withScalars(x, scalarChannels(windows, shift: training.unrolledSteps))
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
