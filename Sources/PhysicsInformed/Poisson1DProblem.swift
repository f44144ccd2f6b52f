import Foundation
import TensorCore
import AutoDiff

/// The 1-D Poisson problem of the DeepXDE examples.
///
/// ```
/// −u''(x) = π² sin(πx)  on (−1, 1),   u(−1) = u(1) = 0,   exact u(x) = sin(πx)
/// ```
/// Defaults follow DeepXDE's `Poisson_Dirichlet_1d` example: 16 interior points, 2 boundary points,
/// errors on 100 equispaced points. With soft constraints the residual is enforced at the boundary
/// points too (18 points), as DeepXDE does (its PDE loss runs over `train_x_all`, boundary points
/// included): at x = ±1 it asks −u'' = π² sin(±π) = 0, which pins the curvature where the
/// boundary penalty pins the value.
public struct Poisson1DProblem: Sendable {
    public let domain = Box.interval(-1, 1)

    public init() {}

    /// Exact solution.
    public func exact(_ x: Double) -> Double { sin(Double.pi * x) }

    public func makeSetup<Scalar: TensorScalar>(options: PINNProblemOptions, as: Scalar.Type = Scalar.self) -> PINNSetup<Scalar> {
        var generator = SeededRandomNumberGenerator(seed: options.seed)
        let hard = options.constraints == .hard
        let model = PINNModel<Scalar>(domain: domain, configuration: options.network.converted(),
                                      trialFunction: hard ? .homogeneousDirichlet(on: domain) : nil, generator: &generator)
        let count = options.domainPoints > 0 ? options.domainPoints : 16
        let box = domain, sampling = options.sampling
        let interior = sampling.sample(count: count, in: box, generator: &generator) + (hard ? [] : [-1, 1])
        let piSquared = Scalar(Double.pi * Double.pi)
        var terms: [PINNLossTerm<Scalar>] = [
            .pde(points: .points(interior, dimension: 1), sampler: { n, g in sampling.freshSample(count: n, in: box, generator: &g) }) { u, _ in
                // r = −u'' − π² sin(πx)
                let x = u.coordinate(0)
                return -u.second(0) - Variable(x.map { Scalar.sine(Scalar(Double.pi) * $0) } * piSquared)
            },
        ]
        if !hard {
            for upper in [false, true] {
                terms.append(BoundaryConstraint.dirichlet(axis: 0, upperFace: upper, value: { _ in 0 })
                    .lossTerm(on: domain, count: 1, weight: options.boundaryWeight, name: "boundary", generator: &generator))
            }
        }
        let evaluation = domain.grid(counts: [100])
        return PINNSetup(model: model, terms: terms, evaluationPoints: evaluation, evaluationGrid: [100],
                         reference: evaluation.map(exact))
    }
}
