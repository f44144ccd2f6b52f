import TensorCore

/// Time series of fields in memory: `states: [N, T, C, n₁, …, n_d]` (N trajectories of T time steps,
/// C field channels on a d-dimensional grid), every value finite. What the next-step (autoregressive)
/// task trains on: a window of `h` consecutive states `u_{t−h+1}, …, u_t` predicts `u_{t+1}`.
///
/// Because one trajectory's steps are contiguous in row-major order, the window of `h` steps from `t`
/// is the contiguous block `states[s, t..<t+h]`, read as `h·C` channels: the input layout
/// `[batch, h·C, grid…]` of Li et al. 2021's recurrent FNO-2D (the last `h` vorticity snapshots as
/// channels).
public struct Trajectories: Sendable {
    public let states: Tensor<Float>

    /// Checks the rank (at least 4: `[N, T, C, grid…]` with 1–3 grid axes), at least two steps and
    /// finiteness.
    ///
    /// - Throws: `DatasetError.shapeMismatch` for another shape, `.nonFinite` for NaN or infinity.
    public init(states: Tensor<Float>, path: String = "<trajectories>") throws(DatasetError) {
        guard (4...6).contains(states.rank), states.shape.allSatisfy({ $0 > 0 }) else {
            throw .shapeMismatch(path: path, detail: "trajectories \(states.shape) are not [samples, steps, channels, 1–3 grid axes]")
        }
        guard states.shape[1] >= 2 else {
            throw .shapeMismatch(path: path, detail: "trajectories of \(states.shape[1]) time step cannot pair a state with its successor")
        }
        guard states.isFinite else { throw .nonFinite(path: path, detail: "trajectories") }
        self.states = states
    }

    init(checked states: Tensor<Float>) { self.states = states }

    public var count: Int { states.shape[0] }
    public var steps: Int { states.shape[1] }
    public var channels: Int { states.shape[2] }
    public var grid: [Int] { Array(states.shape.dropFirst(3)) }
    public var spatialDimensions: Int { states.rank - 3 }
    /// Values in one state, `C · Π n_i`.
    public var stateSize: Int { states.count / (count * steps) }

    /// Trajectories `range`, in order (already checked: no new checks).
    public func subset(_ range: Range<Int>) -> Trajectories { Trajectories(checked: states.sliced(alongAxis: 0, range)) }

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
