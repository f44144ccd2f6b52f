import Foundation
import Testing
import TensorCore
import NeuralOperators
import Training

/// The FNO paper's space-time formulation (FNO-3D for Navier–Stokes; here 1-D advection, so a 2-D
/// (x, t) operator): the layout of the pairs against the trajectories, and a small problem learned to
/// a stated error, scored per time step like a rollout.
@Suite struct SpaceTimeTrainingTests {
    @Test func pairsRepeatTheHistoryAlongTimeAndTargetTheRest() throws {
        // states[s, t, c, i] = 1000 s + 100 t + 10 c + i
        let (n, t, c, g) = (2, 5, 2, 3)
        var values = [Float]()
        for s in 0..<n { for m in 0..<t { for k in 0..<c { for i in 0..<g { values.append(Float(1000 * s + 100 * m + 10 * k + i)) } } } }
        let data = try Trajectories(states: Tensor(uncheckedShape: [n, t, c, g], scalars: values))
        let pairs = try data.spaceTimePairs(history: 2)
        #expect(pairs.inputs.shape == [2, 4, 3, 3] && pairs.targets.shape == [2, 2, 3, 3])
        for s in 0..<n { for block in 0..<2 { for k in 0..<c { for i in 0..<g { for step in 0..<3 {
            #expect(pairs.inputs.scalars[(((s * 4) + block * c + k) * g + i) * 3 + step] == Float(1000 * s + 100 * block + 10 * k + i))
        } } } } }
        for s in 0..<n { for k in 0..<c { for i in 0..<g { for step in 0..<3 {
            #expect(pairs.targets.scalars[(((s * c) + k) * g + i) * 3 + step] == Float(1000 * s + 100 * (2 + step) + 10 * k + i))
        } } } }
        #expect(Trajectories.timeSeries(fromSpaceTime: pairs.targets).scalars == data.states.sliced(alongAxis: 1, 2..<5).scalars)
        #expect(throws: DatasetError.self) { try data.spaceTimePairs(history: 5) }
    }

    /// Encoding each state before it is repeated along time (what a streamed run reads) gives the repeated
    /// inputs encoded afterwards, bit for bit: with the normalizer fitted on the pairs (the same μ and σ at
    /// every step) and with one whose μ differs at one step (then the repeated inputs are encoded).
    @Test func inputsEncodedBeforeRepeatingEqualTheEncodedPairs() throws {
        let (n, t, c, g) = (3, 6, 2, 5)
        var values = [Float]()
        for s in 0..<n { for m in 0..<t { for k in 0..<c { for i in 0..<g { values.append(Float(sin(Double(1 + s * 7 + m * 3 + k * 5 + i)) * 3 + 0.1 * Double(s))) } } } }
        let data = try Trajectories(states: Tensor(uncheckedShape: [n, t, c, g], scalars: values))
        let pairs = try data.spaceTimePairs(history: 2)
        let fitted = try PointwiseNormalizer(fitting: pairs.inputs)
        var perturbed = fitted
        var mean = fitted.mean.scalars
        mean[5] += 0.25   // entry (channel 0, point 1, step 1): differs from steps 0, 2, 3
        perturbed.mean = Tensor(uncheckedShape: fitted.mean.shape, scalars: mean)
        for normalizer in [fitted, perturbed] {
            let encoded = try data.spaceTimePairs(history: 2, encodingInputsWith: normalizer)
            let expected = normalizer.encode(pairs.inputs).scalars
            #expect(encoded.inputs.shape == pairs.inputs.shape && encoded.targets.scalars == pairs.targets.scalars)
            #expect(encoded.inputs.scalars.allSatisfy(\.isFinite) && encoded.inputs.scalars.map(\.bitPattern) == expected.map(\.bitPattern))
        }
    }

    @Test func learnsAdvectionInSpaceTimeBelowAStatedError() throws {
        let (points, steps, h) = (32, 10, 2)
        let train = try NextStepTrainingTests.advection(count: 48, points: points, steps: steps, seed: 41)
        let test = try NextStepTrainingTests.advection(count: 8, points: points, steps: steps, seed: 43)
        var generator = SeededRandomNumberGenerator(seed: 6)
        let model = try FourierNeuralOperator<Float>(FNOConfiguration(modes: [6, 4], inputChannels: h, outputChannels: 1, width: 12, layerCount: 2,
                                                                      projectionChannels: 32), generator: &generator)
        let configuration = TrainingConfiguration(epochs: 40, batchSize: 8, learningRate: 5e-3, weightDecay: 0,
                                                  schedule: .cosine(totalSteps: 40, minimumLearningRate: 1e-4))
        let trainer = try Trainer(model: model, configuration: configuration, train: try train.spaceTimePairs(history: h), validation: nil)
        try trainer.run()
        let testPairs = try test.spaceTimePairs(history: h)
        let predictions = try trainer.trainedModel.evaluate(testPairs).predictions
        let evaluation = TrajectoryRollout.evaluate(Trajectories.timeSeries(fromSpaceTime: predictions),
                                                    against: Trajectories.timeSeries(fromSpaceTime: testPairs.targets), history: h)
        // Persistence (the last given state at every later step), scored the same way.
        let last = test.windows((0..<test.count).map { ($0, h - 1) }, length: 1)
        var repeated = [Float]()
        for s in 0..<test.count { for _ in h..<steps { repeated += last.scalars[(s * points)..<((s + 1) * points)] } }
        let persistence = TrajectoryRollout.evaluate(Tensor(uncheckedShape: [test.count, steps - h, 1, points], scalars: repeated),
                                                     against: test.states.sliced(alongAxis: 1, h..<steps), history: h)
        print("space-time advection: relative L2 \(evaluation.relativeL2), per step \(evaluation.relativeL2PerStep), persistence \(persistence.relativeL2)")
        #expect(evaluation.steps == Array(h..<steps))
        #expect(evaluation.relativeL2 < 0.1, "space-time relative L2 \(evaluation.relativeL2)")
        #expect(evaluation.relativeL2 < persistence.relativeL2 / 5)
    }
}
