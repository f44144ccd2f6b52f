import TensorCore

/// Time series of fields in memory: `states: [N, T, C, n₁, …, n_d]` (N trajectories of T time steps,
/// C field channels on a d-dimensional grid), every value finite. What the next-step (autoregressive)
/// task trains on: a window of `h` consecutive states `u_{t−h+1}, …, u_t` predicts `u_{t+1}`.
///
/// Because one trajectory's steps are contiguous in row-major order, the window of `h` steps from `t`
/// is the contiguous block `states[s, t..<t+h]`, read as `h·C` channels: the input layout
/// `[batch, h·C, grid…]` of Li et al. 2021's recurrent FNO-2D (the last `h` vorticity snapshots as
/// channels).
///
/// Optional `scalars: [N, T, S]` are per-trajectory, per-step numbers that condition the model without
/// being predicted (The Well's `scalars/`: a constant repeats over `N` and `T`, a `sample_varying` one over
/// `T`). ``scalarChannels(_:length:)`` broadcasts the values at a window's last step over the grid as `S`
/// extra input channels.
public struct Trajectories: Sendable {
    public let states: Tensor<Float>
    /// `[N, T, S]`, or nil without conditioning scalars.
    public let scalars: Tensor<Float>?
    /// The names of the `S` scalars (empty without them).
    public let scalarNames: [String]

    /// Checks the rank (at least 4: `[N, T, C, grid…]` with 1–3 grid axes), at least two steps and
    /// finiteness.
    ///
    /// - Throws: `DatasetError.shapeMismatch` for another shape, `.nonFinite` for NaN or infinity.
    public init(states: Tensor<Float>, scalars: Tensor<Float>? = nil, scalarNames: [String] = [], path: String = "<trajectories>") throws(DatasetError) {
        guard (4...6).contains(states.rank), states.shape.allSatisfy({ $0 > 0 }) else {
            throw .shapeMismatch(path: path, detail: "trajectories \(states.shape) are not [samples, steps, channels, 1–3 grid axes]")
        }
        guard states.shape[1] >= 2 else {
            throw .shapeMismatch(path: path, detail: "trajectories of \(states.shape[1]) time step cannot pair a state with its successor")
        }
        guard states.isFinite else { throw .nonFinite(path: path, detail: "trajectories") }
        if let scalars {
            guard scalars.shape == [states.shape[0], states.shape[1], scalarNames.count], !scalarNames.isEmpty else {
                throw .shapeMismatch(path: path, detail: "scalars \(scalars.shape) named \(scalarNames) do not fit trajectories \(Array(states.shape.prefix(2))): expected [N, T, S]")
            }
            guard scalars.isFinite else { throw .nonFinite(path: path, detail: "scalars \(scalarNames)") }
        } else if !scalarNames.isEmpty {
            throw .shapeMismatch(path: path, detail: "scalar names \(scalarNames) without values")
        }
        self.states = states
        self.scalars = scalars
        self.scalarNames = scalarNames
    }

    init(checked states: Tensor<Float>, scalars: Tensor<Float>?, scalarNames: [String]) {
        self.states = states
        self.scalars = scalars
        self.scalarNames = scalarNames
    }

    /// The same trajectories with other states of the same shape (e.g. normalized), scalars kept.
    public func replacingStates(_ newStates: Tensor<Float>) -> Trajectories {
        precondition(newStates.shape == states.shape, "states \(newStates.shape) replace \(states.shape)")
        return Trajectories(checked: newStates, scalars: scalars, scalarNames: scalarNames)
    }

    /// The same states without conditioning scalars.
    public var withoutScalars: Trajectories { Trajectories(checked: states, scalars: nil, scalarNames: []) }

    public var count: Int { states.shape[0] }
    public var steps: Int { states.shape[1] }
    public var channels: Int { states.shape[2] }
    public var grid: [Int] { Array(states.shape.dropFirst(3)) }
    public var spatialDimensions: Int { states.rank - 3 }
    /// Values in one state, `C · Π n_i`.
    public var stateSize: Int { states.count / (count * steps) }

