import Foundation
import SparseSolvers

/// Solves a sequence of related sparse systems A⁽ⁱ⁾ x⁽ⁱ⁾ = b⁽ⁱ⁾ in the given order with one
/// `LinearSolver` per strategy, set up for each new matrix, so whatever can be reused carries over:
/// CHOLMOD's symbolic analysis for a fixed sparsity pattern (`DirectLinearSolver`), or GCRO-DR's
/// recycled subspace (`KrylovLinearSolver`; kept in solution space, so rebuilding the
/// preconditioner for every system costs the recycle space only k SpMVs C = A Z per system).
///
/// `.auto` solves the first `probeCount` systems both directly and with recycling, compares the
/// median times and keeps the faster; `choiceReason` says what was measured. Direct solves are
/// checked by their residual against the same stopping criterion as the iterative ones.
///
/// References: Wang et al., ICLR 2024 (SKR); Parks et al., SIAM J. Sci. Comput. 2006 (GCRO-DR).
public final class SequenceSolver {
    public let requestedStrategy: SequenceSolveStrategy
    /// Tolerances, preconditioner, restart and recycling shared by every strategy (the method is the strategy's).
    public let configuration: SolverConfiguration
    public var criterion: StoppingCriterion { configuration.criterion }
    /// The strategy actually used (resolved from `.auto` after the probe).
    public private(set) var chosenStrategy: SequenceSolveStrategy?
    /// Why `chosenStrategy` was picked.
    public private(set) var choiceReason: String = ""
    /// Number of systems `.auto` measures both ways.
    public let probeCount: Int

    /// One `LinearSolver` per strategy used, kept over the sequence (CHOLMOD's analysis, the recycle space).
    private var solvers: [SequenceSolveStrategy: any LinearSolver] = [:]
    private var probeTimes: [SequenceSolveStrategy: [Double]] = [:]
    private var solvedCount = 0
    private var probeIterations: [Int] = []

    /// CHOLMOD's analysis behind the direct solves (ordering, supernodal or simplicial, amalgamation),
    /// nil before the first direct solve or when only LU was used.
    public var directAnalysisDescription: String? { (solvers[.direct] as? DirectLinearSolver)?.choleskyAnalysisDescription }

    /// Fixes the strategy without probing (e.g. when resuming a run whose `.auto` choice is recorded).
    public func adopt(_ strategy: SequenceSolveStrategy, reason: String) {
        precondition(strategy != .auto, "adopt needs a concrete strategy")
        chosenStrategy = strategy
        choiceReason = reason
    }

    /// - Throws: `SolverConfigurationError` when the configuration is invalid for the Krylov strategies.
    public init(strategy: SequenceSolveStrategy, configuration: SolverConfiguration = SolverConfiguration(), probeCount: Int = 3) throws {
        requestedStrategy = strategy
        self.configuration = configuration
        self.probeCount = max(1, probeCount)
        for method in [strategy.method ?? .direct, strategy.method ?? .gcrodr] {
            var concrete = configuration
            concrete.method = method
            if method == .direct { concrete.preconditioner = .none }
            try concrete.validate()
        }
        if strategy != .auto { chosenStrategy = strategy; choiceReason = "requested" }
    }

    /// Solves the next system of the sequence.
    /// - Throws: `DirectSolverError` for singular systems on the direct path, `SolverConfigurationError`
    ///   or `PreconditionerError` from the set-up, or `SequenceSolverError.notConverged` when a solve
    ///   misses its tolerance.
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
        choiceReason = String(format: "auto: median over %ld probe systems, direct %.2f ms vs recycling %.2f ms (%@)",
                              probeTimes[.direct]?.count ?? 0, direct * 1000, recycling * 1000, iterations)
    }

    private func timed(_ body: () throws -> SolveResult) throws -> (result: SolveResult, seconds: Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        return (result, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// The kept solver of a concrete strategy (made on first use).
    private func solver(for strategy: SequenceSolveStrategy) throws -> any LinearSolver {
        if let existing = solvers[strategy] { return existing }
        guard let method = strategy.method else { preconditionFailure("auto is resolved before solving") }
        var concrete = configuration
        concrete.method = method
        if method == .direct { concrete.preconditioner = .none }
        let made = try concrete.makeSolver()
        solvers[strategy] = made
        return made
    }

    /// Set-up for the new matrix (factorization or preconditioner), then the solve; a missed
    /// tolerance is an error.
    private func solve(_ matrix: CSRMatrix, _ b: [Double], _ initialGuess: [Double]?,
                       with strategy: SequenceSolveStrategy) throws -> SolveResult {
        let solver = try solver(for: strategy)
        try solver.setup(matrix)
        let result = try solver.solve(b, initialGuess: initialGuess)
        guard result.report.converged else {
            throw SequenceSolverError.notConverged(method: result.report.method, iterations: result.report.iterations,
                                                   relativeResidual: result.report.relativeResidual)
        }
        return result
    }
}

/// Errors of a sequence solve; each prints as one line.
public enum SequenceSolverError: Error, Equatable, CustomStringConvertible {
    case notConverged(method: String, iterations: Int, relativeResidual: Double)

    public var description: String {
        switch self {
        case .notConverged(let method, let iterations, let relativeResidual):
            return String(format: "%@ did not converge: relative residual %.3e after %ld iterations", method, relativeResidual, iterations)
        }
    }
}
