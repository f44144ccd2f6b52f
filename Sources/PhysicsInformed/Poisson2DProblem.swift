import Foundation
import TensorCore
import AutoDiff

/// The 2-D Poisson problem on the unit square with a manufactured solution.
///
/// ```
/// −Δu = 2π² sin(πx) sin(πy)  on (0, 1)²,   u = 0 on the boundary,   exact u = sin(πx) sin(πy)
/// ```
/// Defaults: 500 interior points, 100 boundary points (25 a side), errors on a 51 × 51 grid. With
/// soft constraints the residual is also enforced at the boundary points (600 points), as in
/// DeepXDE, whose PDE loss runs over the boundary and the domain points.
public struct Poisson2DProblem: Sendable {
    public let domain = Box(lower: [0, 0], upper: [1, 1])

    public init() {}

    public func exact(_ x: Double, _ y: Double) -> Double { sin(Double.pi * x) * sin(Double.pi * y) }

    public func makeSetup<Scalar: TensorScalar>(options: PINNProblemOptions, as: Scalar.Type = Scalar.self) -> PINNSetup<Scalar> {
        var generator = SeededRandomNumberGenerator(seed: options.seed)
        let hard = options.constraints == .hard
        let model = PINNModel<Scalar>(domain: domain, configuration: options.network.converted(),
                                      trialFunction: hard ? .homogeneousDirichlet(on: domain) : nil, generator: &generator)
        let box = domain, sampling = options.sampling
        let count = options.domainPoints > 0 ? options.domainPoints : 500
        var interior = sampling.sample(count: count, in: box, generator: &generator)
        var boundary: [Double] = []
        if !hard {
            let perFace = max((options.boundaryPoints > 0 ? options.boundaryPoints : 100) / 4, 1)
            for axis in 0..<2 {
                for upper in [false, true] {
                    boundary += box.facePoints(axis: axis, upperFace: upper, count: perFace, sampling: sampling, generator: &generator)
                }
            }
            interior = boundary + interior
        }
        let twoPiSquared = 2 * Double.pi * Double.pi
        var terms: [PINNLossTerm<Scalar>] = [
            .pde(points: .points(interior, dimension: 2), sampler: { n, g in sampling.freshSample(count: n, in: box, generator: &g) }) { u, _ in
                // r = −Δu − 2π² sin(πx) sin(πy)
                let x = u.coordinate(0).scalars, y = u.coordinate(1).scalars
                let f = Tensor<Scalar>(uncheckedShape: [x.count, 1], scalars: zip(x, y).map {
                    Scalar(twoPiSquared * sin(Double.pi * Double($0)) * sin(Double.pi * Double($1)))
                })
                return -u.laplacian() - f
            },
        ]
        if !hard {
            let points = Tensor<Scalar>.points(boundary, dimension: 2)
            terms.append(PINNLossTerm(name: "boundary", weight: options.boundaryWeight, points: points) { model, x in
                model.values(at: x)
            })
        }
        let evaluation = domain.grid(counts: [51, 51])
        return PINNSetup(model: model, terms: terms, evaluationPoints: evaluation, evaluationGrid: [51, 51],
                         reference: stride(from: 0, to: evaluation.count, by: 2).map { exact(evaluation[$0], evaluation[$0 + 1]) })
    }
}
