import Foundation
import TensorCore
import AutoDiff
import NeuralLayers
import Training

/// The Adam stage of ``PINNTrainer`` as a `TrainingTask`: one optimizer step per epoch of the loop, on all
/// collocation points; each step first applies the resampling rule (its stream seeded by `seed`).
///
/// Its checkpoint archive (see ``PINNCheckpointing``) holds the network and scalar parameters (by their
/// paths), every term's collocation points (RAR appends points, so the rule alone cannot redraw them),
/// the resampling stream's position, the last step's loss and a description of the trainer's settings,
/// which a resumed run must match.
final class PINNAdamTask<Scalar: TensorScalar>: TrainingTask {
    unowned let trainer: PINNTrainer<Scalar>
    var generator: SeededRandomNumberGenerator
    /// Steps started (1-based index of the current one).
    private(set) var step = 0
    private(set) var lastLoss = Double.nan
    private(set) var lastTerms: [String: Double] = [:]
    typealias Key = PINNCheckpointing.Key

    init(trainer: PINNTrainer<Scalar>, seed: UInt64) {
        self.trainer = trainer
        generator = SeededRandomNumberGenerator(seed: seed)
    }

    var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        trainer.model.network.namedParameters.map { ("network." + $0.name, $0.parameter) }
            + trainer.model.scalarParameters.map { ("scalar." + $0.name, $0.parameter) }
    }
    var trainingCount: Int { 1 }
    var dataFingerprint: String { "" }

    func loss(batch indices: [Int]) throws -> Variable<Scalar> {
        step += 1
        trainer.resample(step: step, generator: &generator)
        let (total, terms) = trainer.loss()
        (lastLoss, lastTerms) = (Double(total.value.scalars[0]), terms)
        return total
    }

    func validationMetrics() throws -> ValidationMetrics? { nil }

    static func pointsName(_ index: Int) -> String { "points.\(index)" }

    func checkpointArchive(metadata: [String: String]) throws -> SafetensorsArchive {
        var archive = SafetensorsArchive(metadata: metadata)
        archive.metadata[Key.generator] = generator.stateWords.map { String($0) }.joined(separator: ",")
        archive.metadata[Key.trainer] = trainer.settingsDescription
        archive.metadata[Key.lastLoss] = "\(lastLoss)"
        archive.metadata[Key.termCount] = String(trainer.terms.count)
        for (name, parameter) in namedParameters { archive.add(parameter.value, named: name) }
        for (index, term) in trainer.terms.enumerated() { archive.add(term.points, named: Self.pointsName(index)) }
        return archive
    }

    func verifyCheckpoint(_ archive: SafetensorsArchive, path: String) throws {
        _ = try storedGenerator(archive, path: path)
        let recorded = archive.metadata[Key.trainer] ?? "none"
        guard recorded == trainer.settingsDescription else {
            throw TrainingError.checkpoint("\(path) was written with other PINN settings (\(recorded.prefix(300)); now \(trainer.settingsDescription))")
        }
        guard archive.metadata[Key.termCount] == String(trainer.terms.count), Double(archive.metadata[Key.lastLoss] ?? "") != nil else {
            throw TrainingError.checkpoint("\(path): \(Key.termCount) or \(Key.lastLoss) is missing or does not fit \(trainer.terms.count) loss terms")
        }
        for (name, parameter) in namedParameters {
            try check(archive, name, path: path) { $0.shape == parameter.value.shape }
        }
        for (index, term) in trainer.terms.enumerated() {
            try check(archive, Self.pointsName(index), path: path) { $0.rank == 2 && $0.shape[1] == term.points.shape[1] }
        }
    }

    /// Reads `name`, which must be finite and pass `fits`.
    func check(_ archive: SafetensorsArchive, _ name: String, path: String, fits: (Tensor<Scalar>) -> Bool) throws {
        let tensor: Tensor<Scalar>
        do { tensor = try archive.tensor(named: name) } catch { throw TrainingError.checkpoint("\(path): \(error)") }
        guard fits(tensor), tensor.isFinite else {
            throw TrainingError.checkpoint("\(path): \(name) has shape \(tensor.shape), which does not fit this problem, or non-finite values")
        }
    }

    func loadCheckpoint(_ archive: SafetensorsArchive, path: String) throws {
        generator = try storedGenerator(archive, path: path)
        for (name, parameter) in namedParameters { parameter.value = try archive.tensor(named: name) }
        try trainer.restorePoints { try archive.tensor(named: Self.pointsName($0)) }
        step = Int(archive.metadata[CheckpointKey.epoch] ?? "") ?? 0
        lastLoss = Double(archive.metadata[Key.lastLoss] ?? "") ?? .nan
    }

    func storedGenerator(_ archive: SafetensorsArchive, path: String) throws -> SeededRandomNumberGenerator {
        let words = (archive.metadata[Key.generator] ?? "").split(separator: ",").map { UInt64($0) }
        guard words.allSatisfy({ $0 != nil }), let generator = SeededRandomNumberGenerator(stateWords: words.map { $0! }) else {
            throw TrainingError.checkpoint("\(path): \(Key.generator) is not four state words")
        }
        return generator
    }
}

/// Hands each Adam step's 1-based index and loss to the trainer's record log.
final class PINNAdamStepLog: TrainingObserver {
    let record: (Int, Double) -> Void
    init(record: @escaping (Int, Double) -> Void) { self.record = record }
    func stepDidFinish(epoch: Int, epochs: Int, loss: Double) { record(epoch + 1, loss) }
}
