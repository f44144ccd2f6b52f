import Foundation

/// Composite Gauss–Legendre quadrature on an interval split at given break points.
///
/// ```
/// ∫_a^b f dx ≈ Σ_panels Σ_{j=1}^{n} w_j f(x_j),   x_j = roots of P_n mapped to the panel
/// ```
/// Each panel uses the `n`-point rule, exact for polynomials of degree 2n − 1; the nodes are found by
/// Newton's method on the three-term recurrence of the Legendre polynomials, started from
/// `cos(π(j − 1/4)/(n + 1/2))`. Splitting at the jumps of a piecewise-smooth integrand (a step
/// potential) keeps the rule spectrally accurate on every piece.
/// Reference: Golub & Welsch, Math. Comp. 23 (1969); Davis & Rabinowitz, Methods of Numerical
/// Integration (1984), §2.7.
public struct GaussLegendreQuadrature: Sendable {
    public let nodes: [Double]
    public let weights: [Double]

    /// `pointsPerPanel`-point rules on panels of length at most `maximumPanelLength`, with panel
    /// edges at `breakPoints` (those inside `(lower, upper)`).
    public init(lower: Double, upper: Double, breakPoints: [Double] = [], pointsPerPanel n: Int = 16,
                maximumPanelLength: Double = .infinity) {
        precondition(lower < upper && n >= 1 && maximumPanelLength > 0, "GaussLegendreQuadrature: bad interval or order")
        let (reference, referenceWeights) = Self.rule(n)
        let edges = [lower] + breakPoints.filter { $0 > lower && $0 < upper }.sorted() + [upper]
        var nodes: [Double] = [], weights: [Double] = []
        for piece in 0..<(edges.count - 1) {
            let a = edges[piece], b = edges[piece + 1]
            let panels = Swift.max(1, Int(((b - a) / maximumPanelLength).rounded(.up)))
            let length = (b - a) / Double(panels)
            for p in 0..<panels {
                let left = a + Double(p) * length
                for j in 0..<n {
                    nodes.append(left + (reference[j] + 1) * length / 2)
                    weights.append(referenceWeights[j] * length / 2)
                }
            }
        }
        self.nodes = nodes
        self.weights = weights
    }

    /// Nodes and weights of the `n`-point rule on [−1, 1].
    static func rule(_ n: Int) -> ([Double], [Double]) {
        var nodes = [Double](repeating: 0, count: n), weights = [Double](repeating: 0, count: n)
        for j in 0..<n {
            var x = cos(Double.pi * (Double(j) + 0.75) / (Double(n) + 0.5))
            var derivative = 1.0
            for _ in 0..<100 {
                // P_n(x) and P_n'(x) by the recurrence (k+1) P_{k+1} = (2k+1) x P_k − k P_{k−1}.
                var p0 = 1.0, p1 = x
                if n == 1 { p1 = x; p0 = 1 } else {
                    for k in 1..<n {
                        let p2 = (Double(2 * k + 1) * x * p1 - Double(k) * p0) / Double(k + 1)
                        p0 = p1; p1 = p2
                    }
                }
                derivative = Double(n) * (x * p1 - p0) / (x * x - 1)
                let dx = p1 / derivative
                x -= dx
                if abs(dx) < 1e-15 { break }
            }
            nodes[n - 1 - j] = x
            weights[n - 1 - j] = 2 / ((1 - x * x) * derivative * derivative)
        }
        return (nodes, weights)
    }
}
