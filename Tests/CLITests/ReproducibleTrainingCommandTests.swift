import Foundation
import Testing
import PDEKit

/// `pdekit train fno` with the same seed in separate processes (each makes its own FFTW plans):
/// three uninterrupted runs and one stopped after an epoch and resumed write byte-identical
/// checkpoints and the same metrics. Before the pruned FFTs used FFTW_ESTIMATE, about one run in
/// six differed from the second epoch on.
@Suite struct ReproducibleTrainingCommandTests {
    func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try CommandLineTests().run(arguments)
    }

    /// `metrics.jsonl` without the wall-clock seconds.
    func metrics(_ directory: URL) throws -> [String] {
        try String(contentsOf: directory.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { $0.replacingOccurrences(of: #""seconds":[0-9.eE+-]+,?"#, with: "", options: .regularExpression) }
    }

    @Test func sameSeedRunsInSeparateProcessesWriteIdenticalCheckpoints() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-reproducible-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        try TrainMgNOCommandTests.writeData(to: data, count: 24, n: 20, seed: 3)
        func arguments(_ directory: URL, epochs: Int) -> [String] {
            ["train", "fno", "--data", data.path, "--train", "18", "--test", "6", "--batch-size", "6", "--width", "8",
             "--modes", "5", "--layers", "2", "--seed", "4", "--epochs", String(epochs), "--output", directory.path, "--quiet"]
        }
        let directories = (0..<3).map { root.appendingPathComponent("run\($0)") }
        for directory in directories {
            let result = try run(arguments(directory, epochs: 3))
            #expect(result.status == 0, "\(result.error)")
        }
        let resumed = root.appendingPathComponent("resumed")
        let first = try run(arguments(resumed, epochs: 1))
        #expect(first.status == 0, "\(first.error)")
        let second = try run(arguments(resumed, epochs: 3) + ["--resume"])
        #expect(second.status == 0, "\(second.error)")
        let reference = try Data(contentsOf: directories[0].appendingPathComponent("checkpoint.safetensors"))
        let referenceMetrics = try metrics(directories[0])
        #expect(referenceMetrics.count == 3)
        for directory in directories.dropFirst() + [resumed] {
            let checkpoint = try Data(contentsOf: directory.appendingPathComponent("checkpoint.safetensors"))
            #expect(checkpoint == reference, "\(directory.lastPathComponent): checkpoint differs from run0's")
            #expect(try metrics(directory) == referenceMetrics, "\(directory.lastPathComponent): metrics differ from run0's")
        }
        // The runs trained (finite losses that fall), so equal bytes are not equal failures.
        let losses = try referenceMetrics.map { line -> Double in
            let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try #require(record["trainLoss"] as? Double)
        }
        #expect(losses.allSatisfy(\.isFinite) && losses[2] < losses[0], "train losses \(losses)")
    }
}
