import Foundation
import PDEKit

/// FNO-2D training step and inference timings (`pdekit bench fno`; peer: bench/peers/fno_torch.py).
///
/// The model is neuraloperator's FNO layout (``FNOConfiguration/neuraloperatorDefaults(modes:width:layerCount:inputChannels:outputChannels:)``)
/// or the paper's, with Li et al.'s modes. Peak memory is the process's maximum resident set.
public struct FNOBenchmarks {
    public enum Mode: String, CaseIterable, Sendable { case train, inference, both }
    public enum Layout: String, CaseIterable, Sendable { case neuraloperator, paper }

    public struct Record: Codable {
        public var implementation = "pdekit"
        public var benchmark = "fno2d"
        public var mode: String
        public var size: Int
        public var batch: Int
        public var modes: Int
        public var width: Int
        public var layers: Int
        public var layout: String
        public var threads: Int
        public var parameters: Int
        public var seconds_median: Double
        public var seconds_min: Double
        public var cpu_seconds_median: Double
        public var peak_rss_mb: Double
    }

    public var sizes: [Int], mode: Mode, layout: Layout
    public var batch: Int, modes: Int, width: Int, layers: Int
    public var repetitions: Int, warmup: Int

    public init(sizes: [Int], mode: Mode, layout: Layout, batch: Int, modes: Int, width: Int, layers: Int, repetitions: Int, warmup: Int) {
        self.sizes = sizes
        self.mode = mode
        self.layout = layout
        self.batch = batch
        self.modes = modes
        self.width = width
        self.layers = layers
        self.repetitions = repetitions
        self.warmup = warmup
    }

    /// The suite of `pdekit bench fno` from its flags: `sizes` comma-separated positive integers, `repetitions`,
    /// `batch`, `modes`, `width`, `layers` positive and `warmup` ≥ 0; a ``BenchmarkError`` names the flag otherwise.
    public static func parsing(sizes: String, mode: Mode, layout: Layout, batch: Int, modes: Int, width: Int, layers: Int,
                               repetitions: Int, warmup: Int) throws -> FNOBenchmarks {
        guard repetitions > 0, warmup >= 0, batch > 0, modes > 0, width > 0, layers > 0 else {
            throw BenchmarkError("--repetitions, --batch, --modes, --width and --layers must be positive")
        }
        guard let sizeList = CommaSeparatedIntegers.parse(sizes, minimum: 1) else {
            throw BenchmarkError("--sizes must be positive integers separated by commas")
        }
        return FNOBenchmarks(sizes: sizeList, mode: mode, layout: layout, batch: batch, modes: modes, width: width, layers: layers,
                             repetitions: repetitions, warmup: warmup)
    }

    public func run(_ output: BenchmarkOutput) throws {
        let configuration: FNOConfiguration = layout == .neuraloperator
            ? .neuraloperatorDefaults(modes: [modes, modes], width: width, layerCount: layers)
            : FNOConfiguration(modes: [modes, modes], width: width, layerCount: layers)
        for size in sizes { try configuration.validate(budget: MemoryBudget(), grid: [size, size], batch: batch) }
        var generator = SeededRandomNumberGenerator(seed: 0)
        let model = try FourierNeuralOperator<Float>(configuration, generator: &generator)
        let optimizer = Adam<Float>(learningRate: 1e-3)
        let parameters = model.parameters
        for size in sizes {
            let x = Tensor<Float>.normal([batch, 1, size, size], using: &generator)
            let y = Tensor<Float>.normal([batch, 1, size, size], using: &generator)
            try model.validate(inputShape: x.shape)
            var timed: [(String, () -> Void)] = []
            if mode != .inference {
                timed.append(("train", {
                    model.zeroGradients()
                    Loss.relativeLp(model(Variable(x)), Variable(y)).backward()
                    optimizer.step(parameters)
                }))
            }
            if mode != .train { timed.append(("inference", { _ = model.inference(x) })) }
            for (name, body) in timed {
                for _ in 0..<warmup { body() }
                var times: [Double] = [], cpuTimes: [Double] = []
                for _ in 0..<repetitions {
                    let start = DispatchTime.now().uptimeNanoseconds, cpuStart = Measurements.processCPUSeconds()
                    body()
                    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                    cpuTimes.append(Measurements.processCPUSeconds() - cpuStart)
                }
                times.sort(); cpuTimes.sort()
                try output(Record(mode: name, size: size, batch: batch, modes: modes, width: width, layers: layers, layout: layout.rawValue,
                                  threads: ParallelLoop.workerCount, parameters: model.parameterCount,
                                  seconds_median: times[times.count / 2], seconds_min: times[0],
                                  cpu_seconds_median: cpuTimes[cpuTimes.count / 2], peak_rss_mb: Measurements.peakResidentMegabytes()))
            }
        }
    }
}
