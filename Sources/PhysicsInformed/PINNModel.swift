import Foundation
import TensorCore
import AutoDiff
import NeuralLayers

/// The trial solution of a PINN: input embedding, a fully connected network, an optional hard-
/// constraint transform, and extra trainable scalars (an eigenvalue, a PDE coefficient).
///
/// ```
/// x̂ = 2 (x − a)/(b − a) − 1                          (optional: the box onto [−1, 1]^d)
/// z = [x̂_q (q ∉ P), cos θ_p, sin θ_p (p ∈ P)],  θ_p = 2π(x_p − a_p)/L_p   (hard periodic axes P)
/// z ← γ(z) = [cos 2πzB, sin 2πzB]                    (optional Fourier features)
/// u(x) = A(x) + D(x) · MLP(z)                        (optional trial function)
/// ```
/// Reference: Raissi, Perdikaris & Karniadakis, "Physics-informed neural networks", J. Comput.
/// Phys. 378 (2019) 686–707.
public final class PINNModel<Scalar: TensorScalar> {
    /// Architecture options.
    public struct Configuration: Sendable {
        /// Hidden layer widths (DeepXDE's `[1] + [50]*3 + [1]` is `[50, 50, 50]`).
        public var hiddenWidths: [Int]
        public var activation: Activation
        /// Map the domain box onto `[−1, 1]^d` before the network.
        public var normalizesInput: Bool
        /// Random Fourier features `(count m, scale σ)`, or nil.
        public var fourierFeatures: (count: Int, scale: Double)?
        /// Axes on which the solution is periodic with the box's period, imposed exactly by the
        /// embedding `x_p ↦ (cos(2π(x_p − a_p)/L_p), sin(2π(x_p − a_p)/L_p))`.
        public var periodicAxes: [Int]

        public init(hiddenWidths: [Int] = [50, 50, 50], activation: Activation = .tanh, normalizesInput: Bool = false,
                    fourierFeatures: (count: Int, scale: Double)? = nil, periodicAxes: [Int] = []) {
            self.hiddenWidths = hiddenWidths
            self.activation = activation
            self.normalizesInput = normalizesInput
            self.fourierFeatures = fourierFeatures
            self.periodicAxes = periodicAxes
        }
    }

    public let domain: Box
    public let configuration: Configuration
    public let network: MultilayerPerceptron<Scalar>
    public let fourierEmbedding: FourierFeatureEmbedding<Scalar>?
    /// Hard-constraint transform, or nil for a plain network (soft constraints).
    public let trialFunction: TrialFunction<Scalar>?
    /// Extra trainable scalars with names (each a `[1]` parameter).
    public let scalarParameters: [(name: String, parameter: Parameter<Scalar>)]

    public init(domain: Box, configuration: Configuration = Configuration(), trialFunction: TrialFunction<Scalar>? = nil,
                scalarParameters: [(name: String, initialValue: Double)] = [], outputCount: Int = 1,
                generator: inout SeededRandomNumberGenerator) {
        self.domain = domain
        self.configuration = configuration
        self.trialFunction = trialFunction
        var width = domain.dimension + configuration.periodicAxes.count
        if let fourier = configuration.fourierFeatures {
            let embedding = FourierFeatureEmbedding<Scalar>(inputFeatures: width, featureCount: fourier.count,
                                                            scale: fourier.scale, generator: &generator)
            fourierEmbedding = embedding
            width = embedding.outputFeatures
        } else {
            fourierEmbedding = nil
        }
        network = MultilayerPerceptron(widths: [width] + configuration.hiddenWidths + [outputCount],
                                       activation: configuration.activation, generator: &generator)
        self.scalarParameters = scalarParameters.map { ($0.name, Parameter(Tensor<Scalar>([Scalar($0.initialValue)]))) }
        usesTaylorJets = true
    }

    /// The named extra scalar parameter (e.g. `"energy"`).
    public func scalarParameter(_ name: String) -> Parameter<Scalar>? {
        scalarParameters.first { $0.name == name }?.parameter
    }

    /// Every trainable parameter: the network's, then the extra scalars.
    public var parameters: [Parameter<Scalar>] { network.parameters + scalarParameters.map(\.parameter) }

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Use the Taylor-jet path for input derivatives when the network supports it (tanh or sin).
    /// Off: differentiate twice through the tape (`FieldDerivatives(points:field:)`).
    public var usesTaylorJets: Bool

