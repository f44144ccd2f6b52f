import Foundation
import RunSupport

/// Receives the ``TrainingLoop``'s events: progress, per-epoch records, the end of the run.
///
/// `epochWillCommit` runs before the epoch's checkpoint is written (the checkpoint is the commit
/// point of an epoch, see ``TrainingLoop``), so what an observer writes there is never behind the
/// checkpoint; a resumed run drops records past the checkpoint's epoch.
public protocol TrainingObserver: AnyObject {
    func trainingWillStart(firstEpoch: Int, epochs: Int, stepsPerEpoch: Int, history: [EpochRecord]) throws
    func stepDidFinish(epoch: Int, epochs: Int, loss: Double)
    func epochWillCommit(history: [EpochRecord]) throws
    func trainingDidFinish(history: [EpochRecord]) throws
}

extension TrainingObserver {
    public func trainingWillStart(firstEpoch: Int, epochs: Int, stepsPerEpoch: Int, history: [EpochRecord]) throws {}
    public func stepDidFinish(epoch: Int, epochs: Int, loss: Double) {}
    public func epochWillCommit(history: [EpochRecord]) throws {}
    public func trainingDidFinish(history: [EpochRecord]) throws {}
}

/// A progress bar with ETA on stderr (``RunSupport/ProgressBar``, labelled `train`), one tick per optimizer step; the status
/// names the loop's epoch by `unit` ("step" for tasks whose epoch is one step, such as DCDM).
///
/// Its total is the steps this process will take: `min(epochs · stepsPerEpoch, maximumSteps) −
/// firstEpoch · stepsPerEpoch`, so a run that stops mid-epoch at ``TrainingLoop/maximumSteps``
/// (DeepONet's `--iterations`) ends its bar at 100 %, and a resumed run counts from its checkpoint.
public final class ProgressObserver: TrainingObserver {
    var bar: ProgressBar?
    let unit: String
    /// The loop's ``TrainingLoop/maximumSteps`` (nil: every epoch runs whole).
    let maximumSteps: Int?
    public init(unit: String = "epoch", maximumSteps: Int? = nil) {
        self.unit = unit
        self.maximumSteps = maximumSteps
    }
    /// The bar's total, once training started.
    public var total: Int? { bar?.total }
    public func trainingWillStart(firstEpoch: Int, epochs: Int, stepsPerEpoch: Int, history: [EpochRecord]) {
        // The loop checked that epochs × stepsPerEpoch does not overflow.
        let planned = min(epochs * stepsPerEpoch, maximumSteps ?? .max)
        // Labelled, so that a plain line says what its count is: "train 40/80 (50%)  epoch 20/40 …".
        bar = ProgressBar(total: max(planned - firstEpoch * stepsPerEpoch, 0), label: "train")
    }
    public func stepDidFinish(epoch: Int, epochs: Int, loss: Double) {
        bar?.advance(status: "\(unit) \(epoch + 1)/\(epochs)  loss " + String(format: "%.4g", loss))   // %d would print Int's low 32 bits
    }
    public func trainingDidFinish(history: [EpochRecord]) { bar?.finish() }
}

/// `metrics.jsonl`: one JSON object per epoch (``EpochRecord``), rewritten atomically each epoch.
public final class MetricsLogObserver: TrainingObserver {
    public let url: URL
    public init(url: URL) { self.url = url }

    public func trainingWillStart(firstEpoch: Int, epochs: Int, stepsPerEpoch: Int, history: [EpochRecord]) throws {
        try write(history)
    }
    public func epochWillCommit(history: [EpochRecord]) throws { try write(history) }

    func write(_ history: [EpochRecord]) throws {
        try AtomicFile.write(JSONOutput.lines(history), to: url)
    }

    /// The records of a `metrics.jsonl` (unreadable lines skipped), or none without the file.
    public static func read(_ url: URL) -> [EpochRecord] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(EpochRecord.self, from: Data($0.utf8)) }
    }
}
