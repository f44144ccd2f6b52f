import Foundation
import Testing
import PDEKit
import PDEKitC

/// A corrupted checkpoint is refused by the C API's load (a non-zero status and no handle) instead of
/// loading "OK" and crashing the host at the first apply: the committed pre-engine fixtures with a
/// normalizer of the wrong rank or channels, an absurd width, NaN weights; a DeepONet with absurd widths or NaN.
@Suite struct CorruptCheckpointCAPITests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/old-checkpoints")

    func refused(_ archive: SafetensorsArchive, deepONet: Bool = false) throws -> Bool {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-corrupt-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try archive.write(to: url)
        var handle: OpaquePointer?
        let status = deepONet ? pdekit_deeponet_load(url.path, &handle) : pdekit_operator_load(url.path, &handle)
        if let handle { deepONet ? pdekit_deeponet_free(handle) : pdekit_operator_free(handle) }
        return status != 0 && handle == nil
    }

    @Test func corruptedOperatorCheckpointsAreRefused() throws {
        let original = try SafetensorsArchive(contentsOf: Self.fixtures.appendingPathComponent("fno/best.safetensors"))
        #expect(try !refused(original), "the intact fixture loads")
        var rank = original
        rank.add(Tensor<Float>.zeros([17, 17]), named: "normalizer.input.mean")
        #expect(try refused(rank))
        var channels = original
        channels.add(Tensor<Float>.zeros([1, 3, 17, 17]), named: "normalizer.target.mean")
        channels.add(Tensor<Float>.ones([1, 3, 17, 17]), named: "normalizer.target.std")
        #expect(try refused(channels))
        var absurd = original
        absurd.metadata["pdekit.fno.configuration"] = absurd.metadata["pdekit.fno.configuration"]!
            .replacingOccurrences(of: "\"width\":8", with: "\"width\":100000")
        #expect(absurd.metadata["pdekit.fno.configuration"]!.contains("100000"))
        #expect(try refused(absurd))
        var nan = original
        let name = try #require(nan.names.first { !$0.hasPrefix("normalizer") })
        var tensor: Tensor<Float> = try nan.tensor(named: name)
        tensor.scalars[0] = .nan
        nan.add(tensor, named: name)
        #expect(try refused(nan))
    }

    @Test func corruptedDeepONetCheckpointsAreRefused() throws {
        let original = try SafetensorsArchive(contentsOf: Self.fixtures.appendingPathComponent("deeponet/model.safetensors"))
        #expect(try !refused(original, deepONet: true), "the intact fixture loads")
        var absurd = original
        absurd.metadata["deeponet.configuration"] = absurd.metadata["deeponet.configuration"]!
            .replacingOccurrences(of: "[20,16,16]", with: "[20,3037000500,16]")
        #expect(absurd.metadata["deeponet.configuration"]!.contains("3037000500"))
        #expect(try refused(absurd, deepONet: true))
        var nan = original
        let name = try #require(nan.names.first)
        var tensor: Tensor<Float> = try nan.tensor(named: name)
        tensor.scalars[0] = .infinity
        nan.add(tensor, named: name)
        #expect(try refused(nan, deepONet: true))
    }
}