    /// `u(x)` for `x: [N, d]`, as `[N, 1]` (general tape path).
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> {
        let output = network(embed(x))
        return trialFunction.map { $0.apply(x, output) } ?? output
    }

    /// The network's input `z(x)` (normalization, periodic and Fourier embeddings).
    public func embed(_ x: Variable<Scalar>) -> Variable<Scalar> {
        var z = x
        let d = domain.dimension
        if configuration.normalizesInput {
            let (scale, shift) = normalization
            z = z * Tensor<Scalar>(uncheckedShape: [1, d], scalars: scale.map { Scalar($0) })
                + Tensor<Scalar>(uncheckedShape: [1, d], scalars: shift.map { Scalar($0) })
        }
        if !configuration.periodicAxes.isEmpty {
            // Non-periodic axes pass through; each periodic axis p becomes (cos θ_p, sin θ_p),
            // so the width is (d − |P|) + 2|P| = d + |P|.
            var columns = (0..<d).filter { !configuration.periodicAxes.contains($0) }.map { TrialFunction<Scalar>.column(z, $0) }
            for axis in configuration.periodicAxes {
                let angle = (TrialFunction<Scalar>.column(x, axis) - Scalar(domain.lower[axis])) * Scalar(2 * Double.pi / domain.extents[axis])
                columns.append(angle.cos())
                columns.append(angle.sin())
            }
            z = Variable.concatenated(columns, alongAxis: 1)
        }
        if let fourierEmbedding { z = fourierEmbedding(z) }
        return z
    }

    /// `x̂ = s x + t` mapping the box onto `[−1, 1]^d`.
    var normalization: (scale: [Double], shift: [Double]) {
        (domain.extents.map { 2 / $0 }, zip(domain.lower, domain.extents).map { -2 * $0 / $1 - 1 })
    }

    /// The same embedding as `embed`, as closed-form jets.
    func embeddingJet(points: [Double], directions: [[Double]]? = nil) -> InputJet {
        let d = domain.dimension
        var jet = directions.map { InputJet(points: points, dimension: d, directions: $0) } ?? InputJet(points: points, dimension: d)
        let raw = jet
        if configuration.normalizesInput {
            let (scale, shift) = normalization
            jet.applyAffine(scale: scale, shift: shift)
        }
        if !configuration.periodicAxes.isEmpty {
            var columns = (0..<d).filter { !configuration.periodicAxes.contains($0) }.map { jet.columns[$0] }
            for axis in configuration.periodicAxes {
                var weights = [Double](repeating: 0, count: d)
                weights[axis] = 2 * Double.pi / domain.extents[axis]
                var angle = raw.linearCombination(weights)
                angle.value = angle.value.map { $0 - 2 * Double.pi * domain.lower[axis] / domain.extents[axis] }
                let (c, s) = jet.cosineAndSine(of: angle)
                columns.append(c); columns.append(s)
            }
            jet.columns = columns
        }
        if let fourierEmbedding {
            let b = fourierEmbedding.frequencies
            let m = b.shape[1]
            var cosines: [InputJet.Column] = [], sines: [InputJet.Column] = []
            for j in 0..<m {
                let weights = (0..<b.shape[0]).map { 2 * Double.pi * Double(b.scalars[$0 * m + j]) }
                let (c, s) = jet.cosineAndSine(of: jet.linearCombination(weights))
                cosines.append(c); sines.append(s)
            }
            jet.columns = cosines + sines
        }
        return jet
    }

    private struct CachedJets {
        let points: [Scalar]
        let inputJets: Tensor<Scalar>
        let withDerivatives: Bool
        let secondAxes: [Int]
        let trial: (offset: [Tensor<Scalar>]?, factor: [Tensor<Scalar>])?
    }
    private var jetCache: [CachedJets] = []

