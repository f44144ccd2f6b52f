import Foundation
import RunSupport
import TensorCore
import AutoDiff
import NeuralLayers

/// Deep operator network: `G(u)(y) ≈ Σ_k b_k(u(x₁), …, u(x_m)) t_k(y) + b₀`.
///
/// The branch net encodes the input function sampled at `m` fixed sensors; the trunk net encodes
/// a query coordinate `y ∈ ℝ^d`. Two data layouts are supported:
/// ```
/// Cartesian product (aligned): u ∈ ℝ^{B×m}, y ∈ ℝ^{P×d}:  G = B(u) T(y)ᵀ + b₀ ∈ ℝ^{B×P}   (one GEMM)
/// triplet (unaligned):         u ∈ ℝ^{N×m}, y ∈ ℝ^{N×d}:  G_i = ⟨B(u_i), T(y_i)⟩ + b₀ ∈ ℝ^{N}
/// ```
/// With `K > 1` outputs the `pK` features of both nets split into `K` groups of `p` ("split both"),
/// and output `k` uses group `k` with its own bias. POD-DeepONet replaces `T(y)` by fixed POD modes
/// `Φ ∈ ℝ^{P×p}` of the training targets and adds their mean: `G = B(u) Φᵀ + ȳ + b₀`.
///
/// The trunk's last layer is activated (as in DeepXDE); the branch's last layer is linear.
///
/// References: L. Lu, P. Jin, G. Pang, Z. Zhang, G. E. Karniadakis, Nature Machine Intelligence 3
/// (2021) 218–229; L. Lu et al., CMAME 393 (2022) 114778 (Cartesian product form, POD-DeepONet).
public final class DeepONet<Scalar: TensorScalar> {
    public let configuration: DeepONetConfiguration
    public let branch: DeepONetSubnetwork<Scalar>
    /// `nil` for POD-DeepONet.
    public let trunk: DeepONetSubnetwork<Scalar>?
    /// `b₀`, one per output, shape `[K]`.
    public let bias: Parameter<Scalar>
    /// Input standardisation (set when `configuration.normalizesInputs`).
    public let normalization: DeepONetInputNormalization?
    /// POD basis for `.podModes` trunks.
    public let podBasis: DeepONetPODBasis?

    private let podModes: Tensor<Scalar>?
    private let podMean: Tensor<Scalar>?
    private let branchShift: Tensor<Scalar>?, branchScale: Tensor<Scalar>?
    private let trunkShift: Tensor<Scalar>?, trunkScale: Tensor<Scalar>?
    private let outputShift: Scalar, outputScale: Scalar

