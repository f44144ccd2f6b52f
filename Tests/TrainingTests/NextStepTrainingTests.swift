import Foundation
import Testing
import TensorCore
import NeuralLayers
import NeuralOperators
import Training

/// Next-step (autoregressive) training: window indexing, rollout errors against a direct computation,
/// and learning periodic advection well enough that a full rollout beats persistence by far.
@Suite struct NextStepTrainingTests {
    /// Periodic advection `u_t + c u_x = 0` on `[0, 1)` with `c·Δt = 1/n`, so the exact solution moves one
    /// grid cell per step: `u(x_j, t_m) = u₀(x_{j−m})` with `u₀ = Σ_{k≤3} (a_k cos 2πkx + b_k sin 2πkx)/k`.
    /// With `speeds`, trajectory `s` moves `speeds[s % speeds.count]` cells per step and carries that
    /// speed as its one conditioning scalar (`[N, T, 1]`, constant in time, like a `sample_varying`
    /// scalar of The Well).
    static func advection(count: Int, points: Int, steps: Int, seed: UInt64, speeds: [Int]? = nil) throws -> Trajectories {
        var generator = SeededRandomNumberGenerator(seed: seed)
        var values = [Float](), scalars = [Float]()
        for sample in 0..<count {
            let c = (1...3).map { k in (Double.random(in: -1...1, using: &generator) / Double(k), Double.random(in: -1...1, using: &generator) / Double(k)) }
            let speed = speeds.map { $0[sample % $0.count] } ?? 1
            for m in 0..<steps {
                scalars.append(Float(speed))
                for j in 0..<points {
                    let x = Double(j - speed * m) / Double(points)
                    var u = 0.0
                    for (index, (a, b)) in c.enumerated() {
                        let w = 2 * Double.pi * Double(index + 1)
                        u += a * cos(w * x) + b * sin(w * x)
                    }
                    values.append(Float(u))
                }
            }
        }
        let states = Tensor(uncheckedShape: [count, steps, 1, points], scalars: values)
        guard speeds != nil else { return try Trajectories(states: states) }
        return try Trajectories(states: states, scalars: Tensor(uncheckedShape: [count, steps, 1], scalars: scalars), scalarNames: ["speed"])
    }

    @Test func windowsStackConsecutiveStatesAndShiftDropsTheOldest() throws {
        // states[s, t, c, i] = 1000 s + 100 t + 10 c + i
        let (n, t, c, g) = (3, 5, 2, 4)
        var values = [Float]()
        for s in 0..<n { for m in 0..<t { for k in 0..<c { for i in 0..<g { values.append(Float(1000 * s + 100 * m + 10 * k + i)) } } } }
        let data = try Trajectories(states: Tensor(uncheckedShape: [n, t, c, g], scalars: values))
        let windows = data.windows([(2, 1), (0, 3)], length: 2)
        #expect(windows.shape == [2, 4, 4])
        for (row, (s, start)) in [(2, 1), (0, 3)].enumerated() {
            for block in 0..<2 { for k in 0..<c { for i in 0..<g {
                #expect(windows.scalars[((row * 4) + block * c + k) * g + i] == Float(1000 * s + 100 * (start + block) + 10 * k + i))
            } } }
        }
        let next = data.windows([(1, 4), (1, 0)], length: 1)
        let shifted = TrajectoryRollout.shifted(windows, appending: next)
        // Row 0: old block 1 (step 2 of trajectory 2), then trajectory 1's step 4; row 1: step 4 of trajectory 0, then trajectory 1's step 0.
        #expect(shifted.scalars[0] == 2200 && shifted.scalars[c * g] == 1400)
        #expect(shifted.scalars[4 * g] == 400 && shifted.scalars[4 * g + c * g] == 1000)
    }

