// Example 1: solve a Poisson system with PDEKit's sparse solvers.
//
//   −Δu = f on (0,1)², u = 0 on the boundary, with the manufactured solution u = sin(πx) sin(πy)
//   (f = 2π² sin(πx) sin(πy)), discretized by the 5-point stencil on n × n interior nodes.
//
// Solves with CHOLMOD (direct) and with IC(0)-preconditioned CG on successively finer grids, prints
// iterations, residuals and the error against the exact solution, and the observed order of
// convergence (2 for this scheme). `--smoke` uses small grids (the test suite runs it).
import Foundation
import PDEKit

let arguments = CommandLine.arguments.dropFirst()
if arguments.contains("--help") {
    print("usage: example-poisson-solve [--smoke]\n  Solves −Δu = f on the unit square at three resolutions and reports the convergence order.")
    exit(0)
}
let smoke = arguments.contains("--smoke")
if let unknown = arguments.first(where: { $0 != "--smoke" }) {
    FileHandle.standardError.write(Data("error: unknown option '\(unknown)' (see --help)\n".utf8))
    exit(2)
}

let sizes = smoke ? [15, 31, 63] : [63, 127, 255]
var previousError: Double?
print("   n   unknowns  CG+IC(0) its  CG residual  direct residual  max error vs exact  order")
for n in sizes {
    let h = 1 / Double(n + 1)
    let a = ModelProblems.poisson2D(n: n)        // scaled by h²
    var exact = [Double](repeating: 0, count: n * n), b = exact
    for j in 0..<n {
        for i in 0..<n {
            let x = Double(i + 1) * h, y = Double(j + 1) * h
            exact[i + n * j] = sin(.pi * x) * sin(.pi * y)
            b[i + n * j] = h * h * 2 * .pi * .pi * exact[i + n * j]
        }
    }
    do {
        let direct = try CholeskyFactorization(a).solve(b)
        let cg = ConjugateGradient(criterion: StoppingCriterion(relativeTolerance: 1e-10), preconditioner: try IncompleteCholesky(a))
            .solve(a, rightHandSide: b)
        guard cg.report.converged else {
            FileHandle.standardError.write(Data("error: CG did not converge: \(cg.report.outcome)\n".utf8))
            exit(1)
        }
        let directResidual = VectorOperations.norm(VectorOperations.residual(a, direct, b)) / VectorOperations.norm(b)
        let error = zip(direct, exact).map { abs($0 - $1) }.max()!
        let order = previousError.map { log2($0 / error) }
        print(String(format: "%4d %10d %13d %12.1e %16.1e %19.3e  %@", n, n * n, cg.report.iterations, cg.report.relativeResidual,
                     directResidual, error, order.map { String(format: "%.2f", $0) } ?? "  -"))
        previousError = error
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
}
