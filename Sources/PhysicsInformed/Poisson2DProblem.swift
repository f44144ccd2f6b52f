import Foundation
import PDEs
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
/// A thin wrapper: the problem is the description below (the same as
/// `datasets/problems/poisson2d.json`), solved by `ProblemPINN`, which draws the points in the same
/// order as the former hand-written setup (runs are bit-identical).
public struct Poisson2DProblem: Sendable {
    public let domain = Box(lower: [0, 0], upper: [1, 1])

    public init() {}

    public func exact(_ x: Double, _ y: Double) -> Double { sin(Double.pi * x) * sin(Double.pi * y) }

    /// The problem as a description.
    public static func description() throws -> PDEProblemDescription {
        try PDEProblemDescription(name: "poisson2d", domain: .box(lower: [0, 0], upper: [1, 1], name: nil),
                                  equations: ["-div(grad(u)) = 2*pi^2*sin(pi*x)*sin(pi*y)"], boundary: [BoundaryConditionText(.dirichlet)],
                                  exact: ["sin(pi*x)*sin(pi*y)"],
                                  settings: ProblemSettings(domainPoints: 500, boundaryPoints: 100, evaluationGrid: [51, 51]))
    }

    public func makeSetup<Scalar: TensorScalar>(options: PINNProblemOptions, as: Scalar.Type = Scalar.self) -> PINNSetup<Scalar> {
        do {
            return try ProblemPINN(problem: Self.description()).makeSetup(options: options)
        } catch {
            preconditionFailure("Poisson2DProblem: the built-in description failed: \(error)")   // a programming error
        }
    }
}
