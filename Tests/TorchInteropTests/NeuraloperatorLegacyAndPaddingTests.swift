import Foundation
import Testing
import NeuralLayers
import NeuralOperators
import TensorCore
import TestSupport
import TorchInterop

/// Domain padding and neuraloperator 0.3's stacked layout, against outputs recorded by PyTorch
/// (`bench/peers/neuralop_fixtures.py make --only fno2d_padded` with neuraloperator 2.0.0, and
/// `make-legacy` with the real neuraloperator 0.3.0 and tensorly-torch 0.5).
@Suite struct NeuraloperatorLegacyAndPaddingTests {
    /// Symmetric padding of round_half_even(0.25 n) points (8, 8 and 10 at n = 30, 34, 38: 8.5 rounds to 8).
    /// (Padded sizes that are odd: `NeuraloperatorOddGridTests`.)
    @Test func symmetricDomainPaddingMatchesPyTorchAtThreeResolutions() throws {
        let state = try TorchStateDict.read(contentsOf: FixturePaths.path("fno2d_padded.pt"))
        let model = try NeuraloperatorFNO.model(from: state)
        #expect(model.configuration.domainPadding == 0.25)
        #expect(model.configuration.domainPaddingPlacement == .symmetric)
        #expect(model.padding(spatialSize: [30, 34]).before == [8, 8])
        #expect(model.padding(spatialSize: [38, 38]).after == [10, 10])
        let (worst, count) = try NeuraloperatorImportTests.worstDifference(model, expected: "fno2d_padded_expected.safetensors")
        #expect(count == 3)
        #expect(worst <= 1e-5, "worst relative difference \(worst)")
    }

    /// Without its padding the same weights miss PyTorch's outputs: the check above can fail.
    @Test func thePaddedFixtureIsSensitiveToThePadding() throws {
        let state = try TorchStateDict.read(contentsOf: FixturePaths.path("fno2d_padded.pt"))
        let padded = try NeuraloperatorFNO.model(from: state)
        var configuration = padded.configuration
        configuration.domainPaddingPlacement = .end
        var generator = SeededRandomNumberGenerator(seed: 0)
        let oneSided = try FourierNeuralOperator<Float>(configuration, generator: &generator)
        var archive = SafetensorsArchive()
        padded.visitParameters(prefix: "") { name, parameter in archive.add(parameter.value, named: name) }
        try oneSided.loadParameters(from: archive)
        let (worst, _) = try NeuraloperatorImportTests.worstDifference(oneSided, expected: "fno2d_padded_expected.safetensors")
        #expect(worst > 1e-3, "one-sided padding matched symmetric padding's outputs (\(worst))")
    }

    /// neuraloperator 0.3, per-layer weights `fno_blocks.convs.weight.{i}.tensor` stored as real views.
    @Test func neuraloperator03PerLayerLayoutMatchesPyTorch() throws {
        let state = try TorchStateDict.read(contentsOf: FixturePaths.path("fno2d_v03_state_dict.pt"))
        #expect(state.names.contains("fno_blocks.convs.weight.0.tensor"))
        let model = try NeuraloperatorFNO.model(from: state, metadataPath: FixturePaths.path("fno2d_v03_metadata.pkl"))
        #expect(model.configuration.appendGrid == false)
        #expect(model.configuration.inputChannels == 3)
        #expect(model.configuration.domainPadding == 0)
        let (worst, count) = try NeuraloperatorImportTests.worstDifference(model, expected: "fno2d_v03_expected.safetensors")
        #expect(count == 3)
        #expect(worst <= 1e-5, "worst relative difference \(worst)")
    }

