import Foundation
import RunSupport
import TensorCore

/// Li et al. 2021's FNO-3D pairs (``Trajectories/spaceTimePairs(history:)``: the first `h` states in,
/// repeated along time, the other `K = T − h` out, time the last grid axis) formed from trajectories read
/// from disk (``TrajectoryStream``) a batch at a time: row `i` is trajectory `i`, read whole (all `T`
/// steps feed the pair) with hyperslab reads, the pairs equal bit for bit to those of the in-memory
/// trajectories. What `train fno --task space-time --data-residence stream` trains on.
public final class SpaceTimePairStream: PairRowSource, @unchecked Sendable {
    public let trajectories: TrajectoryStream
    /// States in, `h`.
    public let history: Int
    public var path: String { trajectories.path }
    public var count: Int { trajectories.count }
    /// `[h·C, grid…, K]` and `[C, grid…, K]`.
    public let inputSampleShape: [Int], targetSampleShape: [Int]

    /// - Throws: `DatasetError.invalidSplit` for `history` outside `1..<T` or more than 2 grid axes.
    public init(_ trajectories: TrajectoryStream, history: Int) throws {
        let steps = trajectories.steps, c = trajectories.channels
        guard history >= 1, history < steps, trajectories.grid.count <= 2, !history.multipliedReportingOverflow(by: c).overflow else {
            throw DatasetError.invalidSplit(path: trajectories.path, detail: "space-time pairs need 1 ≤ history < \(steps) steps and at most 2 grid axes (got history \(history) on \(trajectories.grid))")
        }
        self.trajectories = trajectories
        self.history = history
        inputSampleShape = [history * c] + trajectories.grid + [steps - history]
        targetSampleShape = [c] + trajectories.grid + [steps - history]
    }

    public func read(_ indices: [Int]) throws -> (inputs: Tensor<Float>, targets: Tensor<Float>) {
        try read(indices, encodingInputsWith: nil)
    }

    /// Each state read is encoded once before it is repeated along time
    /// (``Trajectories/spaceTimePairs(history:encodingInputsWith:)``), not K times after.
    public func read(_ indices: [Int], encodingInputsWith normalizer: UnitGaussianNormalizer<Float>?) throws -> (inputs: Tensor<Float>, targets: Tensor<Float>) {
        let states = try trajectories.read(indices)
        let pairs = try Trajectories(checked: states, scalars: nil, scalarNames: []).spaceTimePairs(history: history, encodingInputsWith: normalizer)
        return (pairs.inputs, pairs.targets)
    }

    /// Rows `range` as checked ``FieldPairs`` (validation and test sets, read whole).
    public func pairs(_ range: Range<Int>) throws -> FieldPairs {
        try trajectories.trajectories(range).withoutScalars.spaceTimePairs(history: history)
    }
}
