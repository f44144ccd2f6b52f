import Foundation
import Testing
import PDEKit

/// `pdekit train fno` end to end: the three splits are disjoint and selection never reads the test rows
/// (poisoning them changes the reported test error only), and a run killed with SIGKILL at random
/// moments resumes to a consistent run directory.
@Suite(.serialized) struct TrainingRunCommandTests {
    let cli = CommandLineTests()

    /// A directory of `coeff.npy`, `sol.npy` ([N, 32] smooth periodic fields and their antiderivatives),
    /// with `transform` applied to the target rows it names.
    static func dataDirectory(count: Int, poisoning rows: Range<Int>? = nil) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-runs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var generator = SeededRandomNumberGenerator(seed: 31)
        var coefficients = [Float](), solutions = [Float]()
        for sample in 0..<count {
            let a = (1...3).map { k in Double.random(in: -1...1, using: &generator) / Double(k) }
            for j in 0..<32 {
                let x = Double(j) / 32
                var u = 0.0, v = 0.0
                for (index, c) in a.enumerated() {
                    let w = 2 * Double.pi * Double(index + 1)
                    u += c * cos(w * x); v += c * sin(w * x) / w
                }
                if let rows = rows, rows.contains(sample) { v = 100 * v + 7 }
                coefficients.append(Float(u)); solutions.append(Float(v))
            }
        }
        try NPYFormat.write(NumericArray(shape: [count, 32], storage: .float32(coefficients)), to: directory.appendingPathComponent("coeff.npy").path)
        try NPYFormat.write(NumericArray(shape: [count, 32], storage: .float32(solutions)), to: directory.appendingPathComponent("sol.npy").path)
        return directory
    }

    static let common = ["--train", "16", "--validation", "4", "--test", "4", "--epochs", "4", "--modes", "4", "--width", "8",
                         "--layers", "2", "--batch-size", "4", "--sample-order", "file", "--quiet"]

    func train(_ data: URL, extra: [String] = []) throws -> (run: URL, summary: [String: Any], metrics: [[String: Any]]) {
        let run = data.appendingPathComponent("run")
        let result = try cli.run(["train", "fno", "--data", data.path, "--output", run.path] + Self.common + extra)
        #expect(result.status == 0, "\(result.error)")
        let summary = try OldCheckpointTests.lastJSON(result.output)
        let metrics = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map {
            var record = try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
            record["seconds"] = nil
            return record
        }
        return (run, summary, metrics)
    }

    /// Rows: training 0..<12, validation 12..<16, test 16..<20 (file order).
    @Test func splitsAreDisjointAndSelectionNeverReadsTheTestRows() throws {
        let clean = try Self.dataDirectory(count: 20), poisonedTest = try Self.dataDirectory(count: 20, poisoning: 16..<20)
        let poisonedValidation = try Self.dataDirectory(count: 20, poisoning: 12..<16)
        defer { for d in [clean, poisonedTest, poisonedValidation] { try? FileManager.default.removeItem(at: d) } }
        let a = try train(clean), b = try train(poisonedTest), c = try train(poisonedValidation)
        // Poisoned test rows: the same training, validation, selection and chosen weights; only the test error moves.
        #expect(a.metrics.count == 4 && NSArray(array: a.metrics).isEqual(to: b.metrics), "\(a.metrics) vs \(b.metrics)")
        #expect(a.summary["best_epoch"] as? Int == b.summary["best_epoch"] as? Int)
        let bestA = try SafetensorsArchive(contentsOf: a.run.appendingPathComponent("best.safetensors"))
        let bestB = try SafetensorsArchive(contentsOf: b.run.appendingPathComponent("best.safetensors"))
        for name in bestA.names { #expect(try bestA.tensor(named: name, as: Float.self) == bestB.tensor(named: name, as: Float.self), "\(name)") }
        let testA = try #require(a.summary["test_relative_l2"] as? Double), testB = try #require(b.summary["test_relative_l2"] as? Double)
        #expect(testA.isFinite && testB.isFinite && abs(testA - testB) > 1e-3, "the test rows are read for the report: \(testA) vs \(testB)")
        // Poisoned validation rows: the first epoch's training loss is unchanged (they are not training rows),
        // its validation error is not (they are the validation rows).
        #expect(a.metrics[0]["trainLoss"] as? Double == c.metrics[0]["trainLoss"] as? Double)
        #expect(a.metrics[0]["validationRelativeL2"] as? Double != c.metrics[0]["validationRelativeL2"] as? Double)
        #expect(a.summary["selected_on"] as? String == "validation" && a.summary["validation_samples"] as? Int == 4)
    }

    /// SIGKILL at random moments (`kills` times), then a run to the end: no temporaries remain,
    /// metrics.jsonl has one record per epoch, and best.safetensors holds the checkpoint's best epoch.
    static func killAndResume(kills: Int, epochs: Int, seed: UInt64) throws -> (completedKills: Int, problems: [String]) {
        let data = try dataDirectory(count: 60)
        defer { try? FileManager.default.removeItem(at: data) }
        let run = data.appendingPathComponent("run")
        guard let executable = CommandLineTests.executable else { return (0, ["no pdekit binary"]) }
        let arguments = ["train", "fno", "--data", data.path, "--output", run.path, "--train", "50", "--test", "10", "--epochs", String(epochs),
                         "--modes", "4", "--width", "8", "--layers", "2", "--batch-size", "5", "--sample-order", "file", "--quiet", "--resume"]
        var generator = SeededRandomNumberGenerator(seed: seed)
        var completed = 0
        for _ in 0..<kills {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            // Kill at a random moment shortly after the run has logged one more epoch, so that every
            // kill lands inside the epoch-write window whatever the machine's speed (a fixed delay let
            // a fast machine finish all epochs before most kills).
            let recordsBefore = Self.metricsRecordCount(in: run)
            try process.run()
            while process.isRunning, Self.metricsRecordCount(in: run) <= recordsBefore { usleep(2_000) }
            usleep(UInt32.random(in: 0...5_000, using: &generator))
            if process.isRunning { kill(process.processIdentifier, SIGKILL); completed += 1 }
            process.waitUntilExit()
        }
        let final = Process()
        final.executableURL = executable
        final.arguments = arguments
        final.standardOutput = FileHandle.nullDevice
        final.standardError = FileHandle.nullDevice
        try final.run()
        final.waitUntilExit()
        var problems: [String] = []
        if final.terminationStatus != 0 { problems.append("the last run exited with \(final.terminationStatus)") }
        let names = try FileManager.default.contentsOfDirectory(atPath: run.path)
        let leftovers = names.filter { $0.contains(".partial-") || $0.hasPrefix(".dat.nosync") || $0.contains("pending") }
        if !leftovers.isEmpty { problems.append("temporaries left: \(leftovers)") }
        let records = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["epoch"] as? Int ?? -1 }
        if records != Array(0..<epochs) { problems.append("metrics epochs \(records)") }
        let checkpoint = try SafetensorsArchive(contentsOf: run.appendingPathComponent("checkpoint.safetensors"))
        let best = try SafetensorsArchive(contentsOf: run.appendingPathComponent("best.safetensors"))
        if checkpoint.metadata["training.epoch"] != String(epochs) { problems.append("checkpoint epoch \(checkpoint.metadata["training.epoch"] ?? "-")") }
        if best.metadata["training.model_epoch"] == nil || best.metadata["training.model_epoch"] != checkpoint.metadata["training.best_epoch"] {
            problems.append("best.safetensors holds epoch \(best.metadata["training.model_epoch"] ?? "-"), the checkpoint's best is \(checkpoint.metadata["training.best_epoch"] ?? "-")")
        }
        return (completed, problems)
    }

    /// Lines in the run's `metrics.jsonl` (0 before the first epoch).
    static func metricsRecordCount(in run: URL) -> Int {
        guard let data = try? Data(contentsOf: run.appendingPathComponent("metrics.jsonl")) else { return 0 }
        return data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    @Test func killedRunsResumeToAConsistentDirectory() throws {
        let kills = Int(ProcessInfo.processInfo.environment["PDEKIT_KILL_TEST_KILLS"] ?? "") ?? 20
        let outcome = try Self.killAndResume(kills: kills, epochs: 40, seed: 41)
        #expect(outcome.problems.isEmpty, "\(outcome.problems)")
        // How many kills land before the 40 epochs are done depends on the machine's speed; at least
        // five must, or the test has not exercised resuming from a killed run.
        #expect(outcome.completedKills >= min(5, kills), "only \(outcome.completedKills) of \(kills) kills hit a running process")
    }

    /// All-zero targets make the relative errors 0/0: `evaluate` says so with one `error:` line and a
    /// non-zero status instead of printing `relative L2 nan` with status 0.
    @Test func evaluateRefusesNonFiniteErrors() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-nan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: data) }
        let count = 4 * 17 * 17
        try NPYFormat.write(NumericArray(shape: [4, 17, 17], storage: .float32((0..<count).map { Float($0 % 7) + 3 })), to: data.appendingPathComponent("coeff.npy").path)
        try NPYFormat.write(NumericArray(shape: [4, 17, 17], storage: .float32([Float](repeating: 0, count: count))), to: data.appendingPathComponent("sol.npy").path)
        let result = try cli.run(["evaluate", OldCheckpointTests.fixtures.appendingPathComponent("fno/best.safetensors").path, "--data", data.path,
                                  "--samples", "4", "--sample-order", "file", "--plots", data.appendingPathComponent("plots").path])
        #expect(result.status != 0 && result.status < 128, "status \(result.status)")
        let lines = result.error.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("error:") && lines[0].contains("non-finite"), "\(result.error)")
    }

    /// A file with fewer samples than `--samples` (here the default 100) is refused in one line that says what
    /// to give, never widened to the whole file (its first samples may be the training ones); `--samples 0` too.
    @Test func evaluateRefusesMoreSamplesThanTheFileHolds() throws {
        let data = try CommandLineTests.scratchDirectory("pdekit-few")
        defer { try? FileManager.default.removeItem(at: data) }
        let count = 4 * 17 * 17
        try NPYFormat.write(NumericArray(shape: [4, 17, 17], storage: .float32((0..<count).map { Float($0 % 7) + 3 })), to: data.appendingPathComponent("coeff.npy").path)
        try NPYFormat.write(NumericArray(shape: [4, 17, 17], storage: .float32((0..<count).map { Float($0 % 5) + 1 })), to: data.appendingPathComponent("sol.npy").path)
        let checkpoint = OldCheckpointTests.fixtures.appendingPathComponent("fno/best.safetensors").path
        for (extra, expected) in [([String](), "has 4 samples, fewer than --samples 100; give --samples N"), (["--samples", "0"], "--samples 0 must be at least 1")] {
            let result = try cli.run(["evaluate", checkpoint, "--data", data.path, "--sample-order", "file"] + extra)
            let lines = result.error.split(separator: "\n")
            #expect(result.status != 0 && result.status < 128 && lines.count == 1 && lines[0].hasPrefix("error:") && lines[0].contains(expected),
                    "\(extra): status \(result.status), \(result.error)")
        }
        let four = try cli.run(["evaluate", checkpoint, "--data", data.path, "--sample-order", "file", "--samples", "4"])
        #expect(four.status == 0 && four.output.contains("\"samples\":4"), "\(four.error)")
    }
}
