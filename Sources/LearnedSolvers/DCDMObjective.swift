import TensorCore
import RunSupport
import AutoDiff
import NeuralLayers
import SparseSolvers

/// The objective DCDM's network is trained on: the mean loss of a fresh batch of Ritz right-hand sides
/// on one grid problem, as a differentiable scalar of the network's weights.
///
/// ```
/// each batch:  b₁ … b_B  ~ RitzTrainingSet (unit norm), drawn from `generator`
///              qⱼ = mask ⊙ f(bⱼ)                         (single precision, on the tape)
///              loss = (1/B) Σⱼ L(qⱼ; bⱼ)                  (DCDMLoss .energy or .residual, double precision)
///              ∂loss/∂q = (1/B) mask ⊙ ∂L/∂qⱼ             (the pullback of the returned scalar)
/// ```
/// No solution of A x = b is ever needed: the loss only applies A. The batches come from one seeded
/// stream whose position (``generator``) a checkpoint stores, so a resumed run draws what an uninterrupted
/// one would. `DCDMTrainer` (one Adam step) and the training engine's DCDM task both use it.
///
/// Complexity: per batch one forward pass of the network on B grids plus 3B products with A.
/// References: Kaneda et al., ICML 2023, §4.
public final class DCDMObjective {
    public let network: DCDMNetwork
    public let problem: GridPoissonProblem
    public let trainingSet: RitzTrainingSet
    public let batchSize: Int
    /// The loss minimized (see `DCDMLoss` for why `.energy` is the default).
    public let loss: DCDMLoss
    /// The stream of training vectors (evaluations draw from it too).
    public var generator: SeededRandomNumberGenerator

    public init(network: DCDMNetwork, problem: GridPoissonProblem, trainingSet: RitzTrainingSet,
                batchSize: Int = 8, loss: DCDMLoss = .energy, seed: UInt64 = 1) throws {
        guard network.configuration.spatialRank == problem.spatialRank else {
            throw LearnedSolverError.rankMismatch(model: network.configuration.spatialRank, problem: problem.spatialRank)
        }
        guard trainingSet.basis.length == problem.pointCount else {
            throw LearnedSolverError.invalidConfiguration("training vectors have length \(trainingSet.basis.length), the grid has \(problem.pointCount) points")
        }
        guard batchSize >= 1 else { throw LearnedSolverError.invalidConfiguration("batch size must be at least 1") }
        // Activations kept for the backward pass: at most 16 feature maps of the widest level per point and right-hand side.
        try MemoryBudget().requireArray(shape: [batchSize, problem.pointCount, max(network.configuration.channels, network.configuration.coarseChannels), 16],
                                        bytesPerElement: 4, what: "a DCDM batch of \(batchSize) right-hand sides")
        self.network = network
        self.problem = problem
        self.trainingSet = trainingSet
        self.batchSize = batchSize
        self.loss = loss
        generator = SeededRandomNumberGenerator(seed: seed)
    }

    /// The mean loss of a fresh batch: `value` in double precision, and `objective`, a scalar whose value is
    /// `value` rounded to Float and whose pullback sends `∂loss/∂q` into the network (backpropagate it for
    /// the weights' gradients). When the loss or its gradient is NaN or infinite, `value` is NaN and
    /// `objective` is nil (nothing to differentiate).
    public func batchLoss() -> (value: Double, objective: Variable<Float>?) {
        let n = problem.pointCount, batch = batchSize
        let (b, energies) = trainingSet.sampleWithEnergies(count: batch, using: &generator)
        let q = network(Variable(input(b, count: batch)))
        var seed = [Float](repeating: 0, count: n * batch)
        var total = 0.0
        for s in 0..<batch {
            let qs = maskedSample(q.value.scalars, s, n)
            let (value, gradient) = loss.valueAndGradient(direction: qs, rightHandSide: Array(b[(s * n)..<((s + 1) * n)]),
                                                          energy: energies[s], matrix: problem.matrix)
            total += value
            for i in 0..<n { seed[s * n + i] = Float(gradient[i] * problem.fluidMask[i] / Double(batch)) }
        }
        guard total.isFinite, seed.allSatisfy(\.isFinite) else { return (.nan, nil) }
        let value = total / Double(batch)
        let seedTensor = Tensor(uncheckedShape: q.shape, scalars: seed)
        let shape = q.shape
        let objective = Variable.recording(Tensor(Float(value)), operation: "dcdmLoss", inputs: [q]) { upstream in
            [upstream.broadcast(toShape: shape) * Variable(seedTensor)]
        }
        return (value, objective)
    }

    /// Mean losses of the network on `count` fresh training vectors (no update): the paper's residual loss
    /// L_r and the energy loss L_e (with the Ritz estimate of bᵀA⁻¹b).
    public func evaluate(count: Int) -> (residual: Double, energy: Double) {
        let n = problem.pointCount
        let (b, energies) = trainingSet.sampleWithEnergies(count: count, using: &generator)
        let q = GradientRecording.withoutRecording { network(Variable(input(b, count: count))).value }
        var residual = 0.0, energy = 0.0
        for s in 0..<count {
            let qs = maskedSample(q.scalars, s, n)
            let bs = Array(b[(s * n)..<((s + 1) * n)])
            residual += DCDMLoss.value(direction: qs, rightHandSide: bs, matrix: problem.matrix)
            energy += DCDMLoss.energyValue(direction: qs, rightHandSide: bs, energy: energies[s], matrix: problem.matrix)
        }
        return (residual / Double(count), energy / Double(count))
    }

    func input(_ b: [Double], count: Int) -> Tensor<Float> {
        Tensor(shape: [count, 1] + problem.tensorShape) { p in
            for i in 0..<b.count { p[i] = Float(b[i]) }
        }
    }

    func maskedSample(_ q: [Float], _ s: Int, _ n: Int) -> [Double] {
        (0..<n).map { Double(q[s * n + $0]) * problem.fluidMask[$0] }
    }
}
