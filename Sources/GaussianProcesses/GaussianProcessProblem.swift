import Foundation

/// A Dirichlet problem on a box in one or two dimensions, in the strong form a GP or a kernel
/// collocation solves at grid points:
/// ```
/// Poisson:      Δu = f                         in Ω,   u = g on ∂Ω
/// Allen–Cahn:   Δu + u(u² − 1) = f             in Ω,   u = g on ∂Ω
/// custom:       Σ_i c_i ∂²u/∂x_i² + N(u, x) = f in Ω,   u = g on ∂Ω   (a problem file, see `init(description:)`)
/// ```
/// The manufactured problems take `g` and `f` from a known solution `u`.
/// References: Fang et al., ICLR 2024, §5 (the test problems).
public struct GaussianProcessProblem: Sendable {
    /// The differential operator.
    public enum Equation: String, Sendable, Codable, CaseIterable {
        case poisson
        case allenCahn = "allen-cahn"
        /// `Σ c_i ∂²u/∂x_i² + N(u, x) = f` with `c` and `N` from ``GaussianProcessProblem/pointwiseTerm``.
        case custom

        /// `N(u)` in `Δu + N(u) = f`, and its derivative `N'(u)` (zero for `custom`, whose term depends on `x`).
        func nonlinearity(_ u: Double) -> (value: Double, derivative: Double) {
            switch self {
            case .poisson, .custom: return (0, 0)
            case .allenCahn: return (u * (u * u - 1), 3 * u * u - 1)
            }
        }
    }

    /// The part of a `custom` equation besides the second derivatives: `N(u, x)` and `∂N/∂u`, and the
    /// constant coefficients `c_i` of `∂²u/∂x_i²`.
    public struct PointwiseTerm: Sendable {
        public let secondDerivativeCoefficients: [Double]
        public let value: @Sendable (_ u: Double, _ x: [Double]) -> Double
        public let derivative: @Sendable (_ u: Double, _ x: [Double]) -> Double
        /// `∂N/∂u` does not depend on `u` (then one Gauss–Newton step solves the value problem).
        public let isLinear: Bool

        public init(secondDerivativeCoefficients: [Double], value: @escaping @Sendable (Double, [Double]) -> Double,
                    derivative: @escaping @Sendable (Double, [Double]) -> Double, isLinear: Bool) {
            self.secondDerivativeCoefficients = secondDerivativeCoefficients
            self.value = value; self.derivative = derivative; self.isLinear = isLinear
        }
    }

    public let name: String
    public let equation: Equation
    public let lowerBounds: [Double]
    public let upperBounds: [Double]
    /// The exact solution (also the Dirichlet data).
    public let solution: @Sendable ([Double]) -> Double
    /// The right-hand side `f`.
    public let source: @Sendable ([Double]) -> Double
    /// The Dirichlet data `g` (the exact solution for the manufactured problems).
    public let boundaryValue: @Sendable ([Double]) -> Double
    /// `c` and `N(u, x)` of a `custom` equation (nil for Poisson and Allen–Cahn).
    public let pointwiseTerm: PointwiseTerm?

    /// Whether the equation is linear in `u` (Poisson, or a custom term linear in `u`).
    public var isLinear: Bool { equation == .poisson || pointwiseTerm?.isLinear == true }

    public var dimension: Int { lowerBounds.count }

    public init(name: String, equation: Equation, lowerBounds: [Double], upperBounds: [Double],
                solution: @escaping @Sendable ([Double]) -> Double, source: @escaping @Sendable ([Double]) -> Double,
                boundaryValue: (@Sendable ([Double]) -> Double)? = nil, pointwiseTerm: PointwiseTerm? = nil) throws {
        guard lowerBounds.count == upperBounds.count, (1...2).contains(lowerBounds.count) else {
            throw GaussianProcessError.invalidArgument("domain must be 1-D or 2-D")
        }
        guard zip(lowerBounds, upperBounds).allSatisfy({ $0 < $1 && $0.isFinite && $1.isFinite }) else {
            throw GaussianProcessError.invalidArgument("domain bounds must be finite with lower < upper")
        }
        self.name = name; self.equation = equation
        self.lowerBounds = lowerBounds; self.upperBounds = upperBounds
        self.solution = solution; self.source = source
        self.boundaryValue = boundaryValue ?? solution
        guard (equation == .custom) == (pointwiseTerm != nil),
              pointwiseTerm.map({ $0.secondDerivativeCoefficients.count == lowerBounds.count }) ?? true else {
            throw GaussianProcessError.invalidArgument("a custom equation needs its pointwise term with one coefficient per axis (and only it)")
        }
        self.pointwiseTerm = pointwiseTerm
    }

