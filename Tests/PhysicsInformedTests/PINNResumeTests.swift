import Foundation
import Testing
import TensorCore
import AutoDiff
import NeuralLayers
import Training
import PhysicsInformed

/// Resumed PINN runs repeat uninterrupted ones bitwise: parameters, collocation points (RAR appends
/// points) and every record's loss and terms; bad checkpoints and other settings are errors.
@Suite struct PINNResumeTests {
    /// A small 1-D Poisson problem (soft constraints, so the boundary term is trained too), fresh each time.
    func setup(seed: UInt64 = 4) -> PINNSetup<Double> {
        let options = PINNProblemOptions(network: .init(hiddenWidths: [8, 8]), constraints: .soft, domainPoints: 16, boundaryPoints: 2, seed: seed)
        return Poisson1DProblem().makeSetup(options: options, as: Double.self)
    }

    func configuration(adam: Int, lbfgs: Int, learningRate: Double = 3e-3) -> PINNTrainer<Double>.Configuration {
        .init(adamIterations: adam, learningRate: learningRate, lbfgsIterations: lbfgs,
              resampling: .residualRefinement(period: 7, candidates: 40, added: 3), logEvery: 3, seed: 9)
    }

    func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pinn-resume-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Trains a fresh setup; returns the report, its records and the final parameters and points.
    func train(_ configuration: PINNTrainer<Double>.Configuration, directory: URL? = nil, interval: Int = 5, resume: Bool = false,
               stopAfter: PINNTrainingPoint? = nil) throws -> (report: PINNTrainer<Double>.Report, parameters: [[Double]], points: [[Double]]) {
        let setup = setup()
        let trainer = PINNTrainer(model: setup.model, terms: setup.terms, configuration: configuration)
        let checkpointing = directory.map { PINNCheckpointing(directory: $0, interval: interval, resume: resume, stopAfter: stopAfter) }
        let report = try trainer.train(checkpointing: checkpointing)
        return (report, setup.model.parameters.map(\.value.scalars), trainer.terms.map(\.points.scalars))
    }

