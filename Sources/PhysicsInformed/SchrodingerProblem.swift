import Foundation
import TensorCore
import AutoDiff

/// Stationary Schrödinger eigenproblem in 1-D as a PINN (units ħ²/2m = 1):
///
/// ```
/// −ψ'' + V ψ = E ψ  on (a, b),   ψ(a) = ψ(b) = 0   (hard: ψ = (x − a)(b − x) N(x)/h²)
/// penalty normalization:  L = mean_x r² + w_n (∫u² − 1)² + w_o Σ_k (∫u φ_k)²,   ψ = u
/// exact normalization:    ψ = u / ‖u‖,  L = mean_x r² + w_o Σ_k (∫ψ φ_k)²
/// r = −ψ'' + (V − E) ψ
/// optional energy consistency:  + w_E (E − R[u])²,   R[u] = ∫(u'² + V u²) / ∫u²   (Rayleigh quotient)
/// ```
/// The Rayleigh quotient is the variational characterization of the eigenvalue: for a trial state
/// with error ε it is off by O(ε²) (and it is an upper bound for the ground state), while the
/// residual alone pins E only to O(ε). It is computed by composite Gauss–Legendre quadrature with
/// panel edges at the jumps of V, so a step potential is integrated exactly piece by piece; the
/// walls make the boundary term of the integration by parts vanish. A step potential makes ψ''
/// jump, which a smooth network can only smear: `edgePoints` extra collocation points on both
/// sides of each jump make the residual see that region.
/// `E` is fixed or a trainable scalar. Normalization excludes the trivial solution `ψ = 0`: as a
/// penalty (which has a stationary point at u = 0, so training can collapse there when E starts far
/// from an eigenvalue), or exactly by dividing by the trapezoid norm of `u` on the grid (the
/// residual becomes scale-invariant, as in a Rayleigh quotient). Orthogonality against
/// previously found states `φ_k` steers training to the next excited state.
/// References: Jin, Mattheakis & Protopapas, IJCNN 2022; Raissi et al., J. Comput. Phys. 378 (2019).
public struct SchrodingerProblem: Sendable {
    public enum Energy: Sendable, Equatable {
        case fixed(Double)
        case learned(initialGuess: Double)
    }

    public let potential: QuantumWellPotential
    public let energy: Energy
    /// Previously found states on `evaluationNodes` (for excited states).
    public let previousStates: [[Double]]
    public let normalizationWeight: Double
    /// Divide by ‖u‖ (true) or penalize (∫u² − 1)² with `normalizationWeight` (false).
    public let exactNormalization: Bool
    public let orthogonalityWeight: Double
    /// Nodes of the evaluation / quadrature grid (endpoints included).
    public let evaluationNodes: [Double]
    /// Extra collocation points around each jump of V (half on each side, within ±0.1).
    public let edgePoints: Int
    /// Weight `w_E` of the energy–Rayleigh-quotient consistency term (0: none; learned E only).
    public let energyConsistencyWeight: Double
    /// Composite Gauss–Legendre rule for the Rayleigh quotient (panel edges at the jumps of V).
    public let rayleighQuadrature: GaussLegendreQuadrature

    public init(potential: QuantumWellPotential, energy: Energy, previousStates: [[Double]] = [],
                normalizationWeight: Double = 1, orthogonalityWeight: Double = 1, exactNormalization: Bool = true,
                gridPoints: Int = 401, edgePoints: Int = 0, energyConsistencyWeight: Double = 0) {
        self.edgePoints = edgePoints
        self.energyConsistencyWeight = energyConsistencyWeight
        self.exactNormalization = exactNormalization
        self.potential = potential
        self.energy = energy
        self.previousStates = previousStates
        self.normalizationWeight = normalizationWeight
        self.orthogonalityWeight = orthogonalityWeight
        let (a, b) = potential.interval
        evaluationNodes = (0..<gridPoints).map { a + (b - a) * Double($0) / Double(gridPoints - 1) }
        rayleighQuadrature = GaussLegendreQuadrature(lower: a, upper: b, breakPoints: potential.discontinuities,
                                                     pointsPerPanel: 16, maximumPanelLength: 0.5)
    }

    public var domain: Box { Box.interval(potential.interval.lower, potential.interval.upper) }

