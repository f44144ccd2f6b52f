import Datasets
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

    /// The lines `pdekit import/export neuraloperator` print (neuraloperator's n_modes, the files written).
    @Test func reportLinesNameTheModelAndTheFiles() throws {
        let model = try NeuraloperatorFNO.model(from: try TorchStateDict.read(contentsOf: FixturePaths.path("fno3d.pt")))
        #expect(NeuraloperatorRun.importReport(model, run: "runs/x")
                == "imported a 3-D FNO: n_modes [4, 4, 4], width 8, 2 layers, \(model.parameterCount) parameters → runs/x/checkpoint.safetensors")
        #expect(NeuraloperatorRun.exportReport(directory: "out", wroteNormalizers: false) == "wrote out/state_dict.safetensors and fno_kwargs.json")
        #expect(NeuraloperatorRun.exportReport(directory: "out", wroteNormalizers: true)
                == "wrote out/state_dict.safetensors and fno_kwargs.json and normalizers.safetensors (apply it around the network)")
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

    /// `train fno --preset neuraloperator` builds neuraloperator's mode convention: a model trained one
    /// epoch on a 9×7 grid (odd leading axis), exported and imported again (the import path matches
    /// PyTorch on odd grids, `NeuraloperatorOddGridTests`) gives the trained model's outputs bit for bit
    /// on odd and even grids. The same weights under PDEKit's convention differ on the odd grids (so
    /// the comparison can fail), as the preset's models did before.
    @Test func neuraloperatorPresetExportsMatchOnOddGrids() throws {
        let directory = try makeScratchDirectory("torch-interop")
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = SeededRandomNumberGenerator(seed: 5)
        let (samples, grid) = (12, [9, 7])
        let a = (0..<(samples * grid[0] * grid[1])).map { _ in Double.random(in: -1...1, using: &generator) }
        let u = a.indices.map { 0.5 * a[$0] - 0.25 * a[($0 + grid[1]) % a.count] }
        let data = directory.appendingPathComponent("pairs.h5").path
        try HDF5File.writeAtomically(to: data) { file in
            try file.writeDataset("coeff", try NumericArray(shape: [samples] + grid, storage: .float64(a)))
            try file.writeDataset("sol", try NumericArray(shape: [samples] + grid, storage: .float64(u)))
        }
        let run = directory.appendingPathComponent("run"), export = directory.appendingPathComponent("export")
        var operatorRun = OperatorTrainingRun(data: data, output: run.path)
        (operatorRun.train, operatorRun.test, operatorRun.epochs, operatorRun.requestedBatchSize) = (8, 4, 1, 4)
        (operatorRun.sampleOrder, operatorRun.showsProgress, operatorRun.seed) = (.file, false, 2)
        var training = FNOTrainingRun(run: operatorRun)
        (training.preset, training.modes, training.width, training.layers) = (.neuraloperator, 4, 4, 1)
        _ = try training.execute()

        let (trained, _) = try TrainedModel.load(from: NeuraloperatorRun.checkpointURL(run.path))
        let model = try #require(trained.fno)
        #expect(model.configuration.modeConvention == .neuraloperator)
        let untrained = try training.model(spatialDimensions: 2, inputChannels: 1, outputChannels: 1)
        #expect(model.spectralLayers[0].weight.value.scalars != untrained.spectralLayers[0].weight.value.scalars, "training changed nothing")
        try NeuraloperatorRun.export(run: run.path, to: export)
        let state = try TorchStateDict.read(contentsOf: export.appendingPathComponent(NeuraloperatorRun.stateDictFile).path)
        let again = try NeuraloperatorFNO.model(from: state, metadataPath: export.appendingPathComponent(NeuraloperatorRun.kwargsFile).path)
        #expect(again.configuration == model.configuration)
        let pdekitConvention = try NeuraloperatorOddGridTests.withConvention(model, .pdekit)
        for spatial in [[9, 7], [15, 12], [8, 7], [16, 16]] {
            let input = Tensor<Float>.normal([2, 1] + spatial, using: &generator)
            let expected = try model.predict(input)
            #expect(expected.isFinite)
            #expect(try again.predict(input).scalars == expected.scalars, "\(spatial)")
            let difference = NeuraloperatorImportTests.relativeDifference(try pdekitConvention.predict(input).scalars, expected.scalars)
            if spatial[0] % 2 == 1 {
                #expect(difference > 1e-3, "\(spatial): PDEKit's convention \(difference)")
            } else {
                #expect(difference <= 1e-6, "\(spatial): PDEKit's convention \(difference)")
            }
        }
    }
}
