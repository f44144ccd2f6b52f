import Foundation
import Testing
import PDEKit

/// End-to-end `pdekit train mgno` + `pdekit evaluate` on a tiny NPY dataset, and a grid the model
/// refuses (one error line, non-zero status).
@Suite struct TrainMgNOCommandTests {
    /// `[count, n, n]` random inputs and their 5-point averages with zero boundary values, as
    /// `coeff.npy` / `sol.npy` in `directory`.
    static func writeData(to directory: URL, count: Int, n: Int, seed: UInt64) throws {
        var generator = SeededRandomNumberGenerator(seed: seed)
        var a = [Float](), u = [Float]()
        for _ in 0..<count {
            let field = (0..<(n * n)).map { _ in Float.random(in: 0...1, using: &generator) }
            func value(_ i: Int, _ j: Int) -> Float { i < 0 || j < 0 || i >= n || j >= n ? 0 : field[i * n + j] }
            a += field
            for i in 0..<n { for j in 0..<n { u.append((value(i, j) + value(i - 1, j) + value(i + 1, j) + value(i, j - 1) + value(i, j + 1)) / 5) } }
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try NPYFormat.write(NumericArray(try Tensor<Float>(shape: [count, n, n], scalars: a)), to: directory.appendingPathComponent("coeff.npy").path)
        try NPYFormat.write(NumericArray(try Tensor<Float>(shape: [count, n, n], scalars: u)), to: directory.appendingPathComponent("sol.npy").path)
    }

    func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try CommandLineTests().run(arguments)
    }

    static func json(_ output: String) -> [String: Any]? {
        output.split(separator: "\n").last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func trainsEvaluatesAndResumes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-mgno-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data"), runDirectory = root.appendingPathComponent("run")
        try Self.writeData(to: data, count: 24, n: 16, seed: 1)
        let common = ["train", "mgno", "--data", data.path, "--train", "18", "--test", "6", "--batch-size", "6",
                      "--channels", "6", "--layers", "2", "--learning-rate", "5e-3", "--h1", "--schedule", "one-cycle",
                      "--output", runDirectory.path, "--quiet"]
        let trained = try run(common + ["--epochs", "3"])
        #expect(trained.status == 0, "\(trained.error)")
        let summary = try #require(Self.json(trained.output))
        #expect(summary["model"] as? String == "mgno" && summary["epochs"] as? Int == 3)
        // 16² allows 4 levels (coarsest 2²); the note says so.
        #expect(trained.error.contains("4 multigrid levels"))
        for file in ["checkpoint.safetensors", "best.safetensors", "metrics.jsonl", "configuration.json", "loss.png", "fields.png"] {
            #expect(FileManager.default.fileExists(atPath: runDirectory.appendingPathComponent(file).path), "missing \(file)")
        }
        // The test samples are the last 6 of the file: evaluate must reproduce the training summary's error.
        let evaluated = try run(["evaluate", runDirectory.path, "--data", data.path, "--samples", "6"])
        #expect(evaluated.status == 0, "\(evaluated.error)")
        let evaluation = try #require(Self.json(evaluated.output))
        let l2 = try #require(evaluation["relative_l2"] as? Double), trainedL2 = try #require(summary["test_relative_l2"] as? Double)
        #expect(abs(l2 - trainedL2) <= 1e-4 * trainedL2, "evaluate \(l2) vs train \(trainedL2)")
        #expect(l2 < 1, "worse than predicting zero: \(l2)")
        // Resume to 4 epochs: one more log line.
        let resumed = try run(common + ["--epochs", "4", "--resume"])
        #expect(resumed.status == 0, "\(resumed.error)")
        let log = try String(contentsOf: runDirectory.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        #expect(log.split(separator: "\n").count == 4)
    }

    @Test func refusedGridIsOneErrorLine() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-mgno-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        try Self.writeData(to: data, count: 4, n: 18, seed: 2)
        // 18² allows 4 levels (divisor 8); 18 is not a multiple of 8 and padding is refused.
        let result = try run(["train", "mgno", "--data", data.path, "--train", "2", "--test", "2", "--epochs", "1",
                              "--grid-policy", "requireDivisible", "--output", root.appendingPathComponent("run").path, "--quiet"])
        #expect(result.status != 0 && result.status < 128, "status \(result.status)")
        let lines = result.error.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("note:") }
        #expect(lines.count == 1 && lines[0].contains("error:") && lines[0].contains("not divisible"), "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("run/checkpoint.safetensors").path))
    }
}
