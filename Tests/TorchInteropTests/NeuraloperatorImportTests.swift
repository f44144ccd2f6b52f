import Foundation
import Testing
import NeuralLayers
import NeuralOperators
import TensorCore
import TestSupport
import TorchInterop

/// neuraloperator FNOs trained and saved by PyTorch (`bench/peers/neuralop_fixtures.py`) give, through
/// PDEKit's FNO, the outputs PyTorch recorded on fixed inputs at three resolutions.
@Suite struct NeuraloperatorImportTests {
    /// ‖a − b‖₂ / ‖b‖₂, NaN when either holds NaN (so a NaN fails every tolerance).
    static func relativeDifference(_ a: [Float], _ b: [Float]) -> Double {
        guard a.count == b.count else { return .nan }
        var difference = 0.0, norm = 0.0
        for (x, y) in zip(a, b) {
            difference += Double(x - y) * Double(x - y)
            norm += Double(y) * Double(y)
        }
        return (difference / norm).squareRoot()
    }

    /// The worst relative difference between the model's outputs and PyTorch's over the recorded resolutions.
    static func worstDifference(_ model: FourierNeuralOperator<Float>, expected name: String) throws -> (worst: Double, resolutions: Int) {
        let expected = try SafetensorsArchive(contentsOf: URL(fileURLWithPath: FixturePaths.path(name)))
        var worst = 0.0, count = 0
        for inputName in expected.names where inputName.hasPrefix("input.") {
            let resolution = inputName.dropFirst("input.".count)
            let input: Tensor<Float> = try expected.tensor(named: inputName)
            let reference: Tensor<Float> = try expected.tensor(named: "output.\(resolution)")
            let output = try model.predict(input)
            #expect(output.shape == reference.shape)
            worst = maxOrNaN(worst, relativeDifference(output.scalars, reference.scalars))
            count += 1
        }
        return (worst, count)
    }

    @Test func twoDimensionalSaveCheckpointMatchesPyTorch() throws {
        let state = try TorchStateDict.read(contentsOf: FixturePaths.path("fno2d_state_dict.pt"))
        let model = try NeuraloperatorFNO.model(from: state, metadataPath: FixturePaths.path("fno2d_metadata.pkl"))
        #expect(model.configuration.modes == [8, 9])
        #expect(model.configuration.gridConvention == .periodic)
        let (worst, count) = try Self.worstDifference(model, expected: "fno2d_expected.safetensors")
        #expect(count == 3)
        #expect(worst <= 1e-5, "worst relative difference \(worst)")
    }

    @Test func twoDimensionalWithoutMetadataFileUsesTheEmbeddedMetadata() throws {
        let state = try TorchStateDict.read(contentsOf: FixturePaths.path("fno2d_state_dict.pt"))
        #expect(state.extra("_metadata") != nil)
        let model = try NeuraloperatorFNO.model(from: state)
        let (worst, _) = try Self.worstDifference(model, expected: "fno2d_expected.safetensors")
        #expect(worst <= 1e-5, "worst relative difference \(worst)")
    }

    @Test(arguments: ["fno1d.pt", "fno1d.safetensors"])
    func oneDimensionalMatchesPyTorch(file: String) throws {
        let model = try NeuraloperatorFNO.model(from: try TorchStateDict.read(contentsOf: FixturePaths.path(file)))
        #expect(model.configuration.modes == [9])
        let (worst, count) = try Self.worstDifference(model, expected: "fno1d_expected.safetensors")
        #expect(count == 3)
        #expect(worst <= 1e-5, "worst relative difference \(worst)")
    }

    @Test func threeDimensionalMatchesPyTorch() throws {
        let model = try NeuraloperatorFNO.model(from: try TorchStateDict.read(contentsOf: FixturePaths.path("fno3d.pt")))
        #expect(model.configuration.modes == [2, 2, 3])
        let (worst, count) = try Self.worstDifference(model, expected: "fno3d_expected.safetensors")
        #expect(count == 3)
        #expect(worst <= 1e-5, "worst relative difference \(worst)")
    }

    @Test func tuckerFactorizedTFNOIsRefusedByName() throws {
        let state = try TorchStateDict.read(contentsOf: FixturePaths.path("tfno2d_tucker.pt"))
        do {
            _ = try NeuraloperatorFNO.model(from: state)
            Issue.record("a Tucker TFNO was accepted")
        } catch {
            #expect("\(error)".contains("TFNO"), "\(error)")
            #expect(!"\(error)".contains("\n"))
        }
    }
}
