import Foundation
import Testing
import NeuralLayers
import NeuralOperators
import RunSupport
import TensorCore
import TestSupport
import TorchInterop
import Training

/// Import into a run directory (what `evaluate` and the C API load), export back to neuraloperator's
/// key names, and the `neuraloperator` preset's parameter count against neuraloperator's own.
@Suite struct NeuraloperatorRunTests {
    @Test func importedRunLoadsAsATrainedModelAndPredictsPyTorchsOutputs() throws {
        let run = try makeScratchDirectory("torch-interop")
        defer { try? FileManager.default.removeItem(at: run) }
        try NeuraloperatorRun.importCheckpoint(FixturePaths.path("fno2d_state_dict.pt"), metadata: FixturePaths.path("fno2d_metadata.pkl"), to: run)
        let (trained, _) = try TrainedModel.load(from: run.appendingPathComponent("checkpoint.safetensors"))
        let expected = try SafetensorsArchive(contentsOf: URL(fileURLWithPath: FixturePaths.path("fno2d_expected.safetensors")))
        for resolution in [32, 48, 64] {
            let input: Tensor<Float> = try expected.tensor(named: "input.\(resolution)")
            let reference: Tensor<Float> = try expected.tensor(named: "output.\(resolution)")
            let output = try trained.predict(input)
            let difference = NeuraloperatorImportTests.relativeDifference(output.scalars, reference.scalars)
            #expect(difference <= 1e-5, "resolution \(resolution): \(difference)")
        }
    }

    /// Export writes neuraloperator's key names and kwargs; importing the export gives the same
    /// model (every parameter bit for bit) and PyTorch's outputs.
    @Test(arguments: ["fno1d.pt", "fno3d.pt"])
    func exportThenImportIsTheSameModel(file: String) throws {
        let directory = try makeScratchDirectory("torch-interop")
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("run"), export = directory.appendingPathComponent("export")
        let original = try NeuraloperatorRun.importCheckpoint(FixturePaths.path(file), to: run)
        #expect(try NeuraloperatorRun.export(run: run.path, to: export) == false)
        let state = try TorchStateDict.read(contentsOf: export.appendingPathComponent(NeuraloperatorRun.stateDictFile).path)
        let source = try TorchStateDict.read(contentsOf: FixturePaths.path(file))
        #expect(Set(state.names) == Set(source.names))
        for (name, tensor) in source.tensors {
            #expect(state[name]?.shape == tensor.shape, "\(name)")
            #expect(state[name]?.scalars == tensor.scalars, "\(name)")
        }
        let again = try NeuraloperatorFNO.model(from: state, metadataPath: export.appendingPathComponent(NeuraloperatorRun.kwargsFile).path)
        #expect(again.configuration == original.configuration)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: export.appendingPathComponent(NeuraloperatorRun.kwargsFile))) as? [String: Any]
        #expect(json?["n_modes"] as? [Int] == (file == "fno1d.pt" ? [16] : [4, 4, 4]))
    }

    @Test func exportRefusesAModelNeuraloperatorCannotExpress() throws {
        var generator = SeededRandomNumberGenerator(seed: 1)
        let model = try FourierNeuralOperator<Float>(.darcy, generator: &generator)
        #expect(throws: TorchInteropError.self) { _ = try NeuraloperatorFNO.export(model) }
    }

    /// neuraloperator 2.0.0's `FNO(n_modes=(8, 8), in_channels=1, out_channels=1, hidden_channels=32)`
    /// has 340,833 real parameters (complex weights counted twice; counted in PyTorch), and
    /// n_modes=(16, 16) has 1,192,801.
    @Test func neuraloperatorPresetHasNeuraloperatorsParameterCount() throws {
        for (nModes, count) in [(8, 340_833), (16, 1_192_801)] {
            var generator = SeededRandomNumberGenerator(seed: 1)
            let modes = try FNOConfiguration.modes(neuraloperatorModes: [nModes, nModes])
            let model = try FourierNeuralOperator<Float>(.neuraloperatorDefaults(modes: modes, width: 32), generator: &generator)
            #expect(model.parameterCount == count, "n_modes \(nModes)")
        }
        #expect(throws: FNOError.self) { _ = try FNOConfiguration.modes(neuraloperatorModes: [7, 8]) }
    }
}