    /// Index of the state this problem looks for (the number of previous states).
    public var stateIndex: Int { previousStates.count }

    /// The reference state on `evaluationNodes` and its energy: exact for the infinite well,
    /// otherwise a finite-difference eigen-solve on `referenceNodes` interior nodes (interpolated; the default puts the jumps of the default
    /// finite well at ±1/2 midway between nodes, h = 1/1001, where the error is O(h²)).
    public func reference(referenceNodes: Int = 6005) throws(SchrodingerFiniteDifference.SolveError) -> (energy: Double, state: [Double]) {
        let k = stateIndex
        if potential == .infiniteWell {
            return (potential.exactEnergy(state: k)!, evaluationNodes.map { 2.0.squareRoot() * sin(Double(k + 1) * Double.pi * $0) })
        }
        let solution = try SchrodingerFiniteDifference.solve(potential: potential.value(at:), interval: potential.interval,
                                                             interiorNodes: referenceNodes, count: k + 1)
        let (a, b) = potential.interval
        let h = (b - a) / Double(referenceNodes + 1)
        let psi = [0] + solution.states[k] + [0]
        let state = evaluationNodes.map { x -> Double in
            let position = (x - a) / h
            let i = min(max(Int(position.rounded(.down)), 0), psi.count - 2)
            let t = position - Double(i)
            return (1 - t) * psi[i] + t * psi[i + 1]
        }
        return (solution.energies[k], state)
    }

    /// A learned energy is stored as `E/s`, `s = max(|E_guess|, 1)`, so that Adam's steps in `E`
    /// scale with its size.
    public var energyScale: Double {
        if case .learned(let guess) = energy { return max(abs(guess), 1) }
        return 1
    }

    /// The energy of a trained model: the learned value, or the fixed one.
    public func energy<Scalar>(of model: PINNModel<Scalar>) -> Double {
        switch energy {
        case .fixed(let e): return e
        case .learned: return Double(model.scalarParameter("energy")!.value.scalars[0]) * energyScale
        }
    }

    /// The Rayleigh quotient `R[u] = ∫(u'² + V u²) / ∫u²` of a model as a differentiable scalar.
    public func rayleighQuotient<Scalar>(_ model: PINNModel<Scalar>) -> Variable<Scalar> {
        let rule = rayleighQuadrature
        let points = Tensor<Scalar>.points(rule.nodes, dimension: 1)
        let w = Tensor<Scalar>(uncheckedShape: [rule.nodes.count, 1], scalars: rule.weights.map { Scalar($0) })
        let wv = Tensor<Scalar>(uncheckedShape: [rule.nodes.count, 1],
                                scalars: zip(rule.nodes, rule.weights).map { Scalar(potential.value(at: $0) * $1) })
        let u = model.derivatives(at: points, secondAxes: [])   // u and u' only
        let slope = u.first(0)
        let squared: Variable<Scalar> = u.value * u.value
        let kinetic: Variable<Scalar> = (slope * slope * w).sum()
        let potentialEnergy: Variable<Scalar> = (squared * wv).sum()
        let norm: Variable<Scalar> = (squared * w).sum()
        return (kinetic + potentialEnergy) / norm
    }

    /// The Rayleigh quotient of a trained model (an upper bound for the ground-state energy).
    public func rayleighEnergy<Scalar>(of model: PINNModel<Scalar>) -> Double {
        Double(GradientRecording.with(enabled: true) { rayleighQuotient(model) }.value.scalars[0])
    }

    /// The trained state ψ on the evaluation grid, normalized to ∫ψ² = 1.
    public func normalizedState<Scalar>(_ setup: PINNSetup<Scalar>) -> [Double] {
        let u = setup.prediction()
        let norm = zip(u, quadratureWeights).reduce(0) { $0 + $1.0 * $1.0 * $1.1 }.squareRoot()
        return u.map { $0 / max(norm, .leastNormalMagnitude) }
    }

    /// Trapezoid weights on the evaluation grid.
    public var quadratureWeights: [Double] {
        let h = evaluationNodes[1] - evaluationNodes[0]
        return evaluationNodes.indices.map { $0 == 0 || $0 == evaluationNodes.count - 1 ? h / 2 : h }
    }

