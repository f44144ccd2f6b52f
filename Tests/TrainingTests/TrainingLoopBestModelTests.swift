import Foundation
import Testing
import TestSupport
import TensorCore
import AutoDiff
import NeuralLayers
import Training

/// `TrainingLoop.bestModelFile`: `.notWritten` skips `best.safetensors` and changes nothing else (the
/// checkpoint is byte for byte that of a `.written` run), keeps the best weights in memory, resumes, and
/// resumes run directories written with a best file.
@Suite struct TrainingLoopBestModelTests {
    /// Least squares toward per-row targets: `L(B) = mean_i∈B ‖w − t_i‖² / n`, validation `‖w − v‖²`.
    final class LeastSquaresTask: TrainingTask {
        typealias Scalar = Double
        let weights = Parameter(Tensor<Double>(uncheckedShape: [3], scalars: [0.5, -1, 2]))
        let targets: [[Double]] = [[0, 1, 0], [0.3, 0.8, 0.8], [0.7, 0.6, 0.9], [1, 0.4, 0.1], [1.3, 0.2, -0.7], [1.7, 0, -1]]
        /// The start point: every step moves away from it, so the best epoch is the first.
        let validationTarget: [Double] = [0.5, -1, 2]

        var namedParameters: [(name: String, parameter: Parameter<Double>)] { [("w", weights)] }
        var trainingCount: Int { targets.count }
        func loss(batch indices: [Int]) throws -> Variable<Double> {
            var mean = [Double](repeating: 0, count: 3)
            for i in indices { for j in 0..<3 { mean[j] += targets[i][j] / Double(indices.count) } }
            let difference = weights.variable - Variable(Tensor(uncheckedShape: [3], scalars: mean))
            return (difference * difference).mean()
        }
        func validationMetrics() throws -> ValidationMetrics? {
            let error = zip(weights.value.scalars, validationTarget).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            return ValidationMetrics(selection: error, relativeL2: error)
        }
        var dataFingerprint: String { "least-squares-6" }
        func checkpointArchive(metadata: [String: String]) throws -> SafetensorsArchive {
            var archive = SafetensorsArchive(metadata: metadata)
            archive.add(weights.value, named: "w")
            return archive
        }
        func verifyCheckpoint(_ archive: SafetensorsArchive, path: String) throws {
            guard let w: Tensor<Double> = try? archive.tensor(named: "w"), w.shape == [3], w.isFinite else {
                throw TrainingError.checkpoint("\(path): w missing or malformed")
            }
        }
        func loadCheckpoint(_ archive: SafetensorsArchive, path: String) throws { weights.value = try archive.tensor(named: "w") }
    }

    func loop(_ task: LeastSquaresTask, _ run: URL, _ file: BestModelFile) throws -> TrainingLoop<LeastSquaresTask> {
        let loop = try TrainingLoop(task: task, configuration: TrainingConfiguration(epochs: 6, batchSize: 2, learningRate: 0.2, weightDecay: 0,
                                                                                    schedule: .constant, seed: 3), runDirectory: run)
        loop.bestModelFile = file
        return loop
    }

    func exists(_ run: URL, _ name: String) -> Bool { FileManager.default.fileExists(atPath: run.appendingPathComponent(name).path) }

    @Test func notWrittenSkipsOnlyTheBestFile() throws {
        let written = try makeScratchDirectory("best"), skipped = try makeScratchDirectory("best")
        defer { for url in [written, skipped] { try? FileManager.default.removeItem(at: url) } }
        let taskA = LeastSquaresTask(), taskB = LeastSquaresTask()
        let loopA = try loop(taskA, written, .written), loopB = try loop(taskB, skipped, .notWritten)
        let summaryA = try loopA.run(), summaryB = try loopB.run()
        #expect(summaryA.bestEpoch == summaryB.bestEpoch && summaryA.bestEpoch >= 0)
        #expect(exists(written, "best.safetensors") && !exists(skipped, "best.safetensors") && !exists(skipped, "best-pending.safetensors"))
        let checkpoint = "checkpoint.safetensors"
        #expect(try Data(contentsOf: written.appendingPathComponent(checkpoint)) == Data(contentsOf: skipped.appendingPathComponent(checkpoint)))
        // The best weights from memory equal those of the other run's best file.
        #expect(try loopB.restoreBestParameters() == summaryB.bestEpoch)
        let bestFile: Tensor<Double> = try SafetensorsArchive(contentsOf: written.appendingPathComponent("best.safetensors")).tensor(named: "w")
        #expect(taskB.weights.value.scalars == bestFile.scalars)
    }

    @Test func notWrittenResumesItsOwnAndOldRunDirectories() throws {
        let uninterrupted = LeastSquaresTask()
        let reference = try makeScratchDirectory("best"), interrupted = try makeScratchDirectory("best"), old = try makeScratchDirectory("best")
        defer { for url in [reference, interrupted, old] { try? FileManager.default.removeItem(at: url) } }
        try loop(uninterrupted, reference, .notWritten).run()
        for (run, firstFile) in [(interrupted, BestModelFile.notWritten), (old, .written)] {
            try loop(LeastSquaresTask(), run, firstFile).run(stopAfterEpoch: 3)
            #expect(exists(run, "best.safetensors") == (firstFile == .written))
            let resumedTask = LeastSquaresTask()
            let resumed = try loop(resumedTask, run, .notWritten)
            let summary = try resumed.run(resume: true)
            #expect(summary.history.map(\.epoch) == Array(0..<6))
            #expect(resumedTask.weights.value.scalars == uninterrupted.weights.value.scalars, "\(firstFile): resumed weights differ")
            // A best epoch before the resume is only on disk: read from an old directory's file, refused without one.
            try #require(summary.bestEpoch < 3)
            if firstFile == .written { #expect(try resumed.restoreBestParameters() == summary.bestEpoch) }
            else { #expect(throws: TrainingError.self) { try resumed.restoreBestParameters() } }
        }
    }
}
