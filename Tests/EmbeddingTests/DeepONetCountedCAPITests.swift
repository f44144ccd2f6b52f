import Foundation
import Testing
import PDEKit
import PDEKitC

/// `pdekit_deeponet_apply_counted_f64`: every buffer's length is passed and checked before the buffer
/// is touched, and size products that overflow are shape errors that name the sizes (issue 19: the
/// old entry point compared the handle with itself, read short buffers out of bounds and reported
/// "needs -9223372036854775808").
@Suite struct DeepONetCountedCAPITests {
    /// A saved trunk DeepONet (12 sensors, 2-D points) and the Swift model it came from.
    static func savedModel(in directory: URL) throws -> DeepONet<Float> {
        var generator = SeededRandomNumberGenerator(seed: 7)
        let configuration = DeepONetConfiguration(branchWidths: [12, 16, 8], trunkWidths: [2, 16, 8], activation: .tanh)
        let model = try DeepONet<Float>(configuration: configuration, generator: &generator)
        try model.parameterArchive().write(to: directory.appendingPathComponent("model.safetensors"))
        return model
    }

    @Test func countedApplyMatchesTheSwiftModelAndChecksEveryBuffer() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-deeponet-counted-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try Self.savedModel(in: directory)
        var handle: OpaquePointer?
        try #require(pdekit_deeponet_load(directory.path, &handle) == 0, "\(String(cString: pdekit_last_error()))")
        defer { pdekit_deeponet_free(handle) }

        let functions = 3, points = 5
        let branch = (0..<(functions * 12)).map { cos(Double($0) * 0.2) }
        let trunk = (0..<(points * 2)).map { Double($0) / 10 - 0.3 }
        var output = [Double](repeating: .nan, count: functions * points)
        let status = pdekit_deeponet_apply_counted_f64(handle, branch, Int64(branch.count), Int64(functions), trunk, Int64(trunk.count),
                                                       Int64(points), &output, Int64(output.count))
        try #require(status == 0, "\(String(cString: pdekit_last_error()))")
        let expected = model.predict(branchInput: Tensor(uncheckedShape: [functions, 12], scalars: branch.map { Float($0) }),
                                     trunkInput: Tensor(uncheckedShape: [points, 2], scalars: trunk.map { Float($0) })).scalars
        #expect(output.count == expected.count)
        for (value, reference) in zip(output, expected) {
            // NaN fails: the comparison is false for it.
            #expect(abs(value - Double(reference)) <= 1e-6 * max(1, abs(Double(reference))), "\(value) vs \(reference)")
        }

        // Short buffers (exactly as long as their counts say) are refused before they are read.
        let shortBranch = Array(branch.prefix(branch.count - 1)), shortTrunk = Array(trunk.prefix(trunk.count - 2))
        var untouched = [Double](repeating: .nan, count: functions * points)
        #expect(pdekit_deeponet_apply_counted_f64(handle, shortBranch, Int64(shortBranch.count), Int64(functions), trunk, Int64(trunk.count),
                                                  Int64(points), &untouched, Int64(untouched.count)) == 3)
        #expect(String(cString: pdekit_last_error()).contains("branch buffer has 35 values"))
        #expect(pdekit_deeponet_apply_counted_f64(handle, branch, Int64(branch.count), Int64(functions), shortTrunk, Int64(shortTrunk.count),
                                                  Int64(points), &untouched, Int64(untouched.count)) == 3)
        #expect(String(cString: pdekit_last_error()).contains("trunk buffer has 8 values"))
        #expect(pdekit_deeponet_apply_counted_f64(handle, branch, Int64(branch.count), Int64(functions), trunk, Int64(trunk.count),
                                                  Int64(points), &untouched, 4) == 3)
        #expect(untouched.allSatisfy { $0.isNaN }, "an output was written although the call failed")
        #expect(pdekit_deeponet_apply_counted_f64(handle, branch, -1, Int64(functions), trunk, Int64(trunk.count),
                                                  Int64(points), &untouched, Int64(untouched.count)) == 2)

        // Size products that overflow: a shape error naming the sizes, never a negative count.
        let huge = Int64(1) << 36
        for apply in [
            { pdekit_deeponet_apply_counted_f64(handle, branch, Int64(branch.count), huge, trunk, Int64(trunk.count), huge, &untouched, 1) },
            { pdekit_deeponet_apply_f64(handle, branch, huge, trunk, huge, &untouched, 1) },
        ] {
            #expect(apply() == 3)
            let message = String(cString: pdekit_last_error())
            #expect(message.contains("overflows") && !message.contains("-9223372036854775808"), "\(message)")
        }
    }
}