    /// Builds a freshly initialised DeepONet.
    ///
    /// - Parameters:
    ///   - normalization: required when `configuration.normalizesInputs` (compute it from the training
    ///     set with `DeepONetInputNormalization(branch:trunk:)`).
    ///   - podBasis: required for `.podModes`; its mode count must equal the branch's last width.
    ///   - trunkBiasInitialization: first trunk layer biases (zeros, as DeepXDE, by default); the kink points are drawn
    ///     from `generator` after all weights, so the weights do not depend on this choice.
    public init(configuration: DeepONetConfiguration, normalization: DeepONetInputNormalization? = nil,
                podBasis: DeepONetPODBasis? = nil, trunkBiasInitialization: DeepONetTrunkBiasInitialization,
                generator: inout SeededRandomNumberGenerator) throws {
        try configuration.validate(budget: MemoryBudget())
        self.configuration = configuration
        branch = DeepONetSubnetwork(widths: configuration.branchWidths, activation: configuration.activation,
                                    activatesOutput: false, generator: &generator)
        switch configuration.trunkKind {
        case .network:
            trunk = DeepONetSubnetwork(widths: configuration.trunkWidths, activation: configuration.activation,
                                       activatesOutput: configuration.activateTrunkOutput, generator: &generator)
            podModes = nil
            podMean = nil
        case .podModes:
            guard configuration.outputCount == 1 else {
                throw DeepONetError.invalidConfiguration("POD-DeepONet supports one output")
            }
            guard let podBasis else { throw DeepONetError.invalidConfiguration("a POD trunk needs a POD basis") }
            guard podBasis.modes.shape[1] == configuration.branchWidths.last! else {
                throw DeepONetError.invalidConfiguration("branch output width \(configuration.branchWidths.last!) ≠ \(podBasis.modes.shape[1]) POD modes")
            }
            trunk = nil
            podModes = podBasis.modes.converted(to: Scalar.self)
            podMean = podBasis.mean.converted(to: Scalar.self)
        }
        self.podBasis = configuration.trunkKind == .podModes ? podBasis : nil
        bias = Parameter(.zeros([configuration.outputCount]))
        if configuration.normalizesInputs {
            guard let normalization else {
                throw DeepONetError.invalidConfiguration("normalizesInputs is set but no normalization statistics were given")
            }
            guard normalization.isFinite else {
                throw DeepONetError.invalidConfiguration("normalization statistics are not finite (NaN or infinity in the training data)")
            }
            guard normalization.branchMean.count == configuration.branchWidths[0] else {
                throw DeepONetError.invalidConfiguration("normalization has \(normalization.branchMean.count) sensors, branch expects \(configuration.branchWidths[0])")
            }
            self.normalization = normalization
            branchShift = Tensor(normalization.branchMean.map { Scalar($0) })
            branchScale = Tensor(normalization.branchStandardDeviation.map { Scalar(1 / $0) })
            trunkShift = Tensor(normalization.trunkMean.map { Scalar($0) })
            trunkScale = Tensor(normalization.trunkStandardDeviation.map { Scalar(1 / $0) })
            outputShift = configuration.trunkKind == .podModes ? 0 : Scalar(normalization.targetMean ?? 0)
            outputScale = Scalar(normalization.targetStandardDeviation ?? 1)
        } else {
            self.normalization = nil
            branchShift = nil; branchScale = nil; trunkShift = nil; trunkScale = nil
            outputShift = 0; outputScale = 1
        }
        if case .spreadKinks(let lower, let upper) = trunkBiasInitialization, let first = trunk?.layers.first, let firstBias = first.bias {
            let d = first.inputFeatures, h = first.outputFeatures
            guard lower.count == d, upper.count == d, zip(lower, upper).allSatisfy({ $0 <= $1 }) else {
                throw DeepONetError.invalidConfiguration("spreadKinks needs \(d) lower ≤ upper bounds, got \(lower) and \(upper)")
            }
            let w = first.weight.value.scalars  // [d, h], row-major
            var b = [Scalar](repeating: 0, count: h)
            for j in 0..<h {
                var dot = 0.0
                for i in 0..<d { dot += Double(w[i * h + j]) * (lower[i] + (upper[i] - lower[i]) * generator.nextUnitInterval()) }
                b[j] = Scalar(-dot)
            }
            firstBias.value = Tensor(uncheckedShape: [h], scalars: b)
        }
    }

    /// A freshly initialised DeepONet with zero trunk biases (DeepXDE's initialisation).
    public convenience init(configuration: DeepONetConfiguration, normalization: DeepONetInputNormalization? = nil,
                            podBasis: DeepONetPODBasis? = nil, generator: inout SeededRandomNumberGenerator) throws {
        try self.init(configuration: configuration, normalization: normalization, podBasis: podBasis,
                      trunkBiasInitialization: .zeros, generator: &generator)
    }

    /// Number of output components `K`.
    public var outputCount: Int { configuration.outputCount }

