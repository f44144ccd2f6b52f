import TensorCore

extension TrajectoryStream {
    /// What a batch of next-step windows needs and nothing more: for each `(sample, start)` the states
    /// `start..<start+length` as `length·C` input channels (oldest first, ``Trajectories/windows(_:length:)``)
    /// and the state `start + targetOffset` as the target, `[n, length·C, grid…]` and `[n, C, grid…]`.
    ///
    /// Each trajectory is read once, over the steps its windows span (one hyperslab per run of
    /// consecutive trajectories that span the same steps): the whole trajectory for a chunk holding all
    /// its windows, `length + …` steps for a window alone.
    /// `encodeInputs` (e.g. a normalizer's encoding of `[states, C, grid…]`, elementwise) is applied to the
    /// states read before the inputs are cut from them, so each state read is encoded once however many
    /// windows hold it; the targets stay raw.
    /// - Throws: `DatasetError` for a window outside the trajectories or a read failure (as ``read(_:steps:)``).
    public func windows(_ windows: [(sample: Int, start: Int)], length: Int, targetOffset: Int,
                        encodeInputs: ((Tensor<Float>) -> Tensor<Float>)? = nil) throws -> (inputs: Tensor<Float>, targets: Tensor<Float>) {
        guard !windows.isEmpty, length >= 1, targetOffset >= 0 else { throw DatasetError.invalidSplit(path: path, detail: "no windows asked") }
        var span: [Int: Range<Int>] = [:]
        for window in windows {
            let (end, overflow) = window.start.addingReportingOverflow(max(length, targetOffset + 1))
            guard window.start >= 0, !overflow, end <= steps else {
                throw DatasetError.invalidSplit(path: path, detail: "a window of \(length) steps and a target \(targetOffset) after its start at step \(window.start) of \(steps)")
            }
            let needed = window.start..<end
            span[window.sample] = span[window.sample].map { min($0.lowerBound, needed.lowerBound)..<max($0.upperBound, needed.upperBound) } ?? needed
        }
        var bySpan: [Range<Int>: [Int]] = [:]
        for (sample, steps) in span { bySpan[steps, default: []].append(sample) }
        // sample → (block, row in it, first step in it)
        var blocks: [Tensor<Float>] = [], encodedBlocks: [Tensor<Float>] = [], place: [Int: (block: Int, row: Int, first: Int)] = [:]
        for (steps, samples) in bySpan.sorted(by: { $0.key.lowerBound < $1.key.lowerBound || ($0.key.lowerBound == $1.key.lowerBound && $0.key.upperBound < $1.key.upperBound) }) {
            let sorted = samples.sorted()
            let block = try read(sorted, steps: steps)
            blocks.append(block)
            if let encodeInputs {
                encodedBlocks.append(encodeInputs(block.reshaped([sorted.count * steps.count, channels] + grid)).reshaped(block.shape))
            }
            for (row, sample) in sorted.enumerated() { place[sample] = (blocks.count - 1, row, steps.lowerBound) }
        }
        let inputBlocks = encodeInputs == nil ? blocks : encodedBlocks
        let state = channels * grid.reduce(1, *)
        let inputs = Tensor<Float>(shape: [windows.count, length * channels] + grid) { out in
            for (row, window) in windows.enumerated() {
                let (k, local, first) = place[window.sample]!, spanned = blocks[k].shape[1]
                inputBlocks[k].scalars.withUnsafeBufferPointer { source in
                    (out.baseAddress! + row * length * state).update(from: source.baseAddress! + (local * spanned + window.start - first) * state, count: length * state)
                }
            }
        }
        let targets = Tensor<Float>(shape: [windows.count, channels] + grid) { out in
            for (row, window) in windows.enumerated() {
                let (k, local, first) = place[window.sample]!, spanned = blocks[k].shape[1]
                blocks[k].scalars.withUnsafeBufferPointer { source in
                    (out.baseAddress! + row * state).update(from: source.baseAddress! + (local * spanned + window.start + targetOffset - first) * state, count: state)
                }
            }
        }
        return (inputs, targets)
    }
}
