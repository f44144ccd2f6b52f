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
        try spaceTimePairs(history: h, encodingInputsWith: nil)
    }

    /// ``spaceTimePairs(history:)`` with the inputs encoded by `normalizer` (nil: as they are), bit for
    /// bit `normalizer.encode(pairs.inputs)`: when the normalizer's μ and σ + ε are pointwise and the same
    /// at every one of the K steps, as those fitted on space-time pairs are (each step holds the same
    /// values, summed in the same order), each state is encoded once and then repeated, instead of
    /// encoding K copies; otherwise the repeated inputs are encoded. What a streamed space-time run
    /// reads every epoch (``SpaceTimePairStream``).
    public func spaceTimePairs(history h: Int, encodingInputsWith normalizer: UnitGaussianNormalizer<Float>?) throws -> FieldPairs {
        guard h >= 1, h < steps, spatialDimensions <= 2 else {
            throw DatasetError.invalidSplit(path: "<trajectories>", detail: "space-time pairs need 1 ≤ history < \(steps) steps and at most 2 grid axes (got history \(h) on \(grid))")
        }
        let n = count, c = channels, k = steps - h, points = grid.reduce(1, *), t = steps
        let inputCount: Int
        do {
            inputCount = try MemoryBudget().requireArray(shape: [n, h * c, points, k], bytesPerElement: 4, what: "space-time inputs")
        } catch { throw DatasetError.tooLarge(path: "<trajectories>", detail: error.description) }
        let perState = normalizer.flatMap { Self.statisticsPerState($0, shape: [1, h * c] + grid + [k]) }
        var inputs = [Float](repeating: 0, count: inputCount), targets = [Float](repeating: 0, count: n * c * points * k)
        states.scalars.withUnsafeBufferPointer { u in
            for s in 0..<n {
                for channel in 0..<(h * c) {   // window channel = step · C + c, contiguous in states[s]
                    for p in 0..<points {
                        var value = u[(s * t * c + channel) * points + p]
                        if let (shift, scale) = perState { value = (value - shift[channel * points + p]) / scale[channel * points + p] }
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
        var repeated = Tensor(uncheckedShape: [n, h * c] + grid + [k], scalars: inputs)
        if let normalizer, perState == nil { repeated = normalizer.encode(repeated) }
        do {
            return try FieldPairs(inputs: repeated, targets: Tensor(uncheckedShape: [n, c] + grid + [k], scalars: targets))
        } catch { throw DatasetError.shapeMismatch(path: "<trajectories>", detail: error.description) }
    }

    /// μ and σ + ε of a pointwise normalizer of inputs `shape` (`[1, h·C, grid…, K]`) at step 0, one per
    /// state entry, when every step has the same (bit for bit); nil otherwise.
    static func statisticsPerState(_ normalizer: UnitGaussianNormalizer<Float>, shape: [Int]) -> (shift: [Float], scale: [Float])? {
        let scaleTensor = normalizer.scale
        guard normalizer.mean.shape == shape, scaleTensor.shape == shape, let k = shape.last, k > 0 else { return nil }
        let mean = normalizer.mean.scalars, scale = scaleTensor.scalars
        var shift = [Float](), perStateScale = [Float]()
        shift.reserveCapacity(mean.count / k)
        perStateScale.reserveCapacity(mean.count / k)
        for base in stride(from: 0, to: mean.count, by: k) {
            for step in 1..<max(k, 1) where mean[base + step].bitPattern != mean[base].bitPattern || scale[base + step].bitPattern != scale[base].bitPattern {
                return nil
            }
            shift.append(mean[base])
            perStateScale.append(scale[base])
        }
        return (shift, perStateScale)
    }

    /// Space-time fields `[N, C, grid…, K]` (time last) as time series `[N, K, C, grid…]`, the layout of
    /// rollouts, so ``spaceTimePairs(history:)`` predictions are scored step by step like them.
    public static func timeSeries(fromSpaceTime fields: Tensor<Float>) -> Tensor<Float> {
        let r = fields.rank
        return fields.permuted([0, r - 1] + Array(1..<(r - 1)))
    }
}
