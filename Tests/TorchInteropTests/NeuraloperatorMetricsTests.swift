import Foundation
import Testing
import NeuralLayers
import TensorCore
import TorchInterop

/// neuraloperator's LpLoss and H1Loss, computed by neuraloperator 2.0.0 on the fixtures' outputs and
/// exact solutions (metadata `lp.N`, `h1.N` of `*_expected.safetensors`), reproduced by PDEKit.
@Suite struct NeuraloperatorMetricsTests {
    @Test(arguments: [("fno1d_expected.safetensors", 1), ("fno2d_expected.safetensors", 2), ("fno3d_expected.safetensors", 3)])
    func metricsMatchNeuraloperators(file: String, d: Int) throws {
        let archive = try SafetensorsArchive(contentsOf: URL(fileURLWithPath: FixturePaths.path(file)))
        var checked = 0
        for name in archive.names where name.hasPrefix("output.") {
            let n = name.dropFirst("output.".count)
            let output: Tensor<Float> = try archive.tensor(named: name), target: Tensor<Float> = try archive.tensor(named: "target.\(n)")
            let lp = try #require(archive.metadata["lp.\(n)"].flatMap(Double.init)), h1 = try #require(archive.metadata["h1.\(n)"].flatMap(Double.init))
            let ours = (NeuraloperatorMetrics.lpLoss(output, target, spatialDimensions: d), NeuraloperatorMetrics.h1Loss(output, target, spatialDimensions: d))
            #expect(abs(ours.0 - lp) <= 1e-5 * lp, "\(file) \(n): Lp \(ours.0) vs \(lp)")
            #expect(abs(ours.1 - h1) <= 1e-5 * h1, "\(file) \(n): H1 \(ours.1) vs \(h1)")
            checked += 1
        }
        #expect(checked == 3)
    }
}
