import Foundation
import TensorCore

/// How a random Darcy permeability is drawn from a Gaussian random field ψ.
public enum DarcyCoefficientRecipe: Sendable, Hashable {
    /// FNO's piecewise-constant field: ψ ~ N(0, (−Δ + 9I)^{−2}) (zero Neumann, α = 2, τ = 3),
    /// a = `high` where ψ ≥ 0, `low` elsewhere (FNO: 12 and 3).
    case fno(high: Double = 12, low: Double = 3)
    /// Log-normal field a = exp(ψ), ψ ~ N(0, σ²(−Δ + τ²I)^{−α}) (zero Neumann, mean zero), the
    /// smooth family used for SKR-style data generation. Defaults α = 2, τ = 3, σ = 3 (FNO's field
    /// amplitude); the SKR paper does not pin these numbers down, so they are ours.
    case logNormal(alpha: Double = 2, tau: Double = 3, sigma: Double = 3)

    /// FNO's recipe with its values.
    public static let fnoDefault = DarcyCoefficientRecipe.fno()
    /// The log-normal recipe with its defaults.
    public static let logNormalDefault = DarcyCoefficientRecipe.logNormal()
}

/// Darcy flow on the unit square with zero Dirichlet pressure, FNO's benchmark problem.
///
/// ```
/// −∇·(a(x) ∇u(x)) = f(x)   x ∈ (0, 1)²,   u = 0 on ∂(0, 1)²,   f ≡ 1 by default
/// residual:  −(a Δu + ∇a·∇u) − f   (a and ∇a from the bilinear interpolant of the nodal a)
/// ```
/// Layout (matches FNO's data files): s × s nodes x_i = i/(s − 1), i = 0 … s − 1, boundary nodes
/// included; the coefficient is given at all s² nodes and the solution field is returned at all s²
/// nodes with zeros on the boundary (FNO's s = 85 is every 5th node of its 421 grid). Storage is
/// row-major, index i₀·s + i₁ for (x, y) = (x_{i₀}, y_{i₁}).
///
/// Discretization: vertex-centred finite volumes = the 5-point stencil scaled by h², with the
/// harmonic mean of the two nodal coefficients on each face (FNO's MATLAB solver uses a finite
/// difference scheme on the same nodes; the two differ in the face average only). The (s − 2)²
/// unknowns are the interior nodes; the matrix is SPD, so `LinearSystem.solve()` uses CHOLMOD. For a
/// stream of coefficients keep one `CholeskyFactorization(analyzing:)` and refactorize: the pattern
/// does not depend on a.
///
/// References: Z. Li et al., "Fourier Neural Operator for Parametric PDEs", ICLR 2021, §5.2;
/// H. Wang et al., "Accelerating Data Generation for Neural Operators via Krylov Subspace
/// Recycling" (SKR), ICLR 2024 (the data-generation families).
public struct DarcyProblem: PDEProblem {
    /// s: nodes per side, boundary included.
    public let resolution: Int
    /// a at the s² nodes (storage order).
    public let coefficient: [Double]
    /// f at the s² nodes.
    public let source: [Double]
    public let grid: UniformGrid

    /// - Throws: `PDEError` for s < 3, a coefficient of the wrong size, non-positive or non-finite.
    public init(resolution s: Int, coefficient: [Double], source: Double = 1) throws {
        try self.init(resolution: s, coefficient: coefficient, sourceField: [Double](repeating: source, count: max(s, 0) * max(s, 0)))
    }