    @Test func rolloutErrorsMatchADirectComputation() throws {
        let truth = try Self.advection(count: 3, points: 8, steps: 4, seed: 1).states
        // p = u (1 + 0.1 (k+1)) at step k: e_{s,k} = 0.1 (k+1) exactly; the full error mixes steps by ‖u_{s,k}‖².
        var scaled = truth.scalars
        for s in 0..<3 { for k in 0..<4 { for i in 0..<8 { scaled[(s * 4 + k) * 8 + i] *= Float(1 + 0.1 * Double(k + 1)) } } }
        let evaluation = TrajectoryRollout.evaluate(Tensor(uncheckedShape: truth.shape, scalars: scaled), against: truth, history: 2)
        for k in 0..<4 { #expect(abs(evaluation.relativeL2PerStep[k] - 0.1 * Double(k + 1)) < 1e-5) }
        var expectedFull = 0.0
        for s in 0..<3 {
            var e = 0.0, u = 0.0
            for k in 0..<4 { for i in 0..<8 { let v = Double(truth.scalars[(s * 4 + k) * 8 + i]); u += v * v; e += pow(0.1 * Double(k + 1) * v, 2) } }
            expectedFull += (e / u).squareRoot() / 3
        }
        #expect(abs(evaluation.relativeL2 - expectedFull) < 1e-5)
        #expect(evaluation.steps == [2, 3, 4, 5])
        scaled[5] = .nan
        let poisoned = TrajectoryRollout.evaluate(Tensor(uncheckedShape: truth.shape, scalars: scaled), against: truth, history: 2)
        #expect(poisoned.relativeL2.isNaN && poisoned.relativeL2PerStep[0].isNaN)
    }

    @Test func learnsPeriodicAdvectionToASmallRolloutError() throws {
        let (points, steps) = (32, 12)
        let train = try Self.advection(count: 32, points: points, steps: steps, seed: 11)
        let validation = try Self.advection(count: 6, points: points, steps: steps, seed: 12)
        let test = try Self.advection(count: 8, points: points, steps: steps, seed: 13)
        var generator = SeededRandomNumberGenerator(seed: 3)
        let model = try FourierNeuralOperator<Float>(FNOConfiguration(modes: [6], inputChannels: 1, outputChannels: 1, width: 16, layerCount: 2,
                                                                      projectionChannels: 32), generator: &generator)
        let configuration = TrainingConfiguration(epochs: 30, batchSize: 16, learningRate: 5e-3, weightDecay: 0,
                                                  schedule: .cosine(totalSteps: 30, minimumLearningRate: 1e-4))
        let task = try NextStepTrainingTask(model: model, configuration: configuration, history: 1, train: train, validation: validation)
        #expect(task.trainingCount == 32 * (steps - 1))
        let summary = try NextStepTrainer(task: task).run()
        let rollout = try TrajectoryRollout.run(task.trainedModel, on: test, history: 1).evaluation
        // Persistence (u_{t+1} = u_t, i.e. the last given state repeated) scored the same way, independently.
        let first = test.windows((0..<test.count).map { ($0, 0) }, length: 1)
        let repeated = Tensor(uncheckedShape: [test.count, steps - 1, 1, points],
                              scalars: (0..<test.count).flatMap { s in (1..<steps).flatMap { _ in first.scalars[(s * points)..<((s + 1) * points)] } })
        let persistence = TrajectoryRollout.evaluate(repeated, against: test.states.sliced(alongAxis: 1, 1..<steps), history: 1)
        print("advection: rollout relative L2 \(rollout.relativeL2), last step \(rollout.relativeL2PerStep.last!), persistence \(persistence.relativeL2), best validation \(summary.bestSelection)")
        #expect(rollout.steps.count == steps - 1)
        #expect(rollout.relativeL2 < 0.05, "rollout relative L2 \(rollout.relativeL2)")
        #expect(rollout.relativeL2 < persistence.relativeL2 / 10, "rollout \(rollout.relativeL2) vs persistence \(persistence.relativeL2)")
        #expect(summary.bestSelection.isFinite && summary.bestSelection < 0.05)
    }

    /// Advection to the right or to the left: one state does not tell the direction, its scalar does.
    /// With the speed as a broadcast input channel the rollout is learned; the same model without it
    /// can only average the two motions (persistence-like error or worse).
    @Test func aSampleVaryingScalarAsInputChannelTellsTheDirection() throws {
        let (points, steps) = (32, 8)
        let train = try Self.advection(count: 32, points: points, steps: steps, seed: 31, speeds: [1, -1])
        let validation = try Self.advection(count: 6, points: points, steps: steps, seed: 32, speeds: [1, -1])
        let test = try Self.advection(count: 8, points: points, steps: steps, seed: 33, speeds: [1, -1])
        #expect(train.scalarChannels([(1, 2)], length: 1)?.scalars == [Float](repeating: -1, count: points))
        func rollout(_ scalars: Bool) throws -> Double {
            var generator = SeededRandomNumberGenerator(seed: 5)
            let model = try FourierNeuralOperator<Float>(FNOConfiguration(modes: [6], inputChannels: scalars ? 2 : 1, outputChannels: 1, width: 16,
                                                                          layerCount: 2, projectionChannels: 32), generator: &generator)
            let configuration = TrainingConfiguration(epochs: 30, batchSize: 16, learningRate: 5e-3, weightDecay: 0,
                                                      schedule: .cosine(totalSteps: 30, minimumLearningRate: 1e-4))
            let pick = { (t: Trajectories) in scalars ? t : t.withoutScalars }
            let task = try NextStepTrainingTask(model: model, configuration: configuration, history: 1, train: pick(train), validation: pick(validation))
            try NextStepTrainer(task: task).run()
            return try TrajectoryRollout.run(task.trainedModel, on: pick(test), history: 1).evaluation.relativeL2
        }
        let with = try rollout(true), without = try rollout(false)
        print("advection ±1: rollout relative L2 with the speed scalar \(with), without \(without)")
        #expect(with < 0.08, "with the scalar: \(with)")
        #expect(without > 0.5 && with < without / 5, "with \(with), without \(without)")
    }

    @Test func pushforwardNeedsRoomForItsStepsAndTrains() throws {
        let train = try Self.advection(count: 4, points: 16, steps: 5, seed: 21)
        var generator = SeededRandomNumberGenerator(seed: 4)
        let model = try FourierNeuralOperator<Float>(FNOConfiguration(modes: [4], inputChannels: 2, outputChannels: 1, width: 8, layerCount: 1,
                                                                      projectionChannels: 8), generator: &generator)
        let configuration = TrainingConfiguration(epochs: 2, batchSize: 4, weightDecay: 0)
        #expect(throws: TrainingError.self) {
            try NextStepTrainingTask(model: model, configuration: configuration, history: 2, training: .pushforward(steps: 3), train: train, validation: nil)
        }
        let task = try NextStepTrainingTask(model: model, configuration: configuration, history: 2, training: .pushforward(steps: 2), train: train, validation: nil)
        #expect(task.trainingCount == 4 * 1)
        let summary = try NextStepTrainer(task: task).run()
        #expect(summary.history.count == 2 && summary.history.allSatisfy { $0.trainLoss.isFinite })
        // A model with the wrong input channels for the history is refused.
        #expect(throws: TrainingError.self) {
            try NextStepTrainingTask(model: model, configuration: configuration, history: 3, train: train, validation: nil)
        }
    }

    /// A zero true state has no relative error: its term is the absolute error ‖p − u‖; a NaN error
    /// is written as null, so rollout.json is always valid JSON and reads back as NaN.
    @Test func zeroTruthAndNaNKeepTheRolloutWritable() throws {
        // One trajectory, two steps of two values: u₀ = 0, p₀ = (1, 0); u₁ = (3, 4), p₁ = (3, 4.5).
        let truth = Tensor<Float>(uncheckedShape: [1, 2, 1, 2], scalars: [0, 0, 3, 4])
        let prediction = Tensor<Float>(uncheckedShape: [1, 2, 1, 2], scalars: [1, 0, 3, 4.5])
        let evaluation = TrajectoryRollout.evaluate(prediction, against: truth, history: 1)
        #expect(abs(evaluation.relativeL2PerStep[0] - 1) < 1e-12)
        #expect(abs(evaluation.relativeL2PerStep[1] - 0.1) < 1e-12)
        #expect(abs(evaluation.relativeL2 - (1.25 / 25).squareRoot()) < 1e-12)
        let zero = TrajectoryRollout.evaluate(prediction, against: Tensor(uncheckedShape: [1, 2, 1, 2], scalars: [0, 0, 0, 0]), history: 1)
        #expect(abs(zero.relativeL2 - (1 + 9 + 20.25).squareRoot()) < 1e-12)
        let poisoned = TrajectoryRollout.evaluate(Tensor(uncheckedShape: [1, 2, 1, 2], scalars: [.nan, 0, 3, 4]), against: truth, history: 1)
        let data = try JSONEncoder().encode(poisoned)
        #expect(String(decoding: data, as: UTF8.self).contains("null"))
        let decoded = try JSONDecoder().decode(RolloutEvaluation.self, from: data)
        #expect(decoded.relativeL2.isNaN && decoded.relativeL2PerStep[0].isNaN && abs(decoded.relativeL2PerStep[1] - 0) < 1e-12)
        #expect(try JSONDecoder().decode(RolloutEvaluation.self, from: JSONEncoder().encode(evaluation)) == evaluation)
    }
}
