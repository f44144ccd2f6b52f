import Foundation
import RunSupport
import NeuralLayers
import TensorCore
import NeuralOperators
import Training

/// `pdekit import neuraloperator` and `pdekit export neuraloperator`: a PyTorch checkpoint as an
/// ordinary PDEKit run directory, and a run as a state dict PyTorch loads.
public enum NeuraloperatorRun {
    /// File names written into an export directory.
    public static let stateDictFile = "state_dict.safetensors", kwargsFile = "fno_kwargs.json", normalizerFile = "normalizers.safetensors"

    /// Reads `checkpoint` (a `torch.save` state dict or safetensors; `metadata` the
    /// `*_metadata.pkl` of `save_checkpoint` or a kwargs JSON) and writes `run/checkpoint.safetensors`,
    /// which `evaluate`, `TrainedModel.load` and `pdekit_operator_load` read. The model has no
    /// normalizers: inputs and outputs are what the PyTorch model takes and gives.
    @discardableResult
    public static func importCheckpoint(_ checkpoint: String, metadata: String? = nil, to run: URL) throws -> FourierNeuralOperator<Float> {
        let stateDict = try TorchStateDict.read(contentsOf: checkpoint)
        let model = try NeuraloperatorFNO.model(from: stateDict, metadataPath: metadata)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let training = TrainingConfiguration(normalize: false)
        var metadataEntries = [
            TrainedModel.modelKindKey: OperatorKind.fno.rawValue,
            FourierNeuralOperator<Float>.configurationKey: String(decoding: try encoder.encode(model.configuration), as: UTF8.self),
            TrainedModel.trainingConfigurationKey: String(decoding: try encoder.encode(training), as: UTF8.self),
            "pdekit.imported.from": URL(fileURLWithPath: checkpoint).lastPathComponent,
        ]
        metadataEntries["pdekit.imported.format"] = "neuraloperator FNO"
        let archive = model.parameterArchive(metadata: metadataEntries)
        do {
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            try AtomicFile.write(archive.encoded(), to: run.appendingPathComponent("checkpoint.safetensors"))
        } catch { throw TorchInteropError.cannotWrite(path: run.path, reason: "\(error)") }
        return model
    }

    /// Writes `directory/state_dict.safetensors` and `directory/fno_kwargs.json` for the FNO of `run`
    /// (a run directory or checkpoint file). A model trained with normalization also gets
    /// `normalizers.safetensors` (per-point mean and standard deviation of inputs and targets):
    /// PyTorch must apply `(a − mean)/std` before and `y · std + mean` after the network.
    /// Returns whether normalizers were written.
    @discardableResult
    public static func export(run: String, to directory: URL) throws -> Bool {
        let (trained, checkpointArchive) = try TrainedModel.load(from: checkpointURL(run))
        guard let model = trained.fno else { throw TorchInteropError.unsupportedModel("the run holds a \(trained.kind.rawValue) model; only FNOs export to neuraloperator") }
        let (stateDict, kwargs) = try NeuraloperatorFNO.export(model)
        var normalizers = SafetensorsArchive()
        for name in checkpointArchive.names where name.hasPrefix("normalizer.") {
            normalizers.add(try checkpointArchive.tensor(named: name) as Tensor<Float>, named: name)
        }
        let json = try JSONSerialization.data(withJSONObject: kwargs, options: [.sortedKeys, .prettyPrinted])
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try AtomicFile.write(stateDict.encoded(), to: directory.appendingPathComponent(stateDictFile))
            try AtomicFile.write(json, to: directory.appendingPathComponent(kwargsFile))
            if !normalizers.names.isEmpty { try AtomicFile.write(normalizers.encoded(), to: directory.appendingPathComponent(normalizerFile)) }
        } catch { throw TorchInteropError.cannotWrite(path: directory.path, reason: "\(error)") }
        return !normalizers.names.isEmpty
    }

    /// The line `pdekit import neuraloperator` prints for the imported `model` written to `run`.
    public static func importReport(_ model: FourierNeuralOperator<Float>, run: String) -> String {
        let c = model.configuration
        return "imported a \(c.spatialDimensions)-D FNO: n_modes \(c.neuraloperatorModes), width \(c.width), \(c.layerCount) layers, \(model.parameterCount) parameters → \(run)/checkpoint.safetensors"
    }

    /// The line `pdekit export neuraloperator` prints for an export into `directory`.
    public static func exportReport(directory: String, wroteNormalizers: Bool) -> String {
        "wrote \(directory)/\(stateDictFile) and \(kwargsFile)" + (wroteNormalizers ? " and \(normalizerFile) (apply it around the network)" : "")
    }

    /// `run/best.safetensors`, else `run/checkpoint.safetensors`, or `run` itself when it is a file.
    public static func checkpointURL(_ run: String) -> URL {
        var isDirectory: ObjCBool = false
        let url = URL(fileURLWithPath: run)
        guard FileManager.default.fileExists(atPath: run, isDirectory: &isDirectory), isDirectory.boolValue else { return url }
        let best = url.appendingPathComponent("best.safetensors")
        return FileManager.default.fileExists(atPath: best.path) ? best : url.appendingPathComponent("checkpoint.safetensors")
    }
}