    /// Darcy with a nodal source field f (s² values).
    public init(resolution s: Int, coefficient: [Double], sourceField: [Double]) throws {
        guard s >= 3 else { throw PDEError.invalidGrid("Darcy needs at least 3 nodes per side, got \(s)") }
        guard coefficient.count == s * s else { throw PDEError.sizeMismatch(what: "coefficient", expected: s * s, actual: coefficient.count) }
        guard sourceField.count == s * s else { throw PDEError.sizeMismatch(what: "source", expected: s * s, actual: sourceField.count) }
        guard coefficient.allSatisfy({ $0.isFinite }), sourceField.allSatisfy({ $0.isFinite }) else {
            throw PDEError.nonFiniteValue("Darcy coefficient or source")
        }
        guard coefficient.allSatisfy({ $0 > 0 }) else {
            throw PDEError.invalidParameter(name: "coefficient", reason: "must be positive at every node")
        }
        resolution = s
        self.coefficient = coefficient
        source = sourceField
        grid = try .unit(dimension: 2, size: s, layout: .vertexCentred)
    }

    /// A random coefficient at the s² nodes, drawn with `recipe`.
    public static func sampleCoefficient(resolution s: Int, recipe: DarcyCoefficientRecipe = .fnoDefault,
                                         using generator: inout SeededRandomNumberGenerator) throws -> [Double] {
        switch recipe {
        case let .fno(high, low):
            guard high > 0, low > 0 else { throw PDEError.invalidParameter(name: "coefficient levels", reason: "must be positive") }
            let psi = try GaussianRandomField.fnoDarcy(resolution: s).sample(using: &generator)
            return psi.map { $0 >= 0 ? high : low }
        case let .logNormal(alpha, tau, sigma):
            let field = try GaussianRandomField(grid: .unit(dimension: 2, size: s, layout: .vertexCentred),
                                                alpha: alpha, tau: tau, sigma: sigma)
            return field.sample(using: &generator).map { Foundation.exp($0) }
        }
    }

    /// A problem with a freshly sampled coefficient and f ≡ 1.
    public static func random(resolution s: Int, recipe: DarcyCoefficientRecipe = .fnoDefault,
                              using generator: inout SeededRandomNumberGenerator) throws -> DarcyProblem {
        try DarcyProblem(resolution: s, coefficient: sampleCoefficient(resolution: s, recipe: recipe, using: &generator))
    }

    public var boundaryConditions: BoundaryConditions { .zeroDirichlet(dimension: 2) }

    public func discretize() throws -> LinearSystem {
        try FiniteVolumeAssembler(grid: grid, boundaryConditions: boundaryConditions,
                                  coefficient: coefficient, source: source).assemble()
    }

    /// The solution at all s² nodes (zeros on the boundary), by CHOLMOD.
    public func solve() throws -> [Double] { try discretize().solve() }

    /// The solution as an s × s tensor.
    public func solveTensor() throws -> Tensor<Double> {
        try Tensor(shape: [resolution, resolution], scalars: solve())
    }

    public func residual(at x: [Double], solution u: LocalJet) -> Double {
        let (a, gradA) = bilinear(coefficient, at: x)
        let (f, _) = bilinear(source, at: x)
        return -(a * u.laplacian + gradA[0] * u.gradient[0] + gradA[1] * u.gradient[1]) - f
    }

    /// Value and gradient of the bilinear interpolant of a nodal field.
    func bilinear(_ field: [Double], at x: [Double]) -> (Double, [Double]) {
        let s = resolution, h = 1 / Double(s - 1)
        let gx = min(max(x[0] / h, 0), Double(s - 1)), gy = min(max(x[1] / h, 0), Double(s - 1))
        let i = min(Int(gx), s - 2), j = min(Int(gy), s - 2)
        let tx = gx - Double(i), ty = gy - Double(j)
        let f00 = field[i * s + j], f01 = field[i * s + j + 1], f10 = field[(i + 1) * s + j], f11 = field[(i + 1) * s + j + 1]
        let value = (1 - tx) * (1 - ty) * f00 + (1 - tx) * ty * f01 + tx * (1 - ty) * f10 + tx * ty * f11
        let dx = ((1 - ty) * (f10 - f00) + ty * (f11 - f01)) / h
        let dy = ((1 - tx) * (f01 - f00) + tx * (f11 - f10)) / h
        return (value, [dx, dy])
    }
}
