import TensorCore
import AutoDiff
import NeuralLayers

/// How a problem imposes its boundary (and initial) conditions.
public enum ConstraintMode: String, Sendable, Codable, CaseIterable {
    /// Penalty terms `w · mean r²` on sampled boundary points.
    case soft
    /// A trial function that satisfies the conditions exactly.
    case hard
}

/// Options shared by the bundled problems.
public struct PINNProblemOptions: Sendable {
    public var network: PINNModel<Double>.Configuration
    public var constraints: ConstraintMode
    public var sampling: CollocationSampling
    /// Interior collocation points (0: the problem's default).
    public var domainPoints: Int
    /// Boundary (and initial) points (0: the problem's default).
    public var boundaryPoints: Int
    public var boundaryWeight: Double
    public var seed: UInt64

    public init(network: PINNModel<Double>.Configuration = .init(), constraints: ConstraintMode = .soft,
                sampling: CollocationSampling = .uniform, domainPoints: Int = 0, boundaryPoints: Int = 0,
                boundaryWeight: Double = 1, seed: UInt64 = 0) {
        self.network = network
        self.constraints = constraints
        self.sampling = sampling
        self.domainPoints = domainPoints
        self.boundaryPoints = boundaryPoints
        self.boundaryWeight = boundaryWeight
        self.seed = seed
    }
}

/// A ready-to-train PINN: the model, its loss terms, and what to compare the result with.
public struct PINNSetup<Scalar: TensorScalar> {
    public let model: PINNModel<Scalar>
    public let terms: [PINNLossTerm<Scalar>]
    /// Evaluation points `[N, d]` row-major (a tensor-product grid of `evaluationGrid` nodes).
    public let evaluationPoints: [Double]
    /// Nodes per axis of the evaluation grid (last axis fastest).
    public let evaluationGrid: [Int]
    /// Reference values at the evaluation points (exact, or a reference solution), if known.
    public let reference: [Double]?

    public init(model: PINNModel<Scalar>, terms: [PINNLossTerm<Scalar>], evaluationPoints: [Double],
                evaluationGrid: [Int], reference: [Double]?) {
        self.model = model
        self.terms = terms
        self.evaluationPoints = evaluationPoints
        self.evaluationGrid = evaluationGrid
        self.reference = reference
    }

    /// The model at the evaluation points.
    public func prediction() -> [Double] {
        model.predict(.points(evaluationPoints, dimension: model.domain.dimension)).scalars.map(Double.init)
    }

    /// `‖u_θ − u_ref‖₂ / ‖u_ref‖₂` at the evaluation points (nil without a reference).
    public func relativeL2Error() -> Double? {
        guard let reference else { return nil }
        return PINNMetrics.relativeL2(prediction(), reference)
    }
}

/// Error measures.
public enum PINNMetrics {
    /// `‖a − b‖₂ / ‖b‖₂`.
    public static func relativeL2(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count, "relativeL2: lengths differ")
        var difference = 0.0, norm = 0.0
        for i in 0..<a.count { difference += (a[i] - b[i]) * (a[i] - b[i]); norm += b[i] * b[i] }
        return (difference / Swift.max(norm, .leastNormalMagnitude)).squareRoot()
    }
}

extension PINNModel.Configuration {
    /// The same architecture for another scalar type.
    public func converted<Other>() -> PINNModel<Other>.Configuration {
        PINNModel<Other>.Configuration(hiddenWidths: hiddenWidths, activation: activation, normalizesInput: normalizesInput,
                                       fourierFeatures: fourierFeatures, periodicAxes: periodicAxes)
    }
}
