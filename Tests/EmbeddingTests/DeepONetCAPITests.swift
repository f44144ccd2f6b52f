import TestSupport
import Foundation
import Testing
import PDEKit
import PDEKitC

/// DeepONets through the C API: the same predictions as the Swift model, and shape errors as codes.
@Suite struct DeepONetCAPITests {
    @Test func cAPIPredictionsMatchTheSwiftModel() throws {
        var generator = SeededRandomNumberGenerator(seed: 5)
        let configuration = DeepONetConfiguration(branchWidths: [12, 16, 8], trunkWidths: [2, 16, 8], activation: .tanh)
        let model = try DeepONet<Float>(configuration: configuration, generator: &generator)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-deeponet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try model.parameterArchive().write(to: directory.appendingPathComponent("model.safetensors"))

        var handle: OpaquePointer?
        try #require(pdekit_deeponet_load(directory.path, &handle) == 0, "\(String(cString: pdekit_last_error()))")
        defer { pdekit_deeponet_free(handle) }
        var sensors: Int64 = 0, dimensions: Int64 = 0, outputs: Int64 = 0, podPoints: Int64 = -1
        #expect(pdekit_deeponet_describe(handle, &sensors, &dimensions, &outputs, &podPoints) == 0)
        #expect(sensors == 12 && dimensions == 2 && outputs == 1 && podPoints == 0)

        let functions = 3, points = 7
        let branch = (0..<(functions * 12)).map { sin(Double($0) * 0.3) }
        let trunk = (0..<(points * 2)).map { Double($0) / 14 }
        var output = [Double](repeating: .nan, count: functions * points)
        #expect(pdekit_deeponet_apply_f64(handle, branch, Int64(functions), trunk, Int64(points), &output, Int64(output.count)) == 0)
        let expected = model.predict(branchInput: Tensor(uncheckedShape: [functions, 12], scalars: branch.map { Float($0) }),
                                     trunkInput: Tensor(uncheckedShape: [points, 2], scalars: trunk.map { Float($0) })).scalars
        let scale = expected.map { abs($0) }.maxOrNaN() ?? 1
        let worst = zip(output, expected).map { abs($0 - Double($1)) }.maxOrNaN() ?? .infinity
        #expect(worst <= 1e-6 * Double(scale))

        // Errors: a wrong output size, a NULL trunk for a trunk network, NaN input, a missing file.
        #expect(pdekit_deeponet_apply_f64(handle, branch, Int64(functions), trunk, Int64(points), &output, 5) == 3)
        #expect(pdekit_deeponet_apply_f64(handle, branch, Int64(functions), nil, Int64(points), &output, Int64(output.count)) == 1)
        var bad = branch
        bad[4] = .nan
        #expect(pdekit_deeponet_apply_f64(handle, bad, Int64(functions), trunk, Int64(points), &output, Int64(output.count)) == 2)
        var missing: OpaquePointer?
        #expect(pdekit_deeponet_load(directory.appendingPathComponent("nothing").path, &missing) == 4)
        // An FNO loader refuses a DeepONet file with an I/O error rather than crashing.
        var fno: OpaquePointer?
        #expect(pdekit_operator_load(directory.appendingPathComponent("model.safetensors").path, &fno) == 4)
    }
}
