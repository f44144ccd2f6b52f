import TestSupport
import Foundation
import Testing
import PDEKit

/// `pdekit import neuraloperator` then `pdekit evaluate` on PyTorch's recorded inputs and outputs:
/// the relative error of PDEKit's predictions against PyTorch's is at most 1e-5 at every resolution;
/// malformed or unsupported checkpoints give one `error:` line.
@Suite struct NeuraloperatorCommandTests {
    let cli = CommandLineTests()
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/neuraloperator")

    @Test(arguments: [("fno2d_state_dict.pt", "fno2d_expected.safetensors", [32, 48, 64]),
                      ("fno1d.safetensors", "fno1d_expected.safetensors", [64, 100, 256]),
                      ("fno3d.pt", "fno3d_expected.safetensors", [8, 12, 16])])
    func importedModelEvaluatesToPyTorchsOutputs(file: String, expectedFile: String, resolutions: [Int]) throws {
        let directory = try makeScratchDirectory("nop-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("run")
        var arguments = ["import", "neuraloperator", Self.fixtures.appendingPathComponent(file).path, "--output", run.path]
        if file.hasPrefix("fno2d") { arguments += ["--metadata", Self.fixtures.appendingPathComponent("fno2d_metadata.pkl").path] }
        let imported = try cli.run(arguments)
        try #require(imported.status == 0, "\(imported.error)")
        let expected = try SafetensorsArchive(contentsOf: Self.fixtures.appendingPathComponent(expectedFile))
        for n in resolutions {
            let data = directory.appendingPathComponent("data-\(n).npz")
            let input: Tensor<Float> = try expected.tensor(named: "input.\(n)"), output: Tensor<Float> = try expected.tensor(named: "output.\(n)")
            try NPZFile.write([("x", NumericArray(input)), ("y", NumericArray(output))], to: data.path)
            let evaluated = try cli.run(["evaluate", run.path, "--data", data.path, "--input-key", "x", "--target-key", "y",
                                         "--samples", "2", "--sample-order", "file", "--channels-first", "--plots", directory.path])
            try #require(evaluated.status == 0, "\(evaluated.error)")
            let line = evaluated.output.split(separator: "\n").last { $0.hasPrefix("{") } ?? ""
            let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let error = try #require(json?["relative_l2"] as? Double)
            #expect(error.isFinite && error <= 1e-5, "\(file) at \(n): relative L2 against PyTorch \(error)")
        }
    }

    /// On grids with an odd axis (29², 31×36: neuraloperator's spectral convolution puts the modes one
    /// frequency lower there) the imported model evaluates to PyTorch's outputs too.
    @Test func importedModelEvaluatesToPyTorchsOutputsOnOddGrids() throws {
        let directory = try makeScratchDirectory("nop-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("run")
        let imported = try cli.run(["import", "neuraloperator", Self.fixtures.appendingPathComponent("fno2d_state_dict.pt").path,
                                    "--metadata", Self.fixtures.appendingPathComponent("fno2d_metadata.pkl").path, "--output", run.path])
        try #require(imported.status == 0, "\(imported.error)")
        #expect(imported.output.hasPrefix("imported a 2-D FNO: n_modes [16, 16], width 32, 2 layers"), "\(imported.output)")
        let expected = try SafetensorsArchive(contentsOf: Self.fixtures.appendingPathComponent("fno2d_odd_expected.safetensors"))
        for grid in ["29x29", "31x36"] {
            let data = directory.appendingPathComponent("data-\(grid).npz")
            let input: Tensor<Float> = try expected.tensor(named: "input.\(grid)"), output: Tensor<Float> = try expected.tensor(named: "output.\(grid)")
            try NPZFile.write([("x", NumericArray(input)), ("y", NumericArray(output))], to: data.path)
            let evaluated = try cli.run(["evaluate", run.path, "--data", data.path, "--input-key", "x", "--target-key", "y",
                                         "--samples", "2", "--sample-order", "file", "--channels-first", "--plots", directory.path])
            try #require(evaluated.status == 0, "\(evaluated.error)")
            let line = evaluated.output.split(separator: "\n").last { $0.hasPrefix("{") } ?? ""
            let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let error = try #require(json?["relative_l2"] as? Double)
            #expect(error.isFinite && error <= 1e-5, "\(grid): relative L2 against PyTorch \(error)")
        }
    }

    /// `bench import` lists it cannot use give one error line, before anything is run.
    @Test func benchImportRefusesBadListsWithOneErrorLine() throws {
        let checkpoint = Self.fixtures.appendingPathComponent("fno3d.pt").path
        for (arguments, phrase) in [(["--grids", "64,x"], "--grids '64,x' is not a comma-separated list of integers"),
                                    (["--batches", ""], "--batches '' is not a comma-separated list of integers"),
                                    (["--grids", "4"], "--grids must lie in 8…2048"),
                                    (["--case", "64x0"], "--case must be GRIDxBATCH")] {
            let result = try cli.run(["bench", "import", checkpoint] + arguments)
            #expect(result.status != 0)
            let lines = result.error.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("error:") && lines[0].contains(phrase), "\(arguments): \(result.error)")
        }
    }

    @Test func unsupportedAndMalformedCheckpointsGiveOneErrorLine() throws {
        let directory = try makeScratchDirectory("nop-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let truncated = directory.appendingPathComponent("truncated.pt")
        let original = try Data(contentsOf: Self.fixtures.appendingPathComponent("fno1d.pt"))
        try original.prefix(original.count / 2).write(to: truncated)
        for (path, phrase) in [(Self.fixtures.appendingPathComponent("tfno2d_tucker.pt").path, "TFNO"),
                               (truncated.path, "torch.save"), (directory.appendingPathComponent("absent.pt").path, "cannot read")] {
            let result = try cli.run(["import", "neuraloperator", path, "--output", directory.appendingPathComponent("run").path])
            #expect(result.status != 0)
            let lines = result.error.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("error:") && lines[0].contains(phrase), "\(result.error)")
        }
        // --help says what --modes means for the neuraloperator preset.
        let help = try cli.run(["train", "fno", "--help"])
        #expect(help.output.contains("n_modes"))
        // ... and which spectral mode convention each preset uses.
        let words = help.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("neuraloperator's convention for neuraloperator (exports match PyTorch), PDEKit's for the others"))
    }
}
