/// Whether a collection's conditioning scalars (The Well's `scalars/`: constants, `sample_varying` and
/// `time_varying` ones) reach the model.
public enum ScalarInputs: String, Sendable, CaseIterable {
    /// The scalars are read but not given to the model (the fields alone, as before scalars were read).
    case none
    /// Each scalar becomes one input channel, its value at the window's last step repeated over the grid.
    case broadcast
}

extension TrajectorySplit {
    /// The split with its scalars kept (`.broadcast`) or dropped (`.none`).
    public func applying(_ scalarInputs: ScalarInputs) -> TrajectorySplit {
        guard scalarInputs == .none else { return self }
        return TrajectorySplit(train: train.withoutScalars, validation: validation?.withoutScalars, test: test.withoutScalars)
    }
}