    /// 1-D Poisson with `u = sin(a x)` on `[0, L]` (GP-HM: a = 100, L = 2π).
    public static func poissonSine1D(frequency a: Double = 100, length: Double = 2 * .pi) -> GaussianProcessProblem {
        try! GaussianProcessProblem(name: "poisson1d-sin\(frequencyLabel(a))", equation: .poisson, lowerBounds: [0], upperBounds: [length],
                                    solution: { Foundation.sin(a * $0[0]) }, source: { -a * a * Foundation.sin(a * $0[0]) })
    }

    /// 1-D Poisson with the multi-scale `u = sin x + 0.1 sin 20x + 0.05 cos 100x` on `[0, 1]`.
    public static func poissonMultiscale1D() -> GaussianProcessProblem {
        try! GaussianProcessProblem(
            name: "poisson1d-multiscale", equation: .poisson, lowerBounds: [0], upperBounds: [1],
            solution: { let x = $0[0]; return Foundation.sin(x) + 0.1 * Foundation.sin(20 * x) + 0.05 * Foundation.cos(100 * x) },
            source: { let x = $0[0]; return -Foundation.sin(x) - 40 * Foundation.sin(20 * x) - 500 * Foundation.cos(100 * x) })
    }

    /// 1-D Allen–Cahn `u'' + u(u² − 1) = f` with `u = sin(a x)` on `[0, L]`.
    public static func allenCahnSine1D(frequency a: Double = 100, length: Double = 2 * .pi) -> GaussianProcessProblem {
        try! GaussianProcessProblem(
            name: "allen-cahn1d-sin\(frequencyLabel(a))", equation: .allenCahn, lowerBounds: [0], upperBounds: [length],
            solution: { Foundation.sin(a * $0[0]) },
            source: { let u = Foundation.sin(a * $0[0]); return -a * a * u + u * (u * u - 1) })
    }

    /// 2-D Poisson with `u = sin(a x) sin(a y)` on `[0, L]²` (GP-HM: a = 100, L = 2π).
    public static func poissonSine2D(frequency a: Double = 100, length: Double = 2 * .pi) -> GaussianProcessProblem {
        try! GaussianProcessProblem(
            name: "poisson2d-sin\(frequencyLabel(a))", equation: .poisson, lowerBounds: [0, 0], upperBounds: [length, length],
            solution: { Foundation.sin(a * $0[0]) * Foundation.sin(a * $0[1]) },
            source: { -2 * a * a * Foundation.sin(a * $0[0]) * Foundation.sin(a * $0[1]) })
    }

    /// The frequency in a problem name: its integer part (`sin(100x)` → `100`), or the number as
    /// written when it has no integer part that fits an `Int` (NaN, ±∞, 1e300).
    static func frequencyLabel(_ a: Double) -> String {
        a.isFinite && Swift.abs(a) < 1e18 ? String(Int(a)) : String(a)
    }

    /// `count` evenly spaced points on axis `axis`, endpoints included.
    public func axisPoints(_ axis: Int, count: Int) -> [Double] {
        let a = lowerBounds[axis], b = upperBounds[axis]
        return (0..<count).map { count == 1 ? a : a + (b - a) * Double($0) / Double(count - 1) }
    }

    /// Evaluates `function` on the row-major tensor grid of the given axis points.
    public func tabulate(_ function: ([Double]) -> Double, axes: [[Double]]) -> [Double] {
        if axes.count == 1 { return axes[0].map { function([$0]) } }
        var values: [Double] = []
        values.reserveCapacity(axes[0].count * axes[1].count)
        for x in axes[0] { for y in axes[1] { values.append(function([x, y])) } }
        return values
    }
}
