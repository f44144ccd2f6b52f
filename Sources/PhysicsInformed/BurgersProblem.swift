import Foundation
import TensorCore
import AutoDiff

/// Viscous Burgers' equation in space–time, the benchmark of Raissi et al. (2019).
///
/// ```
/// u_t + u u_x = ν u_xx,   ν = 0.01/π,   (x, t) ∈ [−1, 1] × [0, 1]
/// u(x, 0) = −sin(πx),     u(±1, t) = 0
/// ```
/// Soft constraints follow DeepXDE's example (2540 interior, 80 boundary, 160 initial points, the
/// residual enforced at all 2780);
/// the hard form is `u = −sin(πx) + t (1 − x²) N(x, t)`.
/// The reference is the solution on DeepXDE's `Burgers.npz` grid (256 x-nodes × 100 t-nodes).
public struct BurgersProblem: Sendable {
    /// A reference solution on a tensor grid, `values[i·times.count + j] = u(x_i, t_j)`.
    public struct Reference: Sendable {
        public let positions: [Double]
        public let times: [Double]
        public let values: [Double]

        public init(positions: [Double], times: [Double], values: [Double]) {
            precondition(values.count == positions.count * times.count, "Burgers reference: values do not match the grid")
            self.positions = positions
            self.times = times
            self.values = values
        }
    }

    public let domain = Box(lower: [-1, 0], upper: [1, 1])
    public let viscosity: Double
    public let reference: Reference?

    public init(viscosity: Double = 0.01 / Double.pi, reference: Reference? = nil) {
        self.viscosity = viscosity
        self.reference = reference
    }

    public func makeSetup<Scalar: TensorScalar>(options: PINNProblemOptions, as: Scalar.Type = Scalar.self) -> PINNSetup<Scalar> {
        var generator = SeededRandomNumberGenerator(seed: options.seed)
        let hard = options.constraints == .hard
        let trial: TrialFunction<Scalar>? = hard ? TrialFunction(name: "−sin(πx) + t(1 − x²) N", offset: { x in
            -(TrialFunction.column(x, 0) * Scalar(Double.pi)).sin()
        }) { x in
            let position = TrialFunction.column(x, 0)
            return TrialFunction.column(x, 1) * (1 - position * position)
        } : nil
        let model = PINNModel<Scalar>(domain: domain, configuration: options.network.converted(), trialFunction: trial,
                                      generator: &generator)
        let box = domain, sampling = options.sampling
        let count = options.domainPoints > 0 ? options.domainPoints : 2540
        let interior = sampling.sample(count: count, in: box, generator: &generator)
        let nu = Scalar(viscosity)
        // Soft constraints: like DeepXDE's `TimePDE`, the residual is also enforced at the boundary
        // and initial points (2540 + 80 + 160 = 2780 residual points by default).
        var residualPoints = interior
        var boundary: [Double] = [], initial: [Double] = []
        let boundaryCount = options.boundaryPoints > 0 ? options.boundaryPoints : 80
        if !hard {
            for upper in [false, true] {
                boundary += box.facePoints(axis: 0, upperFace: upper, count: boundaryCount / 2, sampling: sampling, generator: &generator)
            }
            initial = box.facePoints(axis: 1, upperFace: false, count: 2 * boundaryCount, sampling: sampling, generator: &generator)
            residualPoints = initial + boundary + interior
        }
        var terms: [PINNLossTerm<Scalar>] = [
            .pde(points: .points(residualPoints, dimension: 2), sampler: { n, g in sampling.freshSample(count: n, in: box, generator: &g) },
                 secondDerivativeAxes: [0]) { u, _ in
                // r = u_t + u u_x − ν u_xx (no u_tt: its jet rows are not computed)
                u.first(1) + u.value * u.first(0) - u.second(0) * nu
            },
        ]
        if !hard {
            terms.append(PINNLossTerm(name: "boundary", weight: options.boundaryWeight, points: .points(boundary, dimension: 2)) { model, x in
                model.values(at: x)
            })
            let target = Tensor<Scalar>(uncheckedShape: [2 * boundaryCount, 1],
                                        scalars: stride(from: 0, to: initial.count, by: 2).map { Scalar(-sin(Double.pi * initial[$0])) })
            terms.append(PINNLossTerm(name: "initial", weight: options.boundaryWeight, points: .points(initial, dimension: 2)) { model, x in
                model.values(at: x) - target
            })
        }
        if let reference {
            var points: [Double] = []
            points.reserveCapacity(2 * reference.values.count)
            for x in reference.positions { for t in reference.times { points.append(x); points.append(t) } }
            return PINNSetup(model: model, terms: terms, evaluationPoints: points,
                             evaluationGrid: [reference.positions.count, reference.times.count], reference: reference.values)
        }
        let evaluation = domain.grid(counts: [256, 100])
        return PINNSetup(model: model, terms: terms, evaluationPoints: evaluation, evaluationGrid: [256, 100], reference: nil)
    }
}
