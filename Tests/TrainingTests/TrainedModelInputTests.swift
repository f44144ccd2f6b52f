import Foundation
import Testing
import TensorCore
import NeuralOperators
import Training

/// `TrainedModel.predict` (what `evaluate` and the C API call) refuses inputs a user can get wrong
/// with a typed error: shapes MgNO's `callAsFunction` would trap on, no samples (the output shape was
/// read from an empty list of batches) and a batch size below 1 (a batch size of 0 never advanced).
@Suite struct TrainedModelInputTests {
    @Test func badInputsAndBatchSizesAreTypedErrors() throws {
        var generator = SeededRandomNumberGenerator(seed: 9)
        let configuration = MgNOConfiguration(channels: 4, layers: 1, levels: 2, gridPolicy: .requireDivisible)
        let model = try MgNO<Float>(configuration: configuration, generator: &generator)
        let inputs = Tensor<Float>.normal([4, 1, 8, 8], using: &generator)
        let pairs = try FieldPairs(inputs: inputs, targets: Tensor(uncheckedShape: inputs.shape, scalars: inputs.scalars.map { 2 * $0 }))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-trained-input-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try Trainer(model: model, configuration: TrainingConfiguration(epochs: 1, batchSize: 2),
                        train: pairs, validation: pairs, outputDirectory: directory).run()
        let (trained, _) = try TrainedModel.load(from: directory.appendingPathComponent("checkpoint.safetensors"))
        #expect(trained.kind == .mgno)

        for shape in [[2, 2, 8, 8], [2, 1, 7, 8], [2, 1, 8], [0, 1, 8, 8]] {
            #expect(throws: (any Error).self, "\(shape)") { try trained.predict(Tensor<Float>.zeros(shape)) }
        }
        for batchSize in [0, -3] {
            #expect(throws: TrainingError.self, "batch size \(batchSize)") { try trained.predict(inputs, batchSize: batchSize) }
        }
        // The checked path still predicts: batches of 3 give the full-batch values.
        let whole = try trained.predict(inputs, batchSize: 4), batched = try trained.predict(inputs, batchSize: 3)
        #expect(whole.shape == [4, 1, 8, 8] && batched.shape == whole.shape)
        let scale = whole.scalars.map(abs).max() ?? 0
        #expect(scale.isFinite && scale > 0 && zip(whole.scalars, batched.scalars).allSatisfy { abs($0 - $1) <= 1e-5 * scale })
    }
}
