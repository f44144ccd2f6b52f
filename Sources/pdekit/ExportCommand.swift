import ArgumentParser
import Foundation
import PDEKit

/// `pdekit export neuraloperator RUN --output DIR`: a PDEKit FNO as a state dict PyTorch loads.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a trained model for another framework.",
        subcommands: [ExportNeuraloperator.self])
}

struct ExportNeuraloperator: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neuraloperator",
        abstract: "Export an FNO run as a neuraloperator state dict (safetensors) and FNO constructor arguments (JSON).",
        discussion: """
            Writes DIR/\(NeuraloperatorRun.stateDictFile) (neuraloperator key names; spectral weights complex64) and \
            DIR/\(NeuraloperatorRun.kwargsFile); in PyTorch: FNO(**kwargs).load_state_dict(safetensors.torch.load_file(...), \
            strict=False) (n_modes as a tuple). A run trained with normalization also gets DIR/\(NeuraloperatorRun.normalizerFile): \
            apply (a - mean)/std before and y*std + mean after the network. Models neuraloperator cannot express \
            (grid on [0,1] with both ends, domain padding, non-GELU activations) are refused. Models trained with \
            --preset neuraloperator (or imported) match PyTorch on every grid; other presets use PDEKit's spectral \
            mode convention and match only where the leading axes have even sizes.
            """)

    @Argument(help: "Run directory or checkpoint file.") var runPath: String
    @Option(help: "Directory to write.") var output: String

    func run() throws {
        let normalized = try NeuraloperatorRun.export(run: runPath, to: URL(fileURLWithPath: output))
        print(NeuraloperatorRun.exportReport(directory: output, wroteNormalizers: normalized))
    }
}
