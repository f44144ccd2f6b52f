import Foundation
import PDEKit

/// MgNO forward and training-step timings (`pdekit bench mgno`), optionally a short training run on
/// Darcy samples (FNO coefficient recipe, source 1, finite-volume solves).
public struct MgNOBenchmarks {
    public struct TimingRecord: Codable {
        public var benchmark = "mgno"
        public var implementation = "pdekit"
        public var config = "darcy"
        public var cycle: String
        public var layers: Int
        public var channels: Int
        public var levels: Int
        public var size: Int
        public var batch: Int
        public var precision = "float32"
        public var parameters: Int
        public var forward_seconds: Double
        public var train_step_seconds: Double
        /// Process CPU seconds (all threads) of the fastest-in-CPU run: the fair clock on a loaded machine.
        public var forward_cpu_seconds: Double
        public var train_step_cpu_seconds: Double
        /// The process's peak resident set after the measurements of this size (MiB).
        public var peak_rss_mb: Double
        /// `peak_rss_mb` less the resident set before the first measurement (after building the model).
        public var peak_rss_net_mb: Double
    }

    public struct TrainingRecord: Codable {
        public var benchmark = "mgno-train"
        public var resolution: Int
        public var samples: Int
        public var steps: Int
        public var batch: Int
        public var last_batch_relative_l2: Double
        public var train_relative_l2: Double
        public var seconds: Double
    }

    public var sizes: [Int], batch: Int, repetitions: Int
    /// Number of MgNO blocks (nil: the `.darcy` preset's).
    public var layers: Int?
    /// The network (`.paper`: the official rough-Darcy MgNO_DC; `.residualRestriction`: PDEKit's earlier one).
    public var cycle: MgNOCycle
    public var trainSteps: Int, trainResolution: Int, trainSamples: Int

    public init(sizes: [Int], batch: Int, repetitions: Int, layers: Int?, cycle: MgNOCycle = .paper, trainSteps: Int,
                trainResolution: Int, trainSamples: Int) {
        self.cycle = cycle
        self.sizes = sizes
        self.batch = batch
        self.repetitions = repetitions
        self.layers = layers
        self.trainSteps = trainSteps
        self.trainResolution = trainResolution
        self.trainSamples = trainSamples
    }

    /// Checks the flags of `pdekit bench mgno`: `repetitions` and `batch` positive, every size positive,
    /// `trainSteps` ≥ 0, `trainResolution` ≥ 4, `trainSamples` ≥ 1; a ``BenchmarkError`` otherwise.
    public func validate() throws {
        guard repetitions > 0, batch > 0 else { throw BenchmarkError("--repetitions and --batch must be positive") }
        guard sizes.allSatisfy({ $0 > 0 }) else { throw BenchmarkError("--size must be positive") }
        guard trainSteps >= 0, trainResolution >= 4, trainSamples >= 1 else {
            throw BenchmarkError("--train-steps must be ≥ 0, --train-resolution ≥ 4, --train-samples ≥ 1")
        }
    }

    public func run(_ output: BenchmarkOutput) throws {
        var generator = SeededRandomNumberGenerator(seed: 1)
        var config = MgNOConfiguration.darcy
        config.cycle = cycle
        if cycle == .residualRestriction { config.layers = 5 }   // PDEKit's earlier preset
        if let layers { config.layers = layers }
        for n in sizes { try config.validate(budget: MemoryBudget(), grid: [n, n], batch: batch) }
        let model = try MgNO<Float>(configuration: config, generator: &generator)
        let startResident = Self.residentMegabytes()
        for n in sizes {
            let input = Tensor<Float>.normal([batch, 1, n, n], using: &generator)
            let target = Tensor<Float>.normal([batch, 1, n, n], using: &generator)
            let (forward, forwardCPU) = Self.bestWallAndCPU(of: repetitions) { _ = model.inference(input) }
            let adam = Adam<Float>(learningRate: 1e-4)
            let (step, stepCPU) = Self.bestWallAndCPU(of: repetitions) {
                model.zeroGradients()
                Loss.relativeLp(model(Variable(input)), Variable(target)).backward()
                adam.step(model.parameters)
            }
            let peak = Measurements.peakResidentMegabytes()
            try output(TimingRecord(cycle: cycle.rawValue, layers: config.layers, channels: config.channels, levels: config.levels,
                                    size: n, batch: batch, parameters: model.parameterCount, forward_seconds: forward,
                                    train_step_seconds: step, forward_cpu_seconds: forwardCPU, train_step_cpu_seconds: stepCPU,
                                    peak_rss_mb: peak,
                                    peak_rss_net_mb: ((peak - startResident) * 10).rounded() / 10))
        }
        if trainSteps > 0 { try train(config: config, generator: &generator, output) }
    }

