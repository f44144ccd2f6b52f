import TestSupport
import Foundation
import Testing
import TensorCore
import AutoDiff
import NeuralLayers
import NeuralOperators

/// Weights and outputs written by the official MgNO code's structure (`bench/peers/mgno_official.py
/// fixtures`, PyTorch, float32; the script's rewrite gives outputs identical to the official
/// `models.py`): PDEKit loads each `state_dict` as it is and reproduces the outputs on the same inputs.
@Suite struct MgNOOfficialWeightsTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mgno-official")

    /// Loads `<variant>.weights.safetensors` into a model of `configuration` and compares the outputs
    /// at every grid size in `<variant>.io.safetensors`: relative L2 error and largest error relative
    /// to the largest output, both ≤ 1e-5.
    func check(_ variant: String, _ configuration: MgNOConfiguration, sizes: [Int]) throws {
        var generator = SeededRandomNumberGenerator(seed: 0)
        let model = try MgNO<Float>(configuration: configuration, generator: &generator)
        let weights = try SafetensorsArchive(contentsOf: Self.directory.appendingPathComponent("\(variant).weights.safetensors"))
        try model.loadParameters(from: weights)   // every official tensor is used, every PDEKit parameter found
        let io = try SafetensorsArchive(contentsOf: Self.directory.appendingPathComponent("\(variant).io.safetensors"))
        for n in sizes {
            let input: Tensor<Float> = try io.tensor(named: "input.\(n)")
            let expected: Tensor<Float> = try io.tensor(named: "output.\(n)")
            let output = try GradientRecording.withoutRecording { try model.apply(Variable(input)).value }
            #expect(output.shape == expected.shape)
            var squaredError = 0.0, squaredNorm = 0.0, largestError = 0.0, largest = 0.0
            for (y, r) in zip(output.scalars, expected.scalars) {
                let e = Double(y) - Double(r)
                squaredError += e * e
                squaredNorm += Double(r) * Double(r)
                largestError = maxOrNaN(largestError, abs(e))
                largest = maxOrNaN(largest, abs(Double(r)))
            }
            let relative = (squaredError / squaredNorm).squareRoot()
            print("MgNO official \(variant) at \(n)²: relative L2 \(relative), max \(largestError / largest)")
            #expect(relative <= 1e-5, "\(variant) at \(n)²: relative L2 error \(relative)")
            #expect(largestError <= 1e-5 * largest, "\(variant) at \(n)²: largest error \(largestError) of \(largest)")
        }
    }

    @Test func roughDarcyRunMatchesAt64And96And128() throws {
        try check("darcy", .darcy, sizes: [64, 96, 128])
    }

    @Test func navierStokesOptionsMatch() throws {
        // Width 4, 2 blocks, 3 levels with one post-smoothing step on the finest (fixture size).
        let configuration = MgNOConfiguration(channels: 4, layers: 2, levels: 3, smoothingSteps: [1, 1, 2],
                                              postSmoothingSteps: [1, 0, 0], paddingMode: .circular,
                                              gridPolicy: .requireDivisible, convolutionBias: true, pointwiseSkip: false,
                                              layerNormalizationGrid: [64, 64], inputResidual: true)
        try check("ns-small", configuration, sizes: [64])
    }

    @Test func smoothDarcyProlongationsMatchAt211() throws {
        var configuration = MgNOConfiguration.darcySmooth
        configuration.channels = 4
        configuration.layers = 2
        try check("smooth-small", configuration, sizes: [211])
    }

    @Test func helmholtzNetworkMatchesAt101() throws {
        // MgNO_helm at width 2, 2 blocks (the preset's structure otherwise: 5 levels, reflect padding,
        // growing channels, block layer norms on 101², a V-cycle head).
        var configuration = MgNOConfiguration.helmholtz
        configuration.channels = 2
        configuration.layers = 2
        try check("helmholtz-small", configuration, sizes: [101])
    }
}
