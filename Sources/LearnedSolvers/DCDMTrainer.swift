import TensorCore
import AutoDiff
import NeuralLayers
import SparseSolvers

/// One Adam step at a time on a ``DCDMObjective``: the library form of DCDM training for callers that
/// drive the steps themselves. `pdekit dcdm train` runs the same objective through the training engine
/// (`Training.DCDMTrainingTask` on `TrainingLoop`: checkpoints, resume, observers).
///
/// ```
/// each step:  loss, ∂loss/∂q = DCDMObjective.batchLoss();  backpropagate through f;  Adam step
/// ```
/// References: Kaneda et al., ICML 2023, §4.
public final class DCDMTrainer {
    public let objective: DCDMObjective
    public let optimizer: Adam<Float>
    public internal(set) var steps = 0

    public var network: DCDMNetwork { objective.network }
    public var problem: GridPoissonProblem { objective.problem }
    public var trainingSet: RitzTrainingSet { objective.trainingSet }
    public var batchSize: Int { objective.batchSize }
    /// The loss minimized (see `DCDMLoss` for why `.energy` is the default).
    public var loss: DCDMLoss { objective.loss }

    public init(network: DCDMNetwork, problem: GridPoissonProblem, trainingSet: RitzTrainingSet,
                learningRate: Double = 1e-3, batchSize: Int = 8, loss: DCDMLoss = .energy, seed: UInt64 = 1) throws {
        guard learningRate > 0, learningRate.isFinite else { throw LearnedSolverError.invalidConfiguration("learning rate must be positive") }
        objective = try DCDMObjective(network: network, problem: problem, trainingSet: trainingSet, batchSize: batchSize, loss: loss, seed: seed)
        optimizer = Adam(learningRate: learningRate)
    }

    /// Mean losses of the network on `count` fresh training vectors (see ``DCDMObjective/evaluate(count:)``).
    public func evaluate(count: Int) -> (residual: Double, energy: Double) { objective.evaluate(count: count) }

    /// One optimization step on a fresh batch; returns the batch's mean loss before the update.
    ///
    /// When the loss or its gradient is NaN or infinite (a learning rate far too large), no update
    /// is made — Adam would spread the NaN into every weight — and the result is NaN: callers treat
    /// a non-finite result as a failed run.
    @discardableResult
    public func step() -> Double {
        let (value, objective) = self.objective.batchLoss()
        guard let objective else { return .nan }
        network.zeroGradients()
        objective.backward()
        guard network.parameters.allSatisfy({ $0.gradient.map { $0.scalars.allSatisfy(\.isFinite) } ?? true }) else { return .nan }
        optimizer.step(network.parameters)
        steps += 1
        return value
    }
}