    /// neuraloperator 0.3 with `joint_factorization=True` (one weight stacked over the three blocks,
    /// `fno_blocks.convs.weight.tensor`) and one-sided domain padding 0.25 (8, 8, 10 points at 30, 34, 40).
    @Test func neuraloperator03StackedLayoutWithOneSidedPaddingMatchesPyTorch() throws {
        let state = try TorchStateDict.read(contentsOf: FixturePaths.path("fno2d_v03_joint_padded_state_dict.pt"))
        #expect(state["fno_blocks.convs.weight.tensor"]?.shape.first == 3)
        let model = try NeuraloperatorFNO.model(from: state, metadataPath: FixturePaths.path("fno2d_v03_joint_padded_metadata.pkl"))
        #expect(model.configuration.layerCount == 3)
        #expect(model.configuration.domainPaddingPlacement == .end)
        #expect(model.padding(spatialSize: [34, 40]).before == [0, 0])
        #expect(model.padding(spatialSize: [34, 40]).after == [8, 10])
        let (worst, count) = try NeuraloperatorImportTests.worstDifference(model, expected: "fno2d_v03_joint_padded_expected.safetensors")
        #expect(count == 3)
        #expect(worst <= 1e-5, "worst relative difference \(worst)")
    }

    /// neuraloperator 0.3 with `use_mlp=True`: its channel MLP (`fno_blocks.mlp.{i}.fcs.{j}`, Conv2d,
    /// hidden `round(0.5 C)`) and soft gates, with the activation before the last block's MLP too;
    /// at 24², 29² (odd) and 32².
    @Test func neuraloperator03ChannelMLPMatchesPyTorch() throws {
        let state = try TorchStateDict.read(contentsOf: FixturePaths.path("fno2d_v03_mlp_state_dict.pt"))
        #expect(state.names.contains("fno_blocks.mlp.1.fcs.1.weight"))
        #expect(state.names.contains("fno_blocks.mlp_skips.1.weight"))
        let model = try NeuraloperatorFNO.model(from: state, metadataPath: FixturePaths.path("fno2d_v03_mlp_metadata.pkl"))
        #expect(model.configuration.useChannelMLP)
        #expect(model.configuration.channelMLPInputActivation == .everyBlock)
        #expect(model.channelMLPs[0].layers[0].outputChannels == 4)
        let (worst, count) = try NeuraloperatorImportTests.worstDifference(model, expected: "fno2d_v03_mlp_expected.safetensors")
        #expect(count == 3)
        #expect(worst <= 1e-5, "worst relative difference \(worst)")

        // Without the activation before the last MLP (1.x/2.x's block) the same weights miss: the check can fail.
        let newer = try NeuraloperatorOddGridTests.withChannelMLPInputActivation(model, .allButLastBlock)
        let (missed, _) = try NeuraloperatorImportTests.worstDifference(newer, expected: "fno2d_v03_mlp_expected.safetensors")
        #expect(missed > 1e-3, "1.x's block matched 0.3's outputs (\(missed))")
    }

    /// Without its metadata a 0.3 state dict carries no trace of the padding: read, but unpadded.
    @Test func aStackedStateDictWithoutMetadataIsReadUnpadded() throws {
        let state = try TorchStateDict.read(contentsOf: FixturePaths.path("fno2d_v03_joint_padded_state_dict.pt"))
        let model = try NeuraloperatorFNO.model(from: state)
        #expect(model.configuration.domainPadding == 0)
    }

    /// A 0.x channel MLP without its soft gate and a stacked weight of the wrong rank are refused with
    /// one line naming them.
    @Test func unsupportedLegacyFeaturesAreRefusedByName() throws {
        var state = try TorchStateDict.read(contentsOf: FixturePaths.path("fno2d_v03_state_dict.pt"))
        var withMLP = state
        withMLP.tensors.append(("fno_blocks.mlp.0.fcs.0.weight", TorchTensor(shape: [4, 8, 1, 1], elementType: .float32, scalars: [Float](repeating: 0, count: 32))))
        let mlpResult = Result { try NeuraloperatorFNO.model(from: withMLP) }
        guard case .failure(let mlpError) = mlpResult else { Issue.record("a 0.x channel MLP without its gate was accepted"); return }
        #expect("\(mlpError)".contains("fno_blocks.mlp"), "\(mlpError)")
        #expect(!"\(mlpError)".contains("\n"))
        state.tensors = state.tensors.map { entry in
            entry.name == "fno_blocks.convs.weight.1.tensor"
                ? (entry.name, TorchTensor(shape: [8, 8, 8, 10], elementType: .float32, scalars: entry.tensor.scalars)) : entry
        }
        #expect(throws: TorchInteropError.self) { _ = try NeuraloperatorFNO.model(from: state) }
    }
}
