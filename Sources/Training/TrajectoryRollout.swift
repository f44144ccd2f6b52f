import Foundation
import TensorCore
import Datasets
import Plotting
import RunSupport

/// Autoregressive rollouts of a next-step model and their errors: from the first `h` states of each
/// trajectory, the model predicts `u_{h}`, the window moves one step (dropping the oldest state and
/// appending the prediction), and so on to the last step `T − 1`: Li et al. 2021's evaluation of the
/// recurrent FNO-2D on Navier–Stokes (10 steps in, the rest predicted).
///
/// Errors, for trajectory `s` and predicted step `k` (`p` prediction, `u` truth, norms over the grid and
/// channels): `e_{s,k} = ‖p_{s,k} − u_{s,k}‖ / ‖u_{s,k}‖`; the per-step curve is `mean_s e_{s,k}`, and the
/// rollout error is `mean_s ‖p_s − u_s‖ / ‖u_s‖` over all predicted steps together (the paper's
/// "full" test error). A zero true state (`‖u‖ = 0`) has no relative error: its term is the absolute
/// error `‖p − u‖` instead. NaN anywhere gives a NaN error, written to JSON as `null`.
public struct RolloutEvaluation: Codable, Sendable, Equatable {
    /// States given to the model, `h`.
    public var history: Int
    /// The 0-based time index of each predicted step (`h, h+1, …, T−1`).
    public var steps: [Int]
    /// `mean_s e_{s,k}` for each predicted step.
    public var relativeL2PerStep: [Double]
    /// `mean_s ‖p_s − u_s‖ / ‖u_s‖` over the whole rollout.
    public var relativeL2: Double
    public var trajectories: Int

    enum CodingKeys: String, CodingKey {
        case history, steps, trajectories
        case relativeL2PerStep = "relative_l2_per_step"
        case relativeL2 = "relative_l2"
    }

    public init(history: Int, steps: [Int], relativeL2PerStep: [Double], relativeL2: Double, trajectories: Int) {
        self.history = history
        self.steps = steps
        self.relativeL2PerStep = relativeL2PerStep
        self.relativeL2 = relativeL2
        self.trajectories = trajectories
    }

    /// Non-finite errors (a diverged model) are written as `null`, so the file is always valid JSON.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(history, forKey: .history)
        try container.encode(steps, forKey: .steps)
        try container.encode(trajectories, forKey: .trajectories)
        try container.encode(relativeL2PerStep.map { $0.isFinite ? $0 : nil }, forKey: .relativeL2PerStep)
        try container.encode(relativeL2.isFinite ? relativeL2 : nil, forKey: .relativeL2)
    }

    /// Reads `null` errors back as NaN.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        history = try container.decode(Int.self, forKey: .history)
        steps = try container.decode([Int].self, forKey: .steps)
        trajectories = try container.decode(Int.self, forKey: .trajectories)
        relativeL2PerStep = try container.decode([Double?].self, forKey: .relativeL2PerStep).map { $0 ?? .nan }
        relativeL2 = try container.decodeIfPresent(Double.self, forKey: .relativeL2) ?? .nan
    }
}

public enum TrajectoryRollout {
    /// Rolls `model` (inputs `[B, h·C + S, grid…]`: the window, then the `S` scalars of ``Trajectories/scalarChannels(_:length:)``;
    /// outputs `[B, C, grid…]`) over `data` and scores it.
    ///
    /// - Returns: the predictions `[N, T − h, C, grid…]` and their ``RolloutEvaluation``.
    /// - Throws: `TrainingError.dataMismatch` when the model's channels do not fit `h` states of `data`.
    public static func run(_ model: TrainedModel, on data: Trajectories, history h: Int, batchSize: Int = 20) throws
        -> (predictions: Tensor<Float>, evaluation: RolloutEvaluation) {
        let channels = model.operatorModel.channelCounts, c = data.channels
        guard h >= 1, h < data.steps, channels.input == h * c + data.scalarCount, channels.output == c else {
            throw TrainingError.dataMismatch("a model of \(channels.input) input and \(channels.output) output channels cannot roll out \(h) states of \(c) channels and \(data.scalarCount) scalars over \(data.steps) steps")
        }
        let n = data.count, horizon = data.steps - h, per = data.stateSize
        var window = data.windows((0..<n).map { ($0, 0) }, length: h)
        var predicted = [Float](repeating: 0, count: n * horizon * per)
        for k in 0..<horizon {
            let next = try model.predict(try withScalars(window, data.scalarChannels((0..<n).map { ($0, k) }, length: h)), batchSize: batchSize)
            next.scalars.withUnsafeBufferPointer { p in
                for s in 0..<n { for i in 0..<per { predicted[(s * horizon + k) * per + i] = p[s * per + i] } }
            }
            window = shifted(window, appending: next)
        }
        let predictions = Tensor(uncheckedShape: [n, horizon, c] + data.grid, scalars: predicted)
        let truth = data.states.sliced(alongAxis: 1, h..<data.steps)
        return (predictions, evaluate(predictions, against: truth, history: h))
    }