    /// Trajectories `range`, in order (already checked: no new checks).
    public func subset(_ range: Range<Int>) -> Trajectories {
        Trajectories(checked: states.sliced(alongAxis: 0, range), scalars: scalars?.sliced(alongAxis: 0, range), scalarNames: scalarNames)
    }

    /// Conditioning scalars, `S` (0 without them).
    public var scalarCount: Int { scalarNames.count }

    /// `[windows.count, S, grid…]`: for each `(sample, start)` the scalars at the window's last step
    /// `start + length − 1`, each repeated over the grid (nil without scalars).
    /// - Precondition: every window lies inside the data.
    public func scalarChannels(_ windows: [(sample: Int, start: Int)], length: Int) -> Tensor<Float>? {
        scalars.map { Self.scalarChannels($0, windows: windows, length: length, grid: grid) }
    }

    /// ``scalarChannels(_:length:)`` of scalars `[N, T, S]` held apart from their states (a streamed run
    /// holds its training scalars, not its states).
    /// - Precondition: every window lies inside the scalars.
    public static func scalarChannels(_ scalars: Tensor<Float>, windows: [(sample: Int, start: Int)], length: Int, grid: [Int]) -> Tensor<Float> {
        let (count, t, s) = (scalars.shape[0], scalars.shape[1], scalars.shape[2]), points = grid.reduce(1, *)
        return Tensor(shape: [windows.count, s] + grid) { out in
            scalars.scalars.withUnsafeBufferPointer { values in
                for (row, window) in windows.enumerated() {
                    let step = window.start + length - 1
                    precondition(window.sample >= 0 && window.sample < count && step >= 0 && step < t, "window \(window) outside the scalars")
                    for k in 0..<s {
                        let value = values[(window.sample * t + step) * s + k]
                        (out.baseAddress! + (row * s + k) * points).update(repeating: value, count: points)
                    }
                }
            }
        }
    }

    /// `[windows.count, length·C, grid…]`: for each `(sample, start)` the states `start..<start+length`
    /// of that trajectory, stacked along the channel axis (oldest first).
    /// - Precondition: every window lies inside the data.
    public func windows(_ windows: [(sample: Int, start: Int)], length: Int) -> Tensor<Float> {
        let per = stateSize, block = length * per, (n, t) = (count, steps)
        return Tensor(shape: [windows.count, length * channels] + grid) { out in
            states.scalars.withUnsafeBufferPointer { source in
                for (row, window) in windows.enumerated() {
                    precondition(window.sample >= 0 && window.sample < n && window.start >= 0 && window.start + length <= t,
                                 "window \(window) of \(length) steps outside \(n) trajectories of \(t) steps")
                    (out.baseAddress! + row * block).update(from: source.baseAddress! + (window.sample * t + window.start) * per, count: block)
                }
            }
        }
    }

    /// A 64-bit FNV-1a hash of the shape and every value's bit pattern (as ``FieldPairs/fingerprint``).
    public var fingerprint: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ word: UInt64) { hash = (hash ^ word) &* 0x0000_0100_0000_01b3 }
        for size in states.shape { mix(UInt64(size)) }
        states.scalars.withUnsafeBufferPointer { values in
            for value in values { mix(UInt64(value.bitPattern)) }
        }
        if let scalars {   // only with scalars, so fingerprints of runs without them are unchanged
            for size in scalars.shape { mix(UInt64(size)) }
            for value in scalars.scalars { mix(UInt64(value.bitPattern)) }
        }
        return hash
    }
}

/// Training, validation and test trajectories cut from one file, as ``FieldPairSplit`` cuts pairs:
/// rows `0..<train−v` train, `train−v..<train` validate, `train..<train+test` test.
public struct TrajectorySplit: Sendable {
    public let train: Trajectories
    /// nil when v = 0.
    public let validation: Trajectories?
    public let test: Trajectories
}
