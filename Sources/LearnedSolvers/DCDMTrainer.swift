import TensorCore
import RunSupport
import AutoDiff
import NeuralLayers
import SparseSolvers

/// Unsupervised training of a `DCDMNetwork` on one grid problem.
///
/// ```
/// each step:  b₁ … b_B  ~ RitzTrainingSet (unit norm)
///             qⱼ = mask ⊙ f(bⱼ)                         (single precision, on the tape)
///             loss = (1/B) Σⱼ L(qⱼ; bⱼ)                  (DCDMLoss .energy or .residual, double precision)
///             seed = (1/B) mask ⊙ ∂L/∂qⱼ;  backpropagate through f;  Adam step
/// ```
/// No solution of A x = b is ever needed: the loss only applies A.
///
/// Complexity: per step one forward and one backward pass of the network on B grids plus 3B products with A.
/// References: Kaneda et al., ICML 2023, §4.
public final class DCDMTrainer {
    public let network: DCDMNetwork
    public let problem: GridPoissonProblem
    public let trainingSet: RitzTrainingSet
    public let optimizer: Adam<Float>
    public let batchSize: Int
    /// The loss minimized (see `DCDMLoss` for why `.energy` is the default).
    public let loss: DCDMLoss
    public internal(set) var steps = 0
    var generator: SeededRandomNumberGenerator

    public init(network: DCDMNetwork, problem: GridPoissonProblem, trainingSet: RitzTrainingSet,
                learningRate: Double = 1e-3, batchSize: Int = 8, loss: DCDMLoss = .energy, seed: UInt64 = 1) throws {
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
        guard learningRate > 0, learningRate.isFinite else { throw LearnedSolverError.invalidConfiguration("learning rate must be positive") }
        self.network = network
        self.problem = problem
        self.trainingSet = trainingSet
        self.batchSize = batchSize
        self.loss = loss
        optimizer = Adam(learningRate: learningRate)
        generator = SeededRandomNumberGenerator(seed: seed)
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

    /// One optimization step on a fresh batch; returns the batch's mean loss before the update.
    ///
    /// When the loss or its gradient is NaN or infinite (a learning rate far too large), no update
    /// is made — Adam would spread the NaN into every weight — and the result is NaN: callers treat
    /// a non-finite result as a failed run.
    @discardableResult
    public func step() -> Double {
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
        guard total.isFinite, seed.allSatisfy(\.isFinite) else { return .nan }
        network.zeroGradients()
        Backpropagation.backward(from: q, seed: Tensor(uncheckedShape: q.shape, scalars: seed))
        guard network.parameters.allSatisfy({ $0.gradient.map { $0.scalars.allSatisfy(\.isFinite) } ?? true }) else { return .nan }
        optimizer.step(network.parameters)
        steps += 1
        return total / Double(batch)
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
