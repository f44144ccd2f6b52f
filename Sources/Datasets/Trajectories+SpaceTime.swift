import RunSupport
import TensorCore

extension Trajectories {
    /// Li et al. 2021's FNO-3D pairs (§5.3, Navier–Stokes: "10 steps in, the rest out" as one operator
    /// on space-time): the first `h` states of each trajectory as `h·C` input channels, repeated along a
    /// time axis of the `K = T − h` steps to predict; the target is those steps with time as the last grid
    /// axis. Inputs `[N, h·C, grid…, K]`, targets `[N, C, grid…, K]`: a (d+1)-dimensional operator the FNO
    /// sees on a `grid… × K` grid (its appended coordinates include time).
    ///
    /// - Throws: `DatasetError.invalidSplit` for `h` outside `1..<T` or more than 2 grid axes (an FNO has
    ///   at most 3), `.tooLarge` when the repeated inputs do not fit in memory.
    public func spaceTimePairs(history h: Int) throws -> FieldPairs {
        guard h >= 1, h < steps, spatialDimensions <= 2 else {
            throw DatasetError.invalidSplit(path: "<trajectories>", detail: "space-time pairs need 1 ≤ history < \(steps) steps and at most 2 grid axes (got history \(h) on \(grid))")
        }
        let n = count, c = channels, k = steps - h, points = grid.reduce(1, *), t = steps
        let inputCount: Int
        do {
            inputCount = try MemoryBudget().requireArray(shape: [n, h * c, points, k], bytesPerElement: 4, what: "space-time inputs")
        } catch { throw DatasetError.tooLarge(path: "<trajectories>", detail: error.description) }
        var inputs = [Float](repeating: 0, count: inputCount), targets = [Float](repeating: 0, count: n * c * points * k)
        states.scalars.withUnsafeBufferPointer { u in
            for s in 0..<n {
                for channel in 0..<(h * c) {   // window channel = step · C + c, contiguous in states[s]
                    for p in 0..<points {
                        let value = u[(s * t * c + channel) * points + p]
                        let base = ((s * h * c + channel) * points + p) * k
                        for step in 0..<k { inputs[base + step] = value }
                    }
                }
                for channel in 0..<c {
                    for p in 0..<points {
                        for step in 0..<k { targets[((s * c + channel) * points + p) * k + step] = u[((s * t + h + step) * c + channel) * points + p] }
                    }
                }
            }
        }
        do {
            return try FieldPairs(inputs: Tensor(uncheckedShape: [n, h * c] + grid + [k], scalars: inputs),
                                  targets: Tensor(uncheckedShape: [n, c] + grid + [k], scalars: targets))
        } catch { throw DatasetError.shapeMismatch(path: "<trajectories>", detail: error.description) }
    }

    /// Space-time fields `[N, C, grid…, K]` (time last) as time series `[N, K, C, grid…]`, the layout of
    /// rollouts, so ``spaceTimePairs(history:)`` predictions are scored step by step like them.
    public static func timeSeries(fromSpaceTime fields: Tensor<Float>) -> Tensor<Float> {
        let r = fields.rank
        return fields.permuted([0, r - 1] + Array(1..<(r - 1)))
    }
}
