import TestSupport
import Foundation
import Testing
import PDEKit
import PDEKitC

/// An MgNO checkpoint applied through the C API gives the Swift API's predictions.
@Suite struct MgNOCAPITests {
    @Test func mgnoCheckpointThroughTheCAPIMatchesTrainedModel() throws {
        var generator = SeededRandomNumberGenerator(seed: 11)
        let configuration = MgNOConfiguration(channels: 4, layers: 2, levels: 2)
        let model = try MgNO<Float>(configuration: configuration, generator: &generator)
        let n = 8
        let inputs = Tensor<Float>(uncheckedShape: [6, 1, n, n], scalars: (0..<(6 * n * n)).map { _ in Float.random(in: 0..<1, using: &generator) })
        let targets = Tensor<Float>(uncheckedShape: [6, 1, n, n], scalars: inputs.scalars.map { 2 * $0 + 1 })
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-mgno-capi-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let trainer = try Trainer(model: model, configuration: TrainingConfiguration(epochs: 1, batchSize: 2),
                                  train: try FieldPairs(inputs: inputs.sliced(alongAxis: 0, 0..<4), targets: targets.sliced(alongAxis: 0, 0..<4)),
                                  validation: try FieldPairs(inputs: inputs.sliced(alongAxis: 0, 4..<6), targets: targets.sliced(alongAxis: 0, 4..<6)),
                                  outputDirectory: directory)
        _ = try trainer.run()
        let (trained, _) = try TrainedModel.load(from: directory.appendingPathComponent("best.safetensors"))
        #expect(trained.kind == .mgno)

        var handle: OpaquePointer?
        try #require(pdekit_operator_load(directory.path, &handle) == 0, "\(String(cString: pdekit_last_error()))")
        defer { pdekit_operator_free(handle) }
        var rank: Int32 = 0, inChannels: Int64 = 0, outChannels: Int64 = 0
        #expect(pdekit_operator_describe(handle, &rank, &inChannels, &outChannels) == 0 && rank == 2 && inChannels == 1 && outChannels == 1)
        var output = [Float](repeating: .nan, count: 6 * n * n)
        #expect(pdekit_operator_apply_f32(handle, inputs.scalars, Int64(6 * n * n), 6, [Int64(n), Int64(n)], 2, &output, Int64(output.count)) == 0)
        let expected = try trained.predict(inputs).scalars
        let scale = expected.map { abs($0) }.maxOrNaN() ?? 1
        #expect(zip(output, expected).allSatisfy { abs($0 - $1) <= 1e-6 * scale })
    }
}