    /// `min_± ‖ψ ∓ φ‖₂ / ‖φ‖₂` (eigenstates are defined up to sign).
    public static func stateError(_ psi: [Double], _ reference: [Double]) -> Double {
        min(PINNMetrics.relativeL2(psi, reference), PINNMetrics.relativeL2(psi.map { -$0 }, reference))
    }

    public func makeSetup<Scalar: TensorScalar>(options: PINNProblemOptions, as: Scalar.Type = Scalar.self) -> PINNSetup<Scalar> {
        var generator = SeededRandomNumberGenerator(seed: options.seed)
        let box = domain, sampling = options.sampling
        var scalars: [(name: String, initialValue: Double)] = []
        if case .learned(let guess) = energy { scalars.append(("energy", guess / energyScale)) }
        var network = options.network
        network.normalizesInput = true
        let model = PINNModel<Scalar>(domain: box, configuration: network.converted(),
                                      trialFunction: .homogeneousDirichlet(on: box), scalarParameters: scalars, generator: &generator)
        let count = options.domainPoints > 0 ? options.domainPoints : 256
        var interior = sampling.sample(count: count, in: box, generator: &generator)
        let side = edgePoints / 2
        for jump in potential.discontinuities where side > 0 {
            for k in 0..<side {
                let offset = 0.1 * (Double(k) + 0.5) / Double(side)
                interior += [jump - offset, jump + offset]
            }
        }
        let potential = self.potential
        let energy = self.energy, scale = energyScale, exact = exactNormalization
        let grid = Tensor<Scalar>.points(evaluationNodes, dimension: 1)
        let weights = Tensor<Scalar>(uncheckedShape: [evaluationNodes.count, 1], scalars: quadratureWeights.map { Scalar($0) })
        // 1/‖u‖ with ‖u‖² = ∫u² (trapezoid), differentiable in the weights.
        let inverseNorm = { (model: PINNModel<Scalar>) -> Variable<Scalar> in
            let u = model.values(at: grid)
            let one = Variable(Tensor<Scalar>(Scalar(1)))
            return one / (u * u * weights).sum().squareRoot()
        }
        var terms: [PINNLossTerm<Scalar>] = [
            .pde(points: .points(interior, dimension: 1), sampler: { n, g in sampling.freshSample(count: n, in: box, generator: &g) }) { u, model in
                // r = −ψ'' + (V − E) ψ
                let v = Tensor<Scalar>(uncheckedShape: [u.points.shape[0], 1],
                                       scalars: u.coordinate(0).scalars.map { Scalar(potential.value(at: Double($0))) })
                let potentialTerm = u.value * v - u.second(0)
                let r: Variable<Scalar>
                switch energy {
                case .fixed(let e): r = potentialTerm - u.value * Scalar(e)
                case .learned: r = potentialTerm - u.value * (model.scalarParameter("energy")!.variable * Scalar(scale))
                }
                return exact ? r * inverseNorm(model) : r
            },
        ]
        if !exact {
            terms.append(PINNLossTerm(name: "normalization", weight: normalizationWeight, points: grid) { model, x in
                let psi = model.values(at: x)
                return (psi * psi * weights).sum() - 1     // ∫u² − 1
            })
        }
        if energyConsistencyWeight > 0, case .learned = energy {
            let quotient = { (model: PINNModel<Scalar>) in self.rayleighQuotient(model) }
            terms.append(PINNLossTerm(name: "energy", weight: energyConsistencyWeight, points: grid) { model, _ in
                model.scalarParameter("energy")!.variable * Scalar(scale) - quotient(model)   // E − R[u]
            })
        }
        for (k, state) in previousStates.enumerated() {
            let phi = Tensor<Scalar>(uncheckedShape: [state.count, 1], scalars: zip(state, quadratureWeights).map { Scalar($0 * $1) })
            terms.append(PINNLossTerm(name: "orthogonality\(k)", weight: orthogonalityWeight, points: grid) { model, x in
                let overlap = (model.values(at: x) * phi).sum()      // ∫u φ_k
                return exact ? overlap * inverseNorm(model) : overlap
            })
        }
        return PINNSetup(model: model, terms: terms, evaluationPoints: evaluationNodes, evaluationGrid: [evaluationNodes.count],
                         reference: nil)
    }
}
