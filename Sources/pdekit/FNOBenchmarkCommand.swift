import ArgumentParser
import Foundation
import PDEKit

/// `pdekit bench fno`: FNO-2D training step and inference timings as JSON lines (peer: bench/peers/fno_torch.py).
struct FNOBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fno",
        abstract: "Time an FNO-2D training step (forward, relative L2, backward, Adam) and inference; one JSON line each.",
        discussion: """
            The model is neuraloperator's FNO layout (FNOConfiguration.neuraloperatorDefaults) with Li et al.'s \
            modes: 12 positive and negative modes on the first axis, 12 on the halved last axis. Peak memory is \
            the process's maximum resident set (getrusage), so run one size and mode per process to compare it.
            """)

    enum Mode: String, ExpressibleByArgument, CaseIterable { case train, inference, both }
    enum Layout: String, ExpressibleByArgument, CaseIterable { case neuraloperator, paper }

    @Option(help: "Grid sizes (comma-separated).") var sizes: String = "64,128"
    @Option(help: "What to time: \(Mode.allCases.map(\.rawValue).joined(separator: ", ")).") var mode: Mode = .both
    @Option(help: "Model layout: \(Layout.allCases.map(\.rawValue).joined(separator: ", ")).") var layout: Layout = .neuraloperator
    @Option(help: "Batch size.") var batch: Int = 20
    @Option(help: "Modes per axis (Li et al.'s convention).") var modes: Int = 12
    @Option(help: "Channels in the Fourier blocks.") var width: Int = 32
    @Option(help: "Fourier blocks.") var layers: Int = 4
    @Option(help: "Timed repetitions (median and minimum reported).") var repetitions: Int = 10
    @Option(help: "Untimed warm-up runs.") var warmup: Int = 3

    func validate() throws {
        guard repetitions > 0, warmup >= 0, batch > 0, modes > 0, width > 0, layers > 0 else {
            throw ValidationError("--repetitions, --batch, --modes, --width and --layers must be positive")
        }
        guard parsedSizes != nil else { throw ValidationError("--sizes must be positive integers separated by commas") }
    }

    var parsedSizes: [Int]? {
        let values = sizes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return values.map { $0! }
    }

    func run() throws {
        let configuration: FNOConfiguration = layout == .neuraloperator
            ? .neuraloperatorDefaults(modes: [modes, modes], width: width, layerCount: layers)
            : FNOConfiguration(modes: [modes, modes], width: width, layerCount: layers)
        var generator = SeededRandomNumberGenerator(seed: 0)
        let model = try FourierNeuralOperator<Float>(configuration, generator: &generator)
        let optimizer = Adam<Float>(learningRate: 1e-3)
        let parameters = model.parameters
        for size in parsedSizes! {
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
                    let start = DispatchTime.now().uptimeNanoseconds, cpuStart = processCPUSeconds()
                    body()
                    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                    cpuTimes.append(processCPUSeconds() - cpuStart)
                }
                times.sort(); cpuTimes.sort()
                emit(["implementation": "pdekit", "benchmark": "fno2d", "mode": name, "size": size, "batch": batch,
                      "modes": modes, "width": width, "layers": layers, "layout": layout.rawValue,
                      "threads": ParallelLoop.workerCount, "parameters": model.parameterCount,
                      "seconds_median": times[times.count / 2], "seconds_min": times[0],
                      "cpu_seconds_median": cpuTimes[cpuTimes.count / 2],
                      "peak_rss_mb": peakResidentMegabytes()])
            }
        }
    }
}