    private func cachedJets(_ points: Tensor<Scalar>, withDerivatives: Bool, secondAxes: [Int] = []) -> CachedJets {
        if let hit = jetCache.first(where: {
            $0.withDerivatives == withDerivatives && $0.secondAxes == secondAxes && $0.points == points.scalars
        }) { return hit }
        let d = domain.dimension
        let inputJets: Tensor<Scalar> = embeddingJet(points: points.scalars.map(Double.init))
            .stacked(withDerivatives: withDerivatives, secondAxes: secondAxes)
        var trial: (offset: [Tensor<Scalar>]?, factor: [Tensor<Scalar>])? = nil
        if let trialFunction {
            // Jets of A and D (weight-free) from the tape: [value, ∂_1…∂_d, ∂_11…∂_dd].
            func jets(_ f: @escaping (Variable<Scalar>) -> Variable<Scalar>) -> [Tensor<Scalar>] {
                if !withDerivatives { return [GradientRecording.withoutRecording { f(Variable(points)).value }] }
                let derivatives = FieldDerivatives(points: points, field: f)
                return [derivatives.value.value] + (0..<d).map { derivatives.first($0).value }
                    + secondAxes.map { derivatives.second($0).value }
            }
            trial = (trialFunction.offset.map(jets), jets(trialFunction.factor))
        }
        let entry = CachedJets(points: points.scalars, inputJets: inputJets, withDerivatives: withDerivatives,
                               secondAxes: secondAxes, trial: trial)
        jetCache.append(entry)
        if jetCache.count > 16 { jetCache.removeFirst() }
        return entry
    }

    /// Whether the Taylor-jet path is used.
    public var isUsingTaylorJets: Bool { usesTaylorJets && TaylorJetPropagation.supports(network) }

    /// `u` and its first and pure second input derivatives at `points` (`[N, d]`), differentiable
    /// in the parameters. `secondAxes` (all by default) limits the second derivatives computed on
    /// the Taylor-jet path; asking the result for another one is a programming error.
    public func derivatives(at points: Tensor<Scalar>, secondAxes: [Int]? = nil) -> FieldDerivatives<Scalar> {
        guard isUsingTaylorJets else { return FieldDerivatives(points: points, field: callAsFunction) }
        let d = domain.dimension, n = points.shape[0]
        let axes = secondAxes ?? Array(0..<d)
        let cached = cachedJets(points, withDerivatives: true, secondAxes: axes)
        let stacked = TaylorJetPropagation.propagate(network, inputJets: cached.inputJets, pointCount: n, directions: d,
                                                     secondAxes: axes)
        func block(_ b: Int) -> Variable<Scalar> { stacked.sliced(alongAxis: 0, (b * n)..<((b + 1) * n)) }
        let nValue = block(0)
        let nFirst = (0..<d).map { block(1 + $0) }, nSecond = axes.indices.map { block(1 + d + $0) }
        guard let trial = cached.trial else {
            return FieldDerivatives(points: points, value: nValue, first: nFirst, second: nSecond, secondAxes: axes)
        }
        // u = A + D N,  ∂u = ∂A + ∂D N + D ∂N,  ∂²u = ∂²A + ∂²D N + 2 ∂D ∂N + D ∂²N
        let factor = trial.factor
        var value = nValue * factor[0]
        var first = (0..<d).map { nValue * factor[1 + $0] + nFirst[$0] * factor[0] }
        var second = axes.enumerated().map { j, i in
            nValue * factor[1 + d + j] + nFirst[i] * (factor[1 + i] * 2) + nSecond[j] * factor[0]
        }
        if let offset = trial.offset {
            value = value + offset[0]
            first = (0..<d).map { first[$0] + offset[1 + $0] }
            second = axes.indices.map { second[$0] + offset[1 + d + $0] }
        }
        return FieldDerivatives(points: points, value: value, first: first, second: second, secondAxes: axes)
    }

    /// `u` at `points` (`[N, d]`), differentiable in the parameters (no input derivatives).
    public func values(at points: Tensor<Scalar>) -> Variable<Scalar> {
        guard isUsingTaylorJets else { return callAsFunction(Variable(points)) }
        let cached = cachedJets(points, withDerivatives: false)
        let output = TaylorJetPropagation.propagate(network, inputJets: cached.inputJets, pointCount: points.shape[0], directions: 0)
        guard let trial = cached.trial else { return output }
        let product = output * trial.factor[0]
        return trial.offset.map { product + $0[0] } ?? product
    }

    /// `u` at constant points `[N, d]` without building a graph.
    public func predict(_ points: Tensor<Scalar>) -> Tensor<Scalar> {
        GradientRecording.withoutRecording { callAsFunction(Variable(points)).value }
    }
}
