import Foundation
import SparseSolvers

/// Solves a sequence of related sparse systems A⁽ⁱ⁾ x⁽ⁱ⁾ = b⁽ⁱ⁾ in the given order, carrying
/// over whatever can be reused: CHOLMOD's symbolic analysis for a fixed sparsity pattern, or
/// GCRO-DR's recycled subspace (kept in solution space, so rebuilding the preconditioner for every
/// system costs the recycle space only k SpMVs C = A Z per system).
///
/// `.auto` solves the first `probeCount` systems both directly and with recycling, compares the
/// median times and keeps the faster; `choiceReason` says what was measured. Direct solves are
/// checked by their residual against the same stopping criterion as the iterative ones.
///
/// References: Wang et al., ICLR 2024 (SKR); Parks et al., SIAM J. Sci. Comput. 2006 (GCRO-DR).
public final class SequenceSolver {
    public let requestedStrategy: SequenceSolveStrategy
    public let criterion: StoppingCriterion
    /// The strategy actually used (resolved from `.auto` after the probe).
    public private(set) var chosenStrategy: SequenceSolveStrategy?
    /// Why `chosenStrategy` was picked.
    public private(set) var choiceReason: String = ""
    /// Number of systems `.auto` measures both ways.
    public let probeCount: Int
    public let restart: Int
    public let recycledCount: Int
    /// Right preconditioner for the Krylov strategies (kept fixed over the sequence), or nil.
    public var preconditionerFactory: ((CSRMatrix) throws -> any LinearOperator)?

    private var cholesky: CholeskyFactorization?
    private var choleskyPattern: (rowOffsets: [Int], columnIndices: [Int])?
    private let recycler: GCRODR
    private var probeTimes: [SequenceSolveStrategy: [Double]] = [:]
    private var solvedCount = 0
    private var probeIterations: [Int] = []
    private var choleskyFailed = false

    /// Fixes the strategy without probing (e.g. when resuming a run whose `.auto` choice is recorded).
    public func adopt(_ strategy: SequenceSolveStrategy, reason: String) {
        precondition(strategy != .auto, "adopt needs a concrete strategy")
        chosenStrategy = strategy
        choiceReason = reason
    }

    public init(strategy: SequenceSolveStrategy, criterion: StoppingCriterion, probeCount: Int = 3,
                restart: Int = 40, recycledCount: Int = 20) {
        requestedStrategy = strategy
        self.criterion = criterion
        self.probeCount = max(1, probeCount)
        self.restart = restart
        self.recycledCount = recycledCount
        recycler = GCRODR(restart: restart, recycledCount: recycledCount, criterion: criterion)
        if strategy != .auto { chosenStrategy = strategy; choiceReason = "requested" }
    }

    /// Solves the next system of the sequence.
    /// - Throws: `DirectSolverError` for singular or indefinite systems on the direct path, or
    ///   `SequenceSolverError.notConverged` when an iterative solve misses its tolerance.
    public func solve(_ matrix: CSRMatrix, rightHandSide b: [Double], initialGuess: [Double]? = nil) throws -> SolveResult {
        defer { solvedCount += 1 }
        if let chosen = chosenStrategy {
            return try solve(matrix, b, initialGuess, with: chosen)
        }
        // Probe: both candidates on the same system; the direct answer is returned.
        // A recycling failure (e.g. stagnation on an indefinite system) counts as infinitely slow.
        let recycled = try? timed { try solve(matrix, b, initialGuess, with: .recycling) }
        let direct = try timed { try solve(matrix, b, initialGuess, with: .direct) }
        probeTimes[.recycling, default: []].append(recycled?.seconds ?? .infinity)
        if let recycled { probeIterations.append(recycled.result.report.iterations) }
        probeTimes[.direct, default: []].append(direct.seconds)
        if solvedCount + 1 >= probeCount { decide() }
        return direct.result
    }

