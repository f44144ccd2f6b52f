import RunSupport

/// The progress bar of `pdekit generate …`: created at the generator's first report, so that a
/// resumed run counts (and estimates its ETA from) only the samples solved in this run.
public final class GenerationProgress {
    public let label: String, unit: String, quiet: Bool
    private var bar: ProgressBar?
    private var firstDone = 0

    public init(label: String, unit: String, quiet: Bool) {
        self.label = label
        self.unit = unit
        self.quiet = quiet
    }

    /// The generator's callback: `done` of `total` samples are on disk.
    public func report(done: Int, total: Int) {
        guard !quiet else { return }
        if bar == nil {
            firstDone = done
            bar = ProgressBar(total: total - done, label: label)
        }
        bar?.advance(to: done - firstDone, status: "\(done)/\(total) \(unit)")
    }

    public func finish() { bar?.finish() }
}
