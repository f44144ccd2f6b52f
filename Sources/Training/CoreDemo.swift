import Foundation
import TensorCore
import AutoDiff
import NeuralLayers
import Plotting

/// `pdekit demo`: a one-minute tour of the numerical core that reports what it did.
///
/// 1. An FFT round trip (real-to-complex, then complex-to-real) on a batch of 20×32 random 64×64 fields:
///    the relative round-trip error must be below 1e-5.
/// 2. A 1→32→32→1 tanh MLP fitted to sin(x) at 128 points of [−π, π] by Adam (learning rate 1e-2, cosine
///    schedule down to 1e-4) on the mean squared error, which must end below 1e-3. Plots fit.png and loss.png.
public struct CoreDemo {
    /// Adam steps of the MLP fit (positive).
    public var steps = 1500
    public var seed: UInt64 = 0
    /// Folder of the plots.
    public var output = "runs/demo"

    public init(steps: Int = 1500, seed: UInt64 = 0, output: String = "runs/demo") {
        (self.steps, self.seed, self.output) = (steps, seed, output)
    }

    /// A step count that is not positive, or a missed target (the figures reached are in the message).
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public func validate() throws {
        guard steps > 0 else { throw Failure(description: "--steps must be positive") }
    }

    /// Runs both parts, passing each line of the report to `report`; throws ``Failure`` when a target is missed.
    public func run(report: (String) -> Void) throws {
        try validate()
        report("PDEKit \(PDEKitVersion.string) demo")
        var generator = SeededRandomNumberGenerator(seed: seed)
        let fields = Tensor<Float>.normal([20, 32, 64, 64], using: &generator)
        let start = Date()
        let spectrum = fields.rfft(dimensionCount: 2)
        let back = spectrum.irfft(dimensionCount: 2, lastSize: 64)
        let roundTripError = (back - fields).l2Norm() / fields.l2Norm()
        report(String(format: "FFT: 20×32×64×64 float r2c + c2r in %.1f ms, relative round-trip error %.2e",
                      Date().timeIntervalSince(start) * 1000, Double(roundTripError)))

        let model = MultilayerPerceptron<Float>(widths: [1, 32, 32, 1], activation: .tanh, generator: &generator)
        let points = (0..<128).map { -Float.pi + 2 * Float.pi * Float($0) / 127 }
        let x = Tensor<Float>(uncheckedShape: [128, 1], scalars: points)
        let y = Tensor<Float>(uncheckedShape: [128, 1], scalars: points.map { sinf($0) })
        let optimizer = Adam<Float>(learningRate: 1e-2)
        let schedule = LearningRateSchedule.cosine(totalSteps: steps, minimumLearningRate: 1e-4)
        let fitStart = Date()
        var lossHistory: [Double] = []
        for step in 0..<steps {
            optimizer.learningRate = schedule.learningRate(atStep: step, base: 1e-2)
            model.zeroGradients()
            let value = Loss.meanSquaredError(model(Variable(x)), Variable(y))
            value.backward()
            optimizer.step(model.parameters)
            let loss = value.value.scalar
            lossHistory.append(Double(loss))
            if step % max(1, steps / 5) == 0 { report("  step \(step): MSE \(loss)") }
        }
        let finalMSE = Loss.meanSquaredError(Variable(model.inference(x)), Variable(y)).value.scalar
        report(String(format: "MLP: %ld parameters, %ld Adam steps in %.2f s, final MSE %.2e (target < 1e-3)",
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
        report("plots: \(folder.path)/fit.png, loss.png")
        guard finalMSE < 1e-3, roundTripError < 1e-5 else {
            throw Failure(description: "demo did not reach its targets (MSE \(finalMSE), FFT error \(roundTripError))")
        }
        report("demo: all targets met")
    }
}
