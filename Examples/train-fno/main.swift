// Example 3: train a Fourier neural operator on a Darcy dataset and save it for embedding.
//
// Reads `coeff` → `sol` pairs from an HDF5 file written by Example 2 (or `pdekit generate darcy`),
// trains a small FNO with the relative L2 loss and Adam, and writes a run directory (safetensors
// checkpoints with the normalizers and configuration, metrics.jsonl) that `pdekit evaluate`, the
// C API (Examples/c-embedding) and the Fortran example load.
//
// usage: example-train-fno DATA.h5 RUN_DIRECTORY [--epochs N] [--test N] [--smoke]
import Foundation
import PDEKit

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.count < 2 || arguments.contains("--help") {
    print("usage: example-train-fno DATA.h5 RUN_DIRECTORY [--epochs N] [--test N] [--smoke]")
    exit(arguments.contains("--help") ? 0 : 2)
}
let dataPath = arguments.removeFirst(), runPath = arguments.removeFirst()
var epochs = 20, testCount = 20, smoke = false
while !arguments.isEmpty {
    let option = arguments.removeFirst()
    switch option {
    case "--smoke": smoke = true; epochs = 3; testCount = 4
    case "--epochs", "--test":
        guard let text = arguments.first, let value = Int(text), value >= 1 else { fail("\(option) needs a positive integer") }
        arguments.removeFirst()
        if option == "--epochs" { epochs = value } else { testCount = value }
    default: fail("unknown option '\(option)' (see --help)")
    }
}

do {
    let file = try DatasetLoader.open(dataPath)
    // [N, S, S] fields → [N, 1, S, S] (one channel).
    func channelsFirst(_ tensor: Tensor<Float>) throws -> Tensor<Float> {
        try tensor.reshaped(to: [tensor.shape[0], 1] + Array(tensor.shape.dropFirst()))
    }
    let inputs = try channelsFirst(file.tensor(named: "coeff", as: Float.self))
    let targets = try channelsFirst(file.tensor(named: "sol", as: Float.self))
    let count = inputs.shape[0]
    guard count > testCount else { fail("\(dataPath) has \(count) samples; need more than --test \(testCount)") }
    // The last 10% of the training samples validate (select the best epoch); the test samples are looked at once, at the end.
    let fitted = count - testCount - max(1, (count - testCount) / 10)
    guard fitted > 0 else { fail("\(dataPath) has \(count) samples; too few for training, validation and --test \(testCount)") }
    let train = try FieldPairs(inputs: inputs.sliced(alongAxis: 0, 0..<fitted), targets: targets.sliced(alongAxis: 0, 0..<fitted))
    let validation = try FieldPairs(inputs: inputs.sliced(alongAxis: 0, fitted..<(count - testCount)),
                                    targets: targets.sliced(alongAxis: 0, fitted..<(count - testCount)))
    let test = try FieldPairs(inputs: inputs.sliced(alongAxis: 0, (count - testCount)..<count),
                              targets: targets.sliced(alongAxis: 0, (count - testCount)..<count))

    var configuration = FNOConfiguration.darcy
    configuration.modes = smoke ? [4, 4] : [8, 8]
    configuration.width = smoke ? 8 : 24
    var generator = SeededRandomNumberGenerator(seed: 0)
    let model = try FourierNeuralOperator<Float>(configuration, generator: &generator)
    let training = TrainingConfiguration(epochs: epochs, batchSize: 10, learningRate: 1e-3, schedule: .step(stepSize: max(1, epochs / 3), gamma: 0.5))
    let trainer = try Trainer(model: model, configuration: training, train: train, validation: validation, outputDirectory: URL(fileURLWithPath: runPath))
    trainer.showsProgress = !smoke
    let summary = try trainer.run()
    print("trained \(model.parameterCount) parameters for \(summary.history.count) epochs on \(fitted) samples")
    let (chosen, _) = try TrainedModel.load(from: URL(fileURLWithPath: runPath).appendingPathComponent("best.safetensors"))
    let testError = try chosen.evaluate(test).relativeL2
    print(String(format: "chosen epoch %d (validation relative L2 %.4f); its test relative L2 %.4f; run written to %@",
                 summary.bestEpoch + 1, summary.bestValidationRelativeL2, testError, runPath))
} catch {
    fail("\(error)")
}