    /// The errors of `predictions` against `truth` (both `[N, K, C, grid…]`).
    public static func evaluate(_ predictions: Tensor<Float>, against truth: Tensor<Float>, history h: Int) -> RolloutEvaluation {
        precondition(predictions.shape == truth.shape, "rollout shapes \(predictions.shape) and \(truth.shape) differ")
        let n = truth.shape[0], horizon = truth.shape[1], per = truth.count / max(n * horizon, 1)
        var perStep = [Double](repeating: 0, count: horizon), full = 0.0
        predictions.scalars.withUnsafeBufferPointer { p in
            truth.scalars.withUnsafeBufferPointer { u in
                for s in 0..<n {
                    var errorSum = 0.0, truthSum = 0.0
                    for k in 0..<horizon {
                        var e = 0.0, t = 0.0
                        for i in ((s * horizon + k) * per)..<((s * horizon + k + 1) * per) {
                            let difference = Double(p[i]) - Double(u[i])
                            e += difference * difference
                            t += Double(u[i]) * Double(u[i])
                        }
                        perStep[k] += (t > 0 ? e / t : e).squareRoot() / Double(n)
                        errorSum += e
                        truthSum += t
                    }
                    full += (truthSum > 0 ? errorSum / truthSum : errorSum).squareRoot() / Double(n)
                }
            }
        }
        return RolloutEvaluation(history: h, steps: Array(h..<(h + horizon)), relativeL2PerStep: perStep, relativeL2: full, trajectories: n)
    }

    /// `window` `[B, h·C, grid…]` followed by the scalar channels `[B, S, grid…]` (unchanged without them).
    public static func withScalars(_ window: Tensor<Float>, _ scalars: Tensor<Float>?) throws -> Tensor<Float> {
        guard let scalars else { return window }
        return try Tensor.concatenated([window, scalars], alongAxis: 1)
    }

    /// `[B, h·C, grid…]` without its oldest state (the first `C` channels), with `next` `[B, C, grid…]` appended.
    public static func shifted(_ window: Tensor<Float>, appending next: Tensor<Float>) -> Tensor<Float> {
        let b = window.shape[0], rowSize = window.count / max(b, 1), stateSize = next.count / max(b, 1)
        precondition(next.shape[0] == b && rowSize >= stateSize && rowSize % stateSize == 0, "cannot append \(next.shape) to window \(window.shape)")
        return Tensor(shape: window.shape) { out in
            window.scalars.withUnsafeBufferPointer { w in
                next.scalars.withUnsafeBufferPointer { p in
                    for row in 0..<b {
                        let o = out.baseAddress! + row * rowSize
                        o.update(from: w.baseAddress! + row * rowSize + stateSize, count: rowSize - stateSize)
                        (o + rowSize - stateSize).update(from: p.baseAddress! + row * stateSize, count: stateSize)
                    }
                }
            }
        }
    }

    /// `rollout.json` (the evaluation) and `rollout.png` (the per-step curve, log scale), atomically.
    public static func write(_ evaluation: RolloutEvaluation, json: URL, plot: URL, label: String) throws {
        try AtomicFile.write(JSONOutput.document(evaluation), to: json)
        let x = evaluation.steps.map { Double($0 + 1) }
        let finite = evaluation.relativeL2PerStep.allSatisfy { $0.isFinite && $0 > 0 }
        try LinePlot(title: "rollout error (\(evaluation.trajectories) trajectories, \(evaluation.history) steps in)", xLabel: "time step",
                     yLabel: "relative L2", logScaleY: finite,
                     series: [LineSeries(label: label, x: x, y: evaluation.relativeL2PerStep)]).write(to: plot)
    }
}
