import Foundation
import DenseLinearAlgebra

/// One-shot unsymmetric (Kansa) kernel collocation for linear PDEs: the fast baseline.
///
/// With `u(x) = Σ_j α_j k(x − x_j)` over the grid points and the product kernel `k = k₁ ⊗ k₂`,
/// the equation at interior points and the Dirichlet condition at boundary points give one square
/// dense system, solved by LU (`DenseLinearAlgebra.DenseLUFactorization`):
/// ```
/// interior i:  Σ_j α_j Δk(x_i − x_j) = f(x_i),   Δk = k₁'' k₂ + k₁ k₂''
/// boundary i:  Σ_j α_j  k(x_i − x_j) = g(x_i)
/// ```
/// Only the kernel's second derivative is needed, so Matérn-5/2 envelopes qualify.
///
/// Complexity: O(N³) for N grid points (limited to `maximumUnknowns`).
/// References: Kansa, "Multiquadrics — a scattered data approximation scheme with applications to
/// computational fluid dynamics II", Comput. Math. Appl. 19 (1990); Fang et al., ICLR 2024.
public enum KernelCollocation {
    public static let maximumUnknowns = 6_400

    /// Solves `problem` (linear equations only) on a uniform grid of `pointsPerAxis` points per axis.
    public static func solve(_ problem: GaussianProcessProblem, kernels: [StationaryKernel], pointsPerAxis: Int) throws -> KernelField {
        guard problem.equation == .poisson else {
            throw GaussianProcessError.invalidArgument("kernel collocation solves the Poisson equation only; use the GP-HM solver for \(problem.equation == .custom ? problem.name : problem.equation.rawValue)")
        }
        guard kernels.count == problem.dimension else {
            throw GaussianProcessError.invalidArgument("need one kernel per axis (\(problem.dimension))")
        }
        guard pointsPerAxis >= 3 else { throw GaussianProcessError.invalidArgument("need at least 3 points per axis") }
        let axes = (0..<problem.dimension).map { problem.axisPoints($0, count: pointsPerAxis) }
        let n = axes.map(\.count).reduce(1, *)
        guard n <= maximumUnknowns else {
            throw GaussianProcessError.tooLarge("\(n) collocation unknowns exceed the dense limit \(maximumUnknowns); use the GP-HM solver")
        }
        let tables = zip(axes, kernels).map { axis, kernel in
            kernel.values(atLags: lagTable(axis))
        }
        let k = tables.enumerated().map { DenseMatrix(toeplitz: $0.element.value, size: axes[$0.offset].count) }
        let k2 = tables.enumerated().map { DenseMatrix(toeplitz: $0.element.second, size: axes[$0.offset].count) }
        var system = DenseMatrix(zeros: n, n)
        var rhs = DenseMatrix(zeros: n, 1)
        let values = problem.tabulate(problem.boundaryValue, axes: axes)
        let sources = problem.tabulate(problem.source, axes: axes)
        if problem.dimension == 1 {
            let m = axes[0].count
            for i in 0..<m {
                let boundary = i == 0 || i == m - 1
                for j in 0..<m { system[i, j] = boundary ? k[0][i, j] : k2[0][i, j] }
                rhs[i, 0] = boundary ? values[i] : sources[i]
            }
        } else {
            let m1 = axes[0].count, m2 = axes[1].count
            for i1 in 0..<m1 { for i2 in 0..<m2 {
                let row = i1 * m2 + i2
                let boundary = i1 == 0 || i1 == m1 - 1 || i2 == 0 || i2 == m2 - 1
                for j1 in 0..<m1 { for j2 in 0..<m2 {
                    system[row, j1 * m2 + j2] = boundary
                        ? k[0][i1, j1] * k[1][i2, j2]
                        : k2[0][i1, j1] * k[1][i2, j2] + k[0][i1, j1] * k2[1][i2, j2]
                } }
                rhs[row, 0] = boundary ? values[row] : sources[row]
            } }
        }
        let alpha = try DenseLUFactorization(system).solve(rhs)
        guard alpha.elements.allSatisfy(\.isFinite) else { throw GaussianProcessError.nonFinite("collocation coefficients") }
        return try KernelField(axes: axes, kernels: kernels, coefficients: alpha.elements)
    }

    /// Signed lags `x_i − x_j` of a uniform grid, indexed by `i − j + N − 1`.
    static func lagTable(_ axis: [Double]) -> [Double] {
        let n = axis.count
        let h = n > 1 ? (axis[n - 1] - axis[0]) / Double(n - 1) : 0
        return (0..<(2 * n - 1)).map { Double($0 - (n - 1)) * h }
    }
}
