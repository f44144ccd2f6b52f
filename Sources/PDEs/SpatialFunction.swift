/// A scalar function of position, with its gradient when known analytically.
///
/// ```
/// value(x) = g(x),   gradient(x) = ∇g(x)   (central differences with step 10⁻⁵·max(1, |x_a|) when
///                                           no analytic gradient is given: error O(10⁻¹⁰))
/// ```
/// Used for coefficients, sources and boundary data of the problem families, and in their
/// strong-form residuals (which need ∇a for ∇·(a∇u) = a Δu + ∇a·∇u).
public struct SpatialFunction: Sendable {
    public let value: @Sendable ([Double]) -> Double
    let analyticGradient: (@Sendable ([Double]) -> [Double])?

    public init(_ value: @escaping @Sendable ([Double]) -> Double,
                gradient: (@Sendable ([Double]) -> [Double])? = nil) {
        self.value = value
        self.analyticGradient = gradient
    }

    /// g ≡ c.
    public static func constant(_ c: Double) -> SpatialFunction {
        SpatialFunction({ _ in c }, gradient: { x in [Double](repeating: 0, count: x.count) })
    }

    public func callAsFunction(_ x: [Double]) -> Double { value(x) }

    /// ∇g(x), analytic when given, else by central differences.
    public func gradient(at x: [Double]) -> [Double] {
        if let analyticGradient { return analyticGradient(x) }
        return (0..<x.count).map { a in
            let step = 1e-5 * max(1, abs(x[a]))
            var plus = x, minus = x
            plus[a] += step; minus[a] -= step
            return (value(plus) - value(minus)) / (2 * step)
        }
    }
}

/// The local values a strong-form residual needs from a candidate solution u at one point.
public struct LocalJet: Sendable {
    public var value: Double
    public var gradient: [Double]
    public var laplacian: Double

    public init(value: Double, gradient: [Double], laplacian: Double) {
        self.value = value
        self.gradient = gradient
        self.laplacian = laplacian
    }
}
