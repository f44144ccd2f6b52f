import TensorCore
import AutoDiff

/// A soft (penalty) boundary condition on one face of a box, turned into a `PINNLossTerm`.
///
/// ```
/// Dirichlet:  r = u(x) − g(x)                              on the face
/// Neumann:    r = ∂u/∂x_axis(x) − g(x)                     on the face (derivative along +axis)
/// periodic:   r = [u(a) − u(b), ∂u/∂x_axis(a) − ∂u/∂x_axis(b)]  at matched points of both faces
/// ```
/// The penalty adds `w · mean r²` to the loss; the hard alternative is a `TrialFunction` or a
/// periodic input embedding (`PINNModel.Configuration.periodicAxes`).
public enum BoundaryConstraint: Sendable {
    case dirichlet(axis: Int, upperFace: Bool, value: @Sendable ([Double]) -> Double)
    case neumann(axis: Int, upperFace: Bool, value: @Sendable ([Double]) -> Double)
    case periodic(axis: Int)

    /// The loss term for this condition with `count` points on the face(s).
    public func lossTerm<Scalar: TensorScalar>(
        on box: Box, count: Int, weight: Double = 1, sampling: CollocationSampling = .uniform,
        name: String? = nil, generator: inout SeededRandomNumberGenerator
    ) -> PINNLossTerm<Scalar> {
        let d = box.dimension
        switch self {
        case .dirichlet(let axis, let upperFace, let value), .neumann(let axis, let upperFace, let value):
            let isDirichlet: Bool
            if case .dirichlet = self { isDirichlet = true } else { isDirichlet = false }
            let raw = box.facePoints(axis: axis, upperFace: upperFace, count: d == 1 ? 1 : count,
                                     sampling: sampling, generator: &generator)
            let points = Tensor<Scalar>.points(raw, dimension: d)
            let target = Tensor<Scalar>(uncheckedShape: [points.shape[0], 1], scalars: stride(from: 0, to: raw.count, by: d).map {
                Scalar(value(Array(raw[$0..<($0 + d)])))
            })
            return PINNLossTerm(name: name ?? (isDirichlet ? "dirichlet" : "neumann"), weight: weight, points: points) { model, x in
                if isDirichlet { return model.values(at: x) - target }
                return model.derivatives(at: x, secondAxes: []).first(axis) - target
            }
        case .periodic(let axis):
            let lowerPoints = box.facePoints(axis: axis, upperFace: false, count: d == 1 ? 1 : count,
                                             sampling: sampling, generator: &generator)
            var upperPoints = lowerPoints
            for n in 0..<(lowerPoints.count / d) { upperPoints[n * d + axis] = box.upper[axis] }
            let points = Tensor<Scalar>.points(lowerPoints + upperPoints, dimension: d)
            let half = points.shape[0] / 2
            return PINNLossTerm(name: name ?? "periodic", weight: weight, points: points) { model, x in
                let derivatives = model.derivatives(at: x, secondAxes: [])
                let u = derivatives.value, ux = derivatives.first(axis)
                let du = u.sliced(alongAxis: 0, 0..<half) - u.sliced(alongAxis: 0, half..<(2 * half))
                let dux = ux.sliced(alongAxis: 0, 0..<half) - ux.sliced(alongAxis: 0, half..<(2 * half))
                return Variable.concatenated([du, dux], alongAxis: 0)
            }
        }
    }
}
