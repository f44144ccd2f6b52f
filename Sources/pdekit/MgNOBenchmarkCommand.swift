import ArgumentParser
import Foundation
import PDEKit

/// `pdekit bench mgno`: MgNO forward and training-step timings (JSON lines), optionally a short
/// training run on Darcy samples.
struct MgNOBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mgno",
        abstract: "Time MgNO (paper's Darcy configuration) forward and forward+backward+Adam; print JSON lines.",
        discussion: """
            With --train-steps N > 0, also trains the model on Darcy problems (FNO coefficient recipe, \
            source 1, finite-volume solves) at --train-resolution and prints the relative L2 loss.
            """)

    @Option(help: "Grid sizes (square); repeatable.")
    var size: [Int] = [64, 128]

    @Option(help: "Batch size.")
    var batch: Int = 8

    @Option(help: "Repetitions per measurement (the best is reported).")
    var repetitions: Int = 3

    @Option(help: "Number of MgNO blocks (default: the .darcy preset's).")
    var layers: Int?

    @Option(help: "Training steps on Darcy data after the timings (0: none).")
    var trainSteps: Int = 0

    @Option(help: "Grid size of the Darcy training data.")
    var trainResolution: Int = 32

    @Option(help: "Number of Darcy training samples.")
    var trainSamples: Int = 32

    func validate() throws {
        guard repetitions > 0, batch > 0 else { throw ValidationError("--repetitions and --batch must be positive") }
        guard size.allSatisfy({ $0 > 0 }) else { throw ValidationError("--size must be positive") }
        guard trainSteps >= 0, trainResolution >= 4, trainSamples >= 1 else {
            throw ValidationError("--train-steps must be ≥ 0, --train-resolution ≥ 4, --train-samples ≥ 1")
        }
    }

    func run() throws {
        var generator = SeededRandomNumberGenerator(seed: 1)
        var config = MgNOConfiguration.darcy
        if let layers { config.layers = layers }
        let model = try MgNO<Float>(configuration: config, generator: &generator)
        for n in size {
            let input = Tensor<Float>.normal([batch, 1, n, n], using: &generator)
            let target = Tensor<Float>.normal([batch, 1, n, n], using: &generator)
            let forward = best(of: repetitions) { _ = model.inference(input) }
            let adam = Adam<Float>(learningRate: 1e-4)
            let step = best(of: repetitions) {
                model.zeroGradients()
                Loss.relativeLp(model(Variable(input)), Variable(target)).backward()
                adam.step(model.parameters)
            }
            emit(["benchmark": "mgno", "config": "darcy", "layers": config.layers, "channels": config.channels,
                  "levels": config.levels, "size": n, "batch": batch, "precision": "float32",
                  "parameters": model.parameterCount, "forward_seconds": forward, "train_step_seconds": step])
        }
        if trainSteps > 0 { try train(config: config, generator: &generator) }
    }

    /// A plain training loop: relative L2 loss, Adam with a one-cycle schedule, inputs and targets
    /// normalised by their global mean and standard deviation.
    func train(config: MgNOConfiguration, generator: inout SeededRandomNumberGenerator) throws {
        let s = trainResolution, count = trainSamples
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
        let schedule = LearningRateSchedule.oneCycle(totalSteps: trainSteps, warmupFraction: 0.2, divFactor: 10,
                                                     finalDivFactor: 100)
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
            progress.advance(status: String(format: "loss %.4f", Double(loss)))
        }
        progress.finish()
        let full = Loss.relativeLp(Variable(model.inference(a)), Variable(u)).value.scalar
        emit(["benchmark": "mgno-train", "resolution": s, "samples": count, "steps": trainSteps, "batch": batchSize,
              "last_batch_relative_l2": Double(loss), "train_relative_l2": Double(full),
              "seconds": Date().timeIntervalSince(start)])
    }
}