    /// The smallest wall and the smallest process-CPU seconds of `repetitions` runs after one warm-up.
    static func bestWallAndCPU(of repetitions: Int, _ body: () -> Void) -> (wall: Double, cpu: Double) {
        body()
        var wall = Double.infinity, cpu = Double.infinity
        for _ in 0..<repetitions {
            let start = ContinuousClock.now, cpuStart = Measurements.processCPUSeconds()
            body()
            cpu = min(cpu, Measurements.processCPUSeconds() - cpuStart)
            wall = min(wall, Measurements.seconds(since: start))
        }
        return (wall, cpu)
    }

    /// The process's current resident set in MiB (`/proc/self/statm`; 0 where it cannot be read).
    static func residentMegabytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    /// A plain training loop: relative L2 loss, Adam with a one-cycle schedule, inputs normalised by
    /// their global mean and standard deviation.
    func train(config: MgNOConfiguration, generator: inout SeededRandomNumberGenerator, _ output: BenchmarkOutput) throws {
        let s = trainResolution, count = trainSamples
        try MemoryBudget().requireArray(shape: [count, s, s, 4], bytesPerElement: 8, what: "\(count) Darcy samples at \(s)²")
        var coefficients = [Float](), solutions = [Float]()
        for _ in 0..<count {
            let problem = try DarcyProblem.random(resolution: s, using: &generator)
            coefficients += problem.coefficient.map(Float.init)
            solutions += try problem.solve().map(Float.init)
        }
        func standardized(_ values: [Float]) -> [Float] {
            let mean = values.reduce(0, +) / Float(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count)
            return values.map { ($0 - mean) / variance.squareRoot() }
        }
        let a = try Tensor(shape: [count, 1, s, s], scalars: standardized(coefficients))
        let u = try Tensor(shape: [count, 1, s, s], scalars: solutions.map { $0 * 100 })   // u = O(0.01) for source 1
        let model = try MgNO<Float>(configuration: config, generator: &generator)
        let adam = Adam<Float>(learningRate: 1e-3)
        let schedule = LearningRateSchedule.oneCycle(totalSteps: trainSteps, warmupFraction: 0.2, divFactor: 10, finalDivFactor: 100)
        let batchSize = min(batch, count)
        let start = Date()
        var loss: Float = .nan
        let progress = ProgressBar(total: trainSteps, label: "mgno-train")
        for step in 0..<trainSteps {
            adam.learningRate = schedule.learningRate(atStep: step, base: 1e-3)
            let first = (step * batchSize) % (count - batchSize + 1)
            let range = first..<first + batchSize
            model.zeroGradients()
            let l = Loss.relativeLp(model(Variable(a.sliced([range, nil, nil, nil]))), Variable(u.sliced([range, nil, nil, nil])))
            l.backward()
            adam.step(model.parameters)
            loss = l.value.scalar
            guard loss.isFinite else { progress.finish(); throw BenchmarkError("the MgNO training loss became \(loss) at step \(step + 1)") }
            progress.advance(status: String(format: "loss %.4f", Double(loss)))
        }
        progress.finish()
        let full = Loss.relativeLp(Variable(model.inference(a)), Variable(u)).value.scalar
        try output(TrainingRecord(resolution: s, samples: count, steps: trainSteps, batch: batchSize, last_batch_relative_l2: Double(loss),
                                  train_relative_l2: Double(full), seconds: Date().timeIntervalSince(start)))
    }
}
