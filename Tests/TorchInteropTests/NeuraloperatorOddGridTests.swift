import Foundation
import Testing
import NeuralLayers
import NeuralOperators
import TensorCore
import TestSupport
import Training
import TorchInterop

/// Grids with odd axes, where neuraloperator's `SpectralConv` puts every output mode one frequency
/// lower on each odd leading axis (`SpectralModeConvention.neuraloperator`), against outputs PyTorch
/// recorded from the committed models (`bench/peers/neuralop_fixtures.py odd`, neuraloperator 2.0.0;
/// with 0.3.0 on PYTHONPATH for the 0.3 models).
@Suite struct NeuraloperatorOddGridTests {
    /// The same weights under another mode convention.
    static func withConvention(_ model: FourierNeuralOperator<Float>, _ convention: SpectralModeConvention) throws -> FourierNeuralOperator<Float> {
        var configuration = model.configuration
        configuration.modeConvention = convention
        return try rebuilt(model, configuration)
    }

    /// The same weights with the activation before the channel MLPs placed otherwise.
    static func withChannelMLPInputActivation(_ model: FourierNeuralOperator<Float>, _ placement: FNOChannelMLPInputActivation) throws -> FourierNeuralOperator<Float> {
        var configuration = model.configuration
        configuration.channelMLPInputActivation = placement
        return try rebuilt(model, configuration)
    }

    static func rebuilt(_ model: FourierNeuralOperator<Float>, _ configuration: FNOConfiguration) throws -> FourierNeuralOperator<Float> {
        var generator = SeededRandomNumberGenerator(seed: 0)
        let copy = try FourierNeuralOperator<Float>(configuration, generator: &generator)
        var archive = SafetensorsArchive()
        model.visitParameters(prefix: "") { name, parameter in archive.add(parameter.value, named: name) }
        try copy.loadParameters(from: archive)
        return copy
    }

    /// Per recorded grid (`input.AxB…`), the relative difference between the model's output and PyTorch's.
    static func differences(_ model: FourierNeuralOperator<Float>, expected name: String) throws -> [String: Double] {
        let expected = try SafetensorsArchive(contentsOf: URL(fileURLWithPath: FixturePaths.path(name)))
        var result: [String: Double] = [:]
        for inputName in expected.names where inputName.hasPrefix("input.") {
            let grid = String(inputName.dropFirst("input.".count))
            let input: Tensor<Float> = try expected.tensor(named: inputName)
            let reference: Tensor<Float> = try expected.tensor(named: "output.\(grid)")
            let output = try model.predict(input)
            #expect(output.shape == reference.shape)
            result[grid] = NeuraloperatorImportTests.relativeDifference(output.scalars, reference.scalars)
        }
        return result
    }

    static func worst(_ differences: [String: Double]) -> Double { differences.values.reduce(0, maxOrNaN) }

    @Test func twoDimensionalMatchesPyTorchAtOddAndEvenGrids() throws {
        let state = try TorchStateDict.read(contentsOf: FixturePaths.path("fno2d_state_dict.pt"))
        let model = try NeuraloperatorFNO.model(from: state, metadataPath: FixturePaths.path("fno2d_metadata.pkl"))
        #expect(model.configuration.modeConvention == .neuraloperator)
        let differences = try Self.differences(model, expected: "fno2d_odd_expected.safetensors")
        #expect(Set(differences.keys) == ["29x29", "33x33", "64x64", "31x36"])
        #expect(Self.worst(differences) <= 1e-5, "\(differences)")
    }

