import Foundation
import DenseLinearAlgebra

/// A function represented by kernel coefficients on a tensor grid,
/// `u(x) = Σ_j α_j k(x − x_j)` with the product kernel `k = k₁ ⊗ k₂`; both the GP posterior mean
/// (`α = K⁻¹ U`) and the collocation solution take this form.
///
/// On a tensor grid of evaluation points the sum factorizes:
/// ```
/// U* = K₁(X₁*, X₁) A K₂(X₂*, X₂)ᵀ,      A = α as an N₁ × N₂ matrix
/// ```
public struct KernelField: Sendable {
    public let axes: [[Double]]
    public let kernels: [StationaryKernel]
    /// Coefficients, row-major over the grid.
    public let coefficients: [Double]

    public init(axes: [[Double]], kernels: [StationaryKernel], coefficients: [Double]) throws {
        guard axes.count == kernels.count, (1...2).contains(axes.count),
              coefficients.count == axes.map(\.count).reduce(1, *) else {
            throw GaussianProcessError.invalidArgument("kernel field: axes, kernels and coefficients do not match")
        }
        self.axes = axes; self.kernels = kernels; self.coefficients = coefficients
    }

    /// Cross-kernel matrix `k(x*_i − x_j)` (rows: evaluation points).
    static func crossMatrix(_ kernel: StationaryKernel, at points: [Double], centers: [Double]) -> DenseMatrix {
        var lags: [Double] = []
        lags.reserveCapacity(points.count * centers.count)
        for p in points { for c in centers { lags.append(p - c) } }
        // Evaluate in chunks to bound the [Q, L] temporaries.
        var values: [Double] = []
        values.reserveCapacity(lags.count)
        let chunk = max(1, 2_000_000 / max(kernel.componentCount, 1))
        var start = 0
        while start < lags.count {
            let end = min(lags.count, start + chunk)
            values += kernel.values(atLags: Array(lags[start..<end])).value
            start = end
        }
        return DenseMatrix(rows: points.count, columns: centers.count, elements: values)
    }

    /// `u` on the tensor grid of the given evaluation axes (row-major).
    public func evaluate(onAxes evaluationAxes: [[Double]]) -> [Double] {
        precondition(evaluationAxes.count == axes.count)
        let a = DenseMatrix(rows: axes[0].count, columns: axes.count == 2 ? axes[1].count : 1, elements: coefficients)
        var result = Self.crossMatrix(kernels[0], at: evaluationAxes[0], centers: axes[0]) * a
        if axes.count == 2 {
            result = DenseMatrix.product(result, Self.crossMatrix(kernels[1], at: evaluationAxes[1], centers: axes[1]), transposeB: true)
        }
        return result.elements
    }

    /// Relative L2 error `‖u − u_exact‖ / ‖u_exact‖` on `testPointsPerAxis` evenly spaced points per axis.
    public func relativeError(against problem: GaussianProcessProblem, testPointsPerAxis: Int = 300) -> Double {
        let testAxes = (0..<problem.dimension).map { problem.axisPoints($0, count: testPointsPerAxis) }
        let predicted = evaluate(onAxes: testAxes)
        let exact = problem.tabulate(problem.solution, axes: testAxes)
        var num = 0.0, den = 0.0
        for i in 0..<exact.count { num += (predicted[i] - exact[i]) * (predicted[i] - exact[i]); den += exact[i] * exact[i] }
        return (num / max(den, .leastNormalMagnitude)).squareRoot()
    }
}
