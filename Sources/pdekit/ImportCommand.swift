import ArgumentParser
import Foundation
import PDEKit

/// `pdekit import neuraloperator FILE --output RUN`: a PyTorch-trained FNO as a PDEKit run.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a model trained elsewhere as a PDEKit run directory.",
        subcommands: [ImportNeuraloperator.self])
}

struct ImportNeuraloperator: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neuraloperator",
        abstract: "Import a neuraloperator FNO checkpoint (torch.save state dict or safetensors), read without Python.",
        discussion: """
            FILE is the <name>_state_dict.pt of FNO.save_checkpoint, a plain torch.save(model.state_dict()) or a \
            safetensors state dict; --metadata is the <name>_metadata.pkl of save_checkpoint or a kwargs JSON (by \
            default the _metadata entry of the state dict is used, else neuraloperator's FNO defaults). The pickle is \
            read by a restricted reader: nothing in the file is executed. Writes RUN/checkpoint.safetensors, which \
            `pdekit evaluate`, the Swift API and pdekit_operator_load (C, Fortran) use at any resolution. The model has \
            no normalizers: it takes and gives what the PyTorch model does.
            """)

    @Argument(help: "The PyTorch checkpoint.") var file: String
    @Option(help: "save_checkpoint's <name>_metadata.pkl, or a JSON of FNO kwargs.") var metadata: String?
    @Option(help: "Run directory to write.") var output: String

    func run() throws {
        let model = try NeuraloperatorRun.importCheckpoint(file, metadata: metadata, to: URL(fileURLWithPath: output))
        print(NeuraloperatorRun.importReport(model, run: output))
    }
}