    private func decide() {
        func median(_ values: [Double]) -> Double { let s = values.sorted(); return s[s.count / 2] }
        let direct = median(probeTimes[.direct] ?? [.infinity]), recycling = median(probeTimes[.recycling] ?? [.infinity])
        chosenStrategy = direct <= recycling ? .direct : .recycling
        let iterations = probeIterations.isEmpty ? "failed" : "\(probeIterations.sorted()[probeIterations.count / 2]) it"
        choiceReason = String(format: "auto: median over %d probe systems, direct %.2f ms vs recycling %.2f ms (%@)",
                              probeTimes[.direct]?.count ?? 0, direct * 1000, recycling * 1000, iterations)
    }

    private func timed(_ body: () throws -> SolveResult) throws -> (result: SolveResult, seconds: Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        return (result, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    private func solve(_ matrix: CSRMatrix, _ b: [Double], _ initialGuess: [Double]?,
                       with strategy: SequenceSolveStrategy) throws -> SolveResult {
        switch strategy {
        case .direct:
            return try solveDirectly(matrix, b)
        case .gmres:
            var gmres = GMRES(restart: restart, criterion: criterion)
            gmres.preconditioner = try preconditionerFactory?(matrix)
            return try checked(gmres.solve(matrix, rightHandSide: b, initialGuess: initialGuess))
        case .recycling:
            recycler.preconditioner = try preconditionerFactory?(matrix)
            return try checked(recycler.solve(matrix, rightHandSide: b, initialGuess: initialGuess))
        case .auto:
            preconditionFailure("auto is resolved before solving")
        }
    }

    private func checked(_ result: SolveResult) throws -> SolveResult {
        guard result.report.converged else {
            throw SequenceSolverError.notConverged(method: result.report.method, iterations: result.report.iterations,
                                                   relativeResidual: result.report.relativeResidual)
        }
        return result
    }

    private func choleskySolve(_ matrix: CSRMatrix, _ b: [Double]) throws -> [Double] {
        if cholesky == nil || choleskyPattern?.rowOffsets != matrix.rowOffsets || choleskyPattern?.columnIndices != matrix.columnIndices {
            cholesky = try CholeskyFactorization(analyzing: matrix)
            choleskyPattern = (matrix.rowOffsets, matrix.columnIndices)
        }
        try cholesky!.factorize(matrix)
        return try cholesky!.solve(b)
    }

    /// CHOLMOD with the analysis reused while the pattern stays the same; UMFPACK if the matrix is
    /// not symmetric. The report carries the measured residual.
    private func solveDirectly(_ matrix: CSRMatrix, _ b: [Double]) throws -> SolveResult {
        let start = DispatchTime.now().uptimeNanoseconds
        let solution: [Double]
        let method: String
        if !choleskyFailed, matrix.isSymmetric(relativeTolerance: 1e-12), let x = try? choleskySolve(matrix, b) {
            solution = x
            method = "CHOLMOD (analysis reused)"
        } else {
            // Symmetric indefinite (Helmholtz) or nonsymmetric: UMFPACK from here on.
            if matrix.isSymmetric(relativeTolerance: 1e-12) { choleskyFailed = true }
            solution = try LUFactorization(matrix).solve(b)
            method = "UMFPACK"
        }
        let residual = matrix.applied(to: solution)
        var residualNorm = 0.0, rhsNorm = 0.0
        for i in 0..<b.count { let r = b[i] - residual[i]; residualNorm += r * r; rhsNorm += b[i] * b[i] }
        residualNorm = residualNorm.squareRoot(); rhsNorm = rhsNorm.squareRoot()
        let relative = rhsNorm > 0 ? residualNorm / rhsNorm : residualNorm
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let report = SolveReport(outcome: residualNorm <= criterion.threshold(rightHandSideNorm: rhsNorm) ? .converged : .stagnation,
                                 iterations: 1, residualNorms: [rhsNorm, residualNorm], relativeResidual: relative,
                                 method: method, seconds: seconds, operatorApplications: 1)
        return try checked(SolveResult(solution: solution, report: report))
    }
}

/// Errors of a sequence solve; each prints as one line.
public enum SequenceSolverError: Error, Equatable, CustomStringConvertible {
    case notConverged(method: String, iterations: Int, relativeResidual: Double)

    public var description: String {
        switch self {
        case .notConverged(let method, let iterations, let relativeResidual):
            return String(format: "%@ did not converge: relative residual %.3e after %d iterations", method, relativeResidual, iterations)
        }
    }
}
