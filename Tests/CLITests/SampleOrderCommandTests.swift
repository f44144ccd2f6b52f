import Foundation
import Testing
import PDEKit

/// `train` / `evaluate` on a `pdekit generate` file split in drawing order (`--sample-order sampled`,
/// the default) or in the stored, similarity-sorted order (`file`), consistently between the two commands.
@Suite struct SampleOrderCommandTests {
    let cli = CommandLineTests()

    @Test func trainAndEvaluateSplitInTheSameOrder() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-order-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let data = root.appendingPathComponent("darcy.h5").path
        let generated = try cli.run(["generate", "darcy", "--samples", "10", "--resolution", "17", "--seed", "3",
                                     "--solver", "direct", "--output", data, "--quiet"])
        #expect(generated.status == 0, "\(generated.error)")
        let file = try HDF5File(opening: data)
        let index = try file.readDataset("sample_index").doubleValues.map { Int($0) }
        try file.close()
        // The premise: the solve order moved some of the last two drawn samples away from the end.
        try #require(Set(index.suffix(2)) != [8, 9], "sample_index \(index)")

        func trainThenEvaluate(_ order: String) throws -> (trained: Double, sampled: Double, stored: Double) {
            let run = root.appendingPathComponent("run-\(order)").path
            let trained = try cli.run(["train", "fno", "--data", data, "--train", "8", "--test", "2", "--epochs", "1",
                                       "--batch-size", "4", "--modes", "4", "--width", "8", "--layers", "1",
                                       "--sample-order", order, "--output", run, "--quiet"])
            #expect(trained.status == 0, "\(trained.error)")
            let summary = try #require(TrainMgNOCommandTests.json(trained.output))
            func evaluated(_ order: String) throws -> Double {
                let result = try cli.run(["evaluate", run, "--data", data, "--samples", "2", "--sample-order", order])
                #expect(result.status == 0, "\(result.error)")
                return try #require(TrainMgNOCommandTests.json(result.output)?["relative_l2"] as? Double)
            }
            return (try #require(summary["test_relative_l2"] as? Double), try evaluated("sampled"), try evaluated("file"))
        }
        let sampled = try trainThenEvaluate("sampled"), stored = try trainThenEvaluate("file")
        // Each run's test set is the last two samples in its own order, and only there.
        #expect(abs(sampled.sampled - sampled.trained) <= 1e-4 * sampled.trained, "\(sampled)")
        #expect(abs(stored.stored - stored.trained) <= 1e-4 * stored.trained, "\(stored)")
        #expect(abs(sampled.stored - sampled.trained) > 1e-3 * sampled.trained, "\(sampled)")
    }
}