    /// PDEKit's own convention misses PyTorch on the odd grids (so the check above can fail) and
    /// agrees with it on the even one.
    @Test func pdekitConventionDiffersOnlyOnOddLeadingAxes() throws {
        let state = try TorchStateDict.read(contentsOf: FixturePaths.path("fno2d_state_dict.pt"))
        let model = try Self.withConvention(try NeuraloperatorFNO.model(from: state, metadataPath: FixturePaths.path("fno2d_metadata.pkl")), .pdekit)
        let differences = try Self.differences(model, expected: "fno2d_odd_expected.safetensors")
        #expect(differences["64x64"]! <= 1e-5, "\(differences)")
        for grid in ["29x29", "33x33", "31x36"] { #expect(differences[grid]! > 1e-2, "\(grid): \(differences)") }
    }

    /// 1-D has no leading axis (nothing moves); 3-D moves on each odd leading axis separately (9×10×11).
    @Test(arguments: ["fno1d", "fno3d"])
    func oneAndThreeDimensionalMatchPyTorchAtOddGrids(name: String) throws {
        let model = try NeuraloperatorFNO.model(from: try TorchStateDict.read(contentsOf: FixturePaths.path("\(name).pt")))
        let differences = try Self.differences(model, expected: "\(name)_odd_expected.safetensors")
        #expect(differences.count == 2)
        #expect(Self.worst(differences) <= 1e-5, "\(differences)")
        if name == "fno3d" {
            let pdekit = try Self.differences(try Self.withConvention(model, .pdekit), expected: "\(name)_odd_expected.safetensors")
            #expect(pdekit.values.allSatisfy { $0 > 1e-3 }, "\(pdekit)")
        }
    }

    /// The parity that counts is the padded grid's: symmetric 0.25 padding takes 29 to 43 and 31 to 47.
    @Test func symmetricPaddingToOddGridsMatchesPyTorch() throws {
        let model = try NeuraloperatorFNO.model(from: try TorchStateDict.read(contentsOf: FixturePaths.path("fno2d_padded.pt")))
        #expect(model.paddingWidths(spatialSize: [29, 31]) == [14, 16])
        let differences = try Self.differences(model, expected: "fno2d_padded_odd_expected.safetensors")
        #expect(differences.count == 2)
        #expect(Self.worst(differences) <= 1e-5, "\(differences)")
    }

    /// neuraloperator 0.3 has the same convention (per-layer layout at 29² and 33²; the stacked layout
    /// with one-sided padding at 31² → 39, odd, and 29² → 36, even).
    @Test(arguments: ["fno2d_v03", "fno2d_v03_joint_padded"])
    func neuraloperator03MatchesPyTorchAtOddGrids(name: String) throws {
        let state = try TorchStateDict.read(contentsOf: FixturePaths.path("\(name)_state_dict.pt"))
        let model = try NeuraloperatorFNO.model(from: state, metadataPath: FixturePaths.path("\(name)_metadata.pkl"))
        let differences = try Self.differences(model, expected: "\(name)_odd_expected.safetensors")
        #expect(differences.count == 2)
        #expect(Self.worst(differences) <= 1e-5, "\(differences)")
    }

    /// A run imported before the convention existed (session 8's `pdekit import neuraloperator
    /// fno2d_padded.pt`, committed) decodes with PDEKit's convention: its outputs are what they were.
    /// Its configuration JSON has no `modeConvention`; the same weights give PyTorch's outputs on
    /// even padded grids, and on odd ones they differ from PyTorch as they did then.
    @Test func aCheckpointWithoutTheFieldLoadsWithPDEKitsConvention() throws {
        let path = FixturePaths.path("fno2d_padded_session8_import.safetensors")
        let archive = try SafetensorsArchive(contentsOf: URL(fileURLWithPath: path))
        #expect(archive.metadata[FourierNeuralOperator<Float>.configurationKey]?.contains("modeConvention") == false)
        let (trained, _) = try TrainedModel.load(from: URL(fileURLWithPath: path))
        let model = try #require(trained.fno)
        #expect(model.configuration.modeConvention == .pdekit)
        let even = try Self.differences(model, expected: "fno2d_padded_expected.safetensors")
        #expect(Self.worst(even) <= 1e-5, "\(even)")
        let odd = try Self.differences(model, expected: "fno2d_padded_odd_expected.safetensors")
        #expect(odd.values.allSatisfy { $0 > 1e-3 }, "\(odd)")
    }

    /// The convention is stored in the configuration JSON and read back.
    @Test func theConventionSurvivesTheConfigurationJSON() throws {
        let model = try NeuraloperatorFNO.model(from: try TorchStateDict.read(contentsOf: FixturePaths.path("fno3d.pt")))
        let json = try JSONEncoder().encode(model.configuration)
        #expect(String(decoding: json, as: UTF8.self).contains("\"modeConvention\":\"neuraloperator\""))
        let decoded = try JSONDecoder().decode(FNOConfiguration.self, from: json)
        #expect(decoded == model.configuration)
    }
}