    /// Branch features `B(u)`, shape `[B, pK]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func branchFeatures(_ input: Variable<Scalar>) -> Variable<Scalar> {
        if let branchShift, let branchScale { return branch((input - Variable(branchShift)) * Variable(branchScale)) }
        return branch(input)
    }

    /// Trunk features `T(y)`, shape `[P, pK]` (the network trunk only).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func trunkFeatures(_ input: Variable<Scalar>) -> Variable<Scalar> {
        guard let trunk else { preconditionFailure("trunkFeatures: a POD-DeepONet has no trunk network") }
        if let trunkShift, let trunkScale { return trunk((input - Variable(trunkShift)) * Variable(trunkScale)) }
        return trunk(input)
    }

    /// Cartesian-product (aligned) evaluation: `branchInput` `[B, m]`, `trunkInput` `[P, d]` (ignored by
    /// POD-DeepONet, whose points are the training points) → `[B, P]` for one output, `[B, P, K]` otherwise.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func cartesian(branchInput: Variable<Scalar>, trunkInput: Variable<Scalar>) -> Variable<Scalar> {
        precondition(branchInput.rank == 2 && branchInput.shape[1] == configuration.branchWidths[0],
                     "DeepONet branch input must be [batch, \(configuration.branchWidths[0])], got \(branchInput.shape)")
        let b = branchFeatures(branchInput)
        if let podModes, let podMean {
            // G = σ_s (B(u) Φᵀ + b₀) + ȳ
            return destandardized(Variable.matmul(b, Variable(podModes), transposeB: true) + bias.variable) + Variable(podMean)
        }
        precondition(trunkInput.rank == 2 && trunkInput.shape[1] == configuration.trunkWidths[0],
                     "DeepONet trunk input must be [points, \(configuration.trunkWidths[0])], got \(trunkInput.shape)")
        let t = trunkFeatures(trunkInput)
        let k = outputCount
        if k == 1 {
            // G = B Tᵀ + b₀   (one GEMM [B, p] × [p, P])
            return destandardized(Variable.matmul(b, t, transposeB: true) + bias.variable)
        }
        let p = configuration.basisCount, batch = b.shape[0], points = t.shape[0]
        var outputs: [Variable<Scalar>] = []
        for group in 0..<k {
            let range = group * p ..< (group + 1) * p
            let product = Variable.matmul(b.sliced(alongAxis: 1, range), t.sliced(alongAxis: 1, range), transposeB: true)
            outputs.append(product.reshaped([batch, points, 1]))
        }
        return destandardized(Variable.concatenated(outputs, alongAxis: 2) + bias.variable)
    }

    /// `σ_s · x + μ_s` when the normalization carries target statistics, else `x`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func destandardized(_ x: Variable<Scalar>) -> Variable<Scalar> {
        if outputScale == 1 && outputShift == 0 { return x }
        let scaled = x * outputScale
        return outputShift == 0 ? scaled : scaled + Variable(Tensor<Scalar>(outputShift))
    }

    /// Triplet (unaligned) evaluation: `branchInput` `[N, m]` and `trunkInput` `[N, d]` row by row → `[N, K]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func triplet(branchInput: Variable<Scalar>, trunkInput: Variable<Scalar>) -> Variable<Scalar> {
        precondition(trunk != nil, "DeepONet.triplet: POD-DeepONet needs aligned data (use cartesian)")
        precondition(branchInput.rank == 2 && trunkInput.rank == 2 && branchInput.shape[0] == trunkInput.shape[0],
                     "DeepONet triplet inputs must be [N, m] and [N, d], got \(branchInput.shape) and \(trunkInput.shape)")
        let b = branchFeatures(branchInput), t = trunkFeatures(trunkInput)
        let k = outputCount, p = configuration.basisCount
        if k == 1 { return destandardized((b * t).sum(alongAxes: [1], keepingDimensions: true) + bias.variable) }
        var outputs: [Variable<Scalar>] = []
        for group in 0..<k {
            let range = group * p ..< (group + 1) * p
            outputs.append((b.sliced(alongAxis: 1, range) * t.sliced(alongAxis: 1, range)).sum(alongAxes: [1], keepingDimensions: true))
        }
        return destandardized(Variable.concatenated(outputs, alongAxis: 1) + bias.variable)
    }

    /// Cartesian-product prediction without recording gradients.
    public func predict(branchInput: Tensor<Scalar>, trunkInput: Tensor<Scalar>) -> Tensor<Scalar> {
        GradientRecording.withoutRecording { cartesian(branchInput: Variable(branchInput), trunkInput: Variable(trunkInput)).value }
    }

    /// Trainable parameters by path: `branch.layers.i.{weight,bias}`, `trunk.layers.i.{weight,bias}`, `bias`.
    public func visitParameters(prefix: String = "", _ visit: (String, Parameter<Scalar>) -> Void) {
        branch.visitParameters(prefix: parameterPath(prefix, "branch"), visit)
        trunk?.visitParameters(prefix: parameterPath(prefix, "trunk"), visit)
        visit(parameterPath(prefix, "bias"), bias)
    }

    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        var result: [(name: String, parameter: Parameter<Scalar>)] = []
        visitParameters { result.append(($0, $1)) }
        return result
    }

    public var parameters: [Parameter<Scalar>] { namedParameters.map(\.parameter) }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    public func zeroGradients() { for parameter in parameters { parameter.zeroGradient() } }
}
