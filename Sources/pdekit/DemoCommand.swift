import ArgumentParser
import Foundation
import PDEKit

/// `pdekit demo`: a one-minute tour of the numerical core that prints what it did.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a small MLP to sin(x) and check an FFT round trip (a smoke test of the core).")

    @Option(help: "Adam steps for the MLP fit.")
    var steps: Int = 1500

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Option(help: "Folder for the demo's plots (fit.png, loss.png).")
    var output: String = "runs/demo"

    func validate() throws {
        guard steps > 0 else { throw ValidationError("--steps must be positive") }
    }

    func run() throws {
        print("PDEKit \(PDEKitVersion.string) demo")
        // 1. FFT round trip on a batch of 2-D fields, and Parseval's identity.
        var generator = SeededRandomNumberGenerator(seed: seed)
        let fields = Tensor<Float>.normal([20, 32, 64, 64], using: &generator)
        let start = Date()
        let spectrum = fields.rfft(dimensionCount: 2)
        let back = spectrum.irfft(dimensionCount: 2, lastSize: 64)
        let roundTripError = (back - fields).l2Norm() / fields.l2Norm()
        print(String(format: "FFT: 20×32×64×64 float r2c + c2r in %.1f ms, relative round-trip error %.2e",
                     Date().timeIntervalSince(start) * 1000, Double(roundTripError)))

        // 2. A 1→32→32→1 tanh MLP fitted to sin(x) on [−π, π] with Adam and a cosine schedule.
        let model = MultilayerPerceptron<Float>(widths: [1, 32, 32, 1], activation: .tanh, generator: &generator)
        let points = (0..<128).map { -Float.pi + 2 * Float.pi * Float($0) / 127 }
        let x = Tensor<Float>(uncheckedShape: [128, 1], scalars: points)
        let y = Tensor<Float>(uncheckedShape: [128, 1], scalars: points.map { sinf($0) })
        let optimizer = Adam<Float>(learningRate: 1e-2)
        let schedule = LearningRateSchedule.cosine(totalSteps: steps, minimumLearningRate: 1e-4)
        let fitStart = Date()
        var loss: Float = .nan
        var lossHistory: [Double] = []
        for step in 0..<steps {
            optimizer.learningRate = schedule.learningRate(atStep: step, base: 1e-2)
            model.zeroGradients()
            let value = Loss.meanSquaredError(model(Variable(x)), Variable(y))
            value.backward()
            optimizer.step(model.parameters)
            loss = value.value.scalar
            lossHistory.append(Double(loss))
            if step % max(1, steps / 5) == 0 { print("  step \(step): MSE \(loss)") }
        }
        let finalMSE = Loss.meanSquaredError(Variable(model.inference(x)), Variable(y)).value.scalar
        print(String(format: "MLP: %ld parameters, %ld Adam steps in %.2f s, final MSE %.2e (target < 1e-3)",
                     model.parameterCount, steps, Date().timeIntervalSince(fitStart), Double(finalMSE)))
        let prediction = model.inference(x)
        let folder = URL(fileURLWithPath: output)
        try LinePlot(title: "MLP fit of sin(x)", xLabel: "x", yLabel: "y", series: [
            LineSeries(label: "sin(x)", x: points.map(Double.init), y: points.map { Double(sinf($0)) }),
            LineSeries(label: "MLP", x: points.map(Double.init), y: prediction.scalars.map(Double.init), markersOnly: true),
        ]).write(to: folder.appendingPathComponent("fit.png"))
        try LinePlot(title: "training loss", xLabel: "Adam step", yLabel: "MSE", logScaleY: true, series: [
            LineSeries(label: "train", x: lossHistory.indices.map(Double.init), y: lossHistory),
        ]).write(to: folder.appendingPathComponent("loss.png"))
        print("plots: \(folder.path)/fit.png, loss.png")
        guard finalMSE < 1e-3, roundTripError < 1e-5 else {
            throw DemoFailure(message: "demo did not reach its targets (MSE \(finalMSE), FFT error \(roundTripError))")
        }
        print("demo: all targets met")
    }
}

struct DemoFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