    /// The records' stage, step, loss and terms (elapsed times differ between runs).
    func values(_ records: [PINNTrainer<Double>.Record]) -> [String] {
        records.map { "\($0.stage) \($0.step) \($0.loss.bitPattern) \($0.termLosses.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.bitPattern)" })" }
    }

    /// Adam N, then resumed with 2N planned (the resampling rule fires before and after N): the same
    /// parameters, points and records as 2N steps in one run.
    @Test func adamResumedToTwiceTheStepsMatchesOneRun() throws {
        let whole = try train(configuration(adam: 30, lbfgs: 0))
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try train(configuration(adam: 15, lbfgs: 0), directory: directory)
        #expect(first.report.stop == .completed && first.report.adamIterations == 15)
        let second = try train(configuration(adam: 30, lbfgs: 0), directory: directory, resume: true)
        #expect(second.report.stop == .completed && second.report.adamIterations == 30)
        #expect(second.parameters == whole.parameters)
        #expect(second.points == whole.points)
        #expect(second.points[0].count > 16, "RAR added points")
        #expect(values(first.report.records + second.report.records) == values(whole.report.records))
        #expect(second.report.finalLoss.bitPattern == whole.report.finalLoss.bitPattern)
    }

    /// L-BFGS k iterations, then resumed with 2k planned: the L-BFGS history continues (not a restart).
    @Test func lbfgsResumedToTwiceTheIterationsMatchesOneRun() throws {
        let whole = try train(configuration(adam: 6, lbfgs: 12))
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try train(configuration(adam: 6, lbfgs: 6), directory: directory)
        #expect(first.report.stop == .completed && first.report.lbfgsIterations == 6)
        let second = try train(configuration(adam: 6, lbfgs: 12), directory: directory, resume: true)
        #expect(second.report.stop == .completed)
        #expect(second.parameters == whole.parameters)
        #expect(second.report.lbfgsIterations == whole.report.lbfgsIterations && second.report.lbfgsEvaluations == whole.report.lbfgsEvaluations)
        #expect(second.report.finalLoss.bitPattern == whole.report.finalLoss.bitPattern)
        // The first run's last record is its own final state; the rest are the uninterrupted run's.
        #expect(values(first.report.records.dropLast() + second.report.records) == values(whole.report.records))
    }

    /// Interrupted inside L-BFGS (checkpoint every 2 iterations, stop after the 5th) and resumed.
    @Test func lbfgsInterruptedMidRunResumesBitwise() throws {
        let whole = try train(configuration(adam: 6, lbfgs: 12))
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try train(configuration(adam: 6, lbfgs: 12), directory: directory, interval: 2, stopAfter: .lbfgsIteration(5))
        #expect(first.report.stop == .interrupted(stage: .lbfgs, step: 5))
        let second = try train(configuration(adam: 6, lbfgs: 12), directory: directory, interval: 2, resume: true)
        #expect(second.parameters == whole.parameters)
        #expect(values(first.report.records + second.report.records) == values(whole.report.records))
    }

    /// The L-BFGS state is in Training's one format (``LBFGSCheckpointState``); a checkpoint written the
    /// pre-change way (the state's metadata under `pinn.lbfgs_round_iterations`, `_loss`, `_pairs`) still
    /// resumes bitwise, and the checkpoints written after it are in the one format.
    @Test func lbfgsCheckpointWithTheOldKeysResumesBitwise() throws {
        let whole = try train(configuration(adam: 6, lbfgs: 12))
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try train(configuration(adam: 6, lbfgs: 12), directory: directory, interval: 2, stopAfter: .lbfgsIteration(5))
        #expect(first.report.stop == .interrupted(stage: .lbfgs, step: 5))
        let url = PINNCheckpointing(directory: directory).checkpointURL
        var archive = try SafetensorsArchive(contentsOf: url)
        let renames = [(LBFGSCheckpointState.iterationsKey, "pinn.lbfgs_round_iterations"), (LBFGSCheckpointState.lossKey, "pinn.lbfgs_loss"),
                       (LBFGSCheckpointState.pairsKey, "pinn.lbfgs_pairs")]
        for (current, old) in renames {
            #expect(archive.metadata[current] != nil && archive.metadata[old] == nil, "\(current) in the one format")
            archive.metadata[old] = archive.metadata[current]
            archive.metadata[current] = nil
        }
        #expect(archive.metadata[LBFGSCheckpointState.iterationsKey] == nil && archive.metadata["pinn.lbfgs_round_iterations"] == "5")
        try archive.encoded().write(to: url)
        let second = try train(configuration(adam: 6, lbfgs: 12), directory: directory, interval: 2, resume: true)
        #expect(second.report.stop == .completed)
        #expect(second.parameters == whole.parameters)
        #expect(values(first.report.records + second.report.records) == values(whole.report.records))
        let last = try SafetensorsArchive(contentsOf: url)
        for (current, old) in renames { #expect(last.metadata[current] != nil && last.metadata[old] == nil) }
    }

    /// L-BFGS records are numbered by iteration (a line search evaluates several points per iteration):
    /// in 1…planned, never decreasing, though the evaluations outnumber the iterations.
    @Test func lbfgsRecordsNeverPassThePlannedIterations() throws {
        let run = try train(configuration(adam: 6, lbfgs: 12))
        let steps = run.report.records.filter { $0.stage == .lbfgs }.map(\.step)
        #expect(run.report.lbfgsEvaluations > run.report.lbfgsIterations, "evaluations \(run.report.lbfgsEvaluations)")
        #expect(!steps.isEmpty && steps.allSatisfy { (1...12).contains($0) }, "\(steps)")
        #expect(zip(steps, steps.dropFirst()).allSatisfy { $0 <= $1 }, "\(steps)")
        #expect(steps.last == run.report.lbfgsIterations)
        #expect(run.report.records.filter { $0.stage == .lbfgs }.allSatisfy { $0.stageSteps == 12 })
    }

    /// Adam only, then resumed with L-BFGS planned: the same as both stages in one run.
    @Test func resumeAcrossTheAdamToLBFGSBoundary() throws {
        let whole = try train(configuration(adam: 12, lbfgs: 8))
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try train(configuration(adam: 12, lbfgs: 0), directory: directory)
        let second = try train(configuration(adam: 12, lbfgs: 8), directory: directory, resume: true)
        #expect(second.parameters == whole.parameters)
        #expect(second.points == whole.points)
        #expect(values(first.report.records + second.report.records) == values(whole.report.records))
        // Interrupted mid-Adam too.
        let other = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: other) }
        let cut = try train(configuration(adam: 12, lbfgs: 8), directory: other, interval: 4, stopAfter: .adamStep(8))
        #expect(cut.report.stop == .interrupted(stage: .adam, step: 8))
        let rest = try train(configuration(adam: 12, lbfgs: 8), directory: other, interval: 4, resume: true)
        #expect(rest.parameters == whole.parameters)
        #expect(values(cut.report.records + rest.report.records) == values(whole.report.records))
    }

    /// A resumed run with another learning rate, fewer planned Adam steps after L-BFGS began, or a
    /// garbage checkpoint: a `TrainingError`, and the parameters are not touched.
    @Test func mismatchedOrGarbageCheckpointsAreErrors() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try train(configuration(adam: 6, lbfgs: 3), directory: directory)
        #expect(throws: TrainingError.self) { try train(configuration(adam: 6, lbfgs: 3, learningRate: 1e-2), directory: directory, resume: true) }
        #expect(throws: TrainingError.self) { try train(configuration(adam: 9, lbfgs: 3), directory: directory, resume: true) }
        #expect(throws: TrainingError.self) { try train(configuration(adam: 6, lbfgs: 2), directory: directory, resume: true) }
        let checkpoint = directory.appendingPathComponent("checkpoint.safetensors")
        let bytes = try Data(contentsOf: checkpoint)
        for garbage in [Data("not a checkpoint".utf8), bytes.prefix(bytes.count / 2)] {
            try garbage.write(to: checkpoint)
            #expect(throws: TrainingError.self) { try train(configuration(adam: 6, lbfgs: 3), directory: directory, resume: true) }
        }
        // A checkpoint whose L-BFGS iterate holds a NaN.
        try bytes.write(to: checkpoint)
        var archive = try SafetensorsArchive(contentsOf: checkpoint)
        var iterate: Tensor<Double> = try archive.tensor(named: "lbfgs.iterate")
        iterate.scalars[0] = .nan
        archive.add(iterate, named: "lbfgs.iterate")
        try archive.encoded().write(to: checkpoint)
        #expect(throws: TrainingError.self) { try train(configuration(adam: 6, lbfgs: 3), directory: directory, resume: true) }
    }
}
