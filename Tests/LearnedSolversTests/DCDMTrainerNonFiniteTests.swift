import Foundation
import Testing
import AutoDiff
import LearnedSolvers
import NeuralLayers
import SparseSolvers
import TensorCore

/// A DCDM training step with a NaN loss or gradient makes no update and returns NaN.
@Suite struct DCDMTrainerNonFiniteTests {
    @Test func aNaNWeightMakesNoUpdateAndReturnsNaN() throws {
        let problem = try GridPoissonProblem(size: 8, spatialRank: 2)
        let basis = try RitzBasis.lanczos(problem.matrix, start: problem.randomRightHandSide(seed: 5), dimension: 16)
        let network = try DCDMNetwork(DCDMNetworkConfiguration(spatialRank: 2, channels: 2, coarseChannels: 4, levels: 2, seed: 1))
        let trainer = try DCDMTrainer(network: network, problem: problem, trainingSet: RitzTrainingSet(basis: basis),
                                      learningRate: 1e-3, batchSize: 2, seed: 2)
        #expect(trainer.step().isFinite, "a healthy step has a finite loss")
        let poisoned = network.parameters[0]
        poisoned.value.scalars[0] = .nan
        let before = network.parameters.map { $0.value.scalars }
        let loss = trainer.step()
        #expect(loss.isNaN, "the step must report the NaN loss, got \(loss)")
        let after = network.parameters.map { $0.value.scalars }
        for (old, new) in zip(before, after) {
            // Bitwise comparison (NaN != NaN): no weight moved.
            #expect(old.map { $0.bitPattern } == new.map { $0.bitPattern })
        }
        #expect(trainer.steps == 1, "the failed step is not counted")
    }
}
