import Foundation
import Testing
import Distributed
import SparseSolvers
import RunSupport

/// hypre's sparse products on a team of threads (`HypreThreadedProducts`): every preconditioner
/// application and every AMG-preconditioned solve gives the same bits with 1, 2 and 3 threads, and the
/// team is really used (products are split).
@Suite struct HypreThreadedProductsTests {
    init() throws { try MPIRuntime.initializeForHypre() }

    /// A 2-D diffusion matrix with coefficients that vary from cell to cell (no symmetry of the
    /// stencil for rounding to hide behind), n² rows, 5 entries per row: 125 000 entries at n = 158.
    static func variableDiffusion(n: Int) -> CSRMatrix {
        var generator = TestRandom(seed: 17)
        let k = (0..<(n + 1) * (n + 1)).map { _ in 0.1 + abs(generator.next()) }
        var rowOffsets = [0], columns: [Int] = [], values: [Double] = []
        for j in 0..<n {
            for i in 0..<n {
                let p = i + n * j
                let west = k[i + (n + 1) * j], east = k[i + 1 + (n + 1) * j]
                let south = k[i + (n + 1) * j] * 0.5 + 0.2, north = k[i + (n + 1) * (j + 1)] * 0.5 + 0.2
                if j > 0 { columns.append(p - n); values.append(-south) }
                if i > 0 { columns.append(p - 1); values.append(-west) }
                columns.append(p); values.append(west + east + south + north)
                if i < n - 1 { columns.append(p + 1); values.append(-east) }
                if j < n - 1 { columns.append(p + n); values.append(-north) }
                rowOffsets.append(columns.count)
            }
        }
        return CSRMatrix(rowCount: n * n, columnCount: n * n, rowOffsets: rowOffsets, columnIndices: columns, values: values)
    }

    /// The preconditioner's bits with `threads` threads per product.
    static func applications(_ preconditioner: HyprePreconditioner, _ vectors: [[Double]], threads: Int) -> [[Double]] {
        HypreThreadedProducts.threads = threads
        return vectors.map { preconditioner.applied(to: $0) }
    }

    @Test(arguments: [AlgebraicMultigridOptions.Smoother.chebyshev, .l1Jacobi, .gaussSeidel])
    func applicationsAreBitwiseTheSameOnEveryTeamSize(smoother: AlgebraicMultigridOptions.Smoother) throws {
        #expect(HypreThreadedProducts.isBound, "libHYPRE's mat-vec slot was not bound")
        let a = Self.variableDiffusion(n: 158)
        var generator = TestRandom(seed: 5)
        let vectors = [generator.vector(a.rowCount), [Double](repeating: 1, count: a.rowCount)]
        let preconditioner = try HyprePreconditioner(a, amg: AlgebraicMultigridOptions(smoother: smoother))
        defer { HypreThreadedProducts.threads = ProcessThreads.available }
        let serial = Self.applications(preconditioner, vectors, threads: 1)
        let splitBefore = HypreThreadedProducts.splitCount
        let pair = Self.applications(preconditioner, vectors, threads: 2)
        #expect(HypreThreadedProducts.splitCount > splitBefore, "no product was split across 2 threads")
        let three = Self.applications(preconditioner, vectors, threads: 3)
        for k in vectors.indices {
            let finite = serial[k].allSatisfy { $0.isFinite }
            #expect(finite, "\(smoother), vector \(k): a non-finite entry")
            let samePair = pair[k] == serial[k], sameThree = three[k] == serial[k]
            #expect(samePair, "\(smoother), vector \(k): 2 threads differ from 1 by \(maxAbsDifference(pair[k], serial[k])) at most")
            #expect(sameThree, "\(smoother), vector \(k): 3 threads differ from 1 by \(maxAbsDifference(three[k], serial[k])) at most")
        }
    }

    /// A whole CG + AMG solve: the same iterations, residual history and solution bits with 1 and 2
    /// threads per product, and the solution is the direct one.
    @Test func preconditionedSolveIsBitwiseTheSameAndMatchesTheDirectSolve() throws {
        let a = Self.variableDiffusion(n: 158)
        let b = a.applied(to: manufacturedSolution(a.rowCount))
        defer { HypreThreadedProducts.threads = ProcessThreads.available }
        var results: [SolveResult] = []
        for threads in [1, 2] {
            let preconditioner = try HyprePreconditioner(a, amg: AlgebraicMultigridOptions(smoother: .chebyshev))
            HypreThreadedProducts.threads = threads
            let solver = ConjugateGradient(criterion: StoppingCriterion(relativeTolerance: 1e-10, maximumIterations: 200), preconditioner: preconditioner)
            results.append(solver.solve(a, rightHandSide: b, initialGuess: nil))
        }
        #expect(results[0].report.outcome == .converged)
        let sameHistory = results[1].report.residualNorms == results[0].report.residualNorms
        #expect(sameHistory, "residual norms with 1 thread \(results[0].report.residualNorms), with 2 \(results[1].report.residualNorms)")
        let sameSolution = results[1].solution == results[0].solution
        #expect(sameSolution, "2 threads' solution differs from 1 thread's by \(maxAbsDifference(results[1].solution, results[0].solution)) at most")
        let reference = try CholeskyFactorization(a).solve(b)
        #expect(relativeError(results[1].solution, reference) < 1e-8)
    }

    @Test func teamSizeIsClampedToOneThroughEight() {
        defer { HypreThreadedProducts.threads = ProcessThreads.available }
        HypreThreadedProducts.threads = 0
        #expect(HypreThreadedProducts.threads == 1)
        HypreThreadedProducts.threads = 64
        #expect(HypreThreadedProducts.threads == 8)
    }
}
