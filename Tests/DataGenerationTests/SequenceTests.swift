import TestSupport
import Foundation
import Testing
import SparseSolvers
import DataGeneration

/// The SKR building blocks: similarity sorting and sequence solves with reuse.
@Suite struct SequenceTests {
    /// Deterministic pseudo-random numbers for the tests (SplitMix64).
    struct Mixer {
        var state: UInt64
        mutating func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
    }

    /// Points on a curve, shuffled: the greedy walk from the curve's end recovers the curve order.
    @Test func greedyWalkRecoversACurve() {
        var mixer = Mixer(state: 1)
        let count = 200
        var parameters = (0..<count).map { Double($0) / Double(count) }
        for i in stride(from: count - 1, to: 1, by: -1) { parameters.swapAt(i, 1 + Int(mixer.next() * Double(i))) }
        // Sample 0 sits at t = 0, the curve's end.
        let features = parameters.map { t in [cos(3 * t), sin(3 * t), t] }
        let order = SimilarityOrdering.order(features, strategy: .greedyNearestNeighbor)
        #expect(order.sorted() == Array(0..<count))
        #expect(order.map { parameters[$0] } == parameters.sorted())
    }

    /// Sorting shortens the walk: mean neighbour distance well below the sampled order's, for both
    /// the greedy and the partitioned strategies, and both return permutations.
    @Test func sortingShortensNeighbourDistances() {
        var mixer = Mixer(state: 2)
        let features = (0..<600).map { _ in (0..<6).map { _ in mixer.next() } }
        let unsorted = SimilarityOrdering.meanNeighborDistance(features, order: Array(0..<600))
        for strategy in [SimilarityOrdering.Strategy.greedyNearestNeighbor, .partitioned(maximumBucketSize: 80, partitionFeatureCount: 3)] {
            let order = SimilarityOrdering.order(features, strategy: strategy)
            #expect(order.sorted() == Array(0..<600), "\(strategy) must return a permutation")
            let sorted = SimilarityOrdering.meanNeighborDistance(features, order: order)
            #expect(sorted < 0.6 * unsorted, "\(strategy): \(sorted) vs unsorted \(unsorted)")
        }
    }

    /// A family of SPD systems A(s) = L + s·I with slowly varying s and right-hand sides.
    func family(count: Int, n: Int) -> [(CSRMatrix, [Double])] {
        let laplacian = ModelProblems.poisson2D(n: n)
        return (0..<count).map { i in
            let shift = 0.5 + 0.02 * Double(i)
            let b = (0..<(n * n)).map { k in sin(Double(k) * 0.01) + 0.01 * Double(i) }
            return (laplacian.addingToDiagonal(shift), b)
        }
    }

    /// Every strategy returns solutions matching a fresh direct solve; recycling needs fewer
    /// iterations than independent GMRES on the same sequence.
    @Test func strategiesAgreeWithDirectSolves() throws {
        let systems = family(count: 6, n: 24)
        let configuration = SolverConfiguration(relativeTolerance: 1e-9, maximumIterations: 5_000, restart: 30, recycledCount: 10)
        var iterations: [SequenceSolveStrategy: Int] = [:]
        for strategy in SequenceSolveStrategy.allCases {
            let solver = try SequenceSolver(strategy: strategy, configuration: configuration, probeCount: 2)
            for (matrix, b) in systems {
                let result = try solver.solve(matrix, rightHandSide: b)
                let reference = try CholeskyFactorization(matrix).solve(b)
                let error = zip(result.solution, reference).map { abs($0 - $1) }.maxOrNaN()!
                let scale = reference.map(abs).maxOrNaN()!
                #expect(error / scale < 1e-6, "\(strategy): error \(error / scale)")
                iterations[strategy, default: 0] += result.report.iterations
            }
            if strategy == .auto {
                #expect(solver.chosenStrategy == .direct || solver.chosenStrategy == .recycling)
                #expect(solver.choiceReason.hasPrefix("auto:"))
            }
        }
        #expect(iterations[.recycling]! < iterations[.gmres]!, "recycling \(iterations[.recycling]!) vs GMRES \(iterations[.gmres]!)")
    }

    /// Non-convergence is reported as a typed error; an indefinite symmetric system makes the direct
    /// path fall back from CHOLMOD to UMFPACK, and the answer solves the system.
    @Test func failuresAreReported() throws {
        let (matrix, b) = family(count: 1, n: 16)[0]
        let tight = try SequenceSolver(strategy: .gmres, configuration: SolverConfiguration(relativeTolerance: 1e-12, maximumIterations: 3))
        #expect(throws: SequenceSolverError.self) { try tight.solve(matrix, rightHandSide: b) }
        let indefinite = matrix.addingToDiagonal(-3)
        let direct = try SequenceSolver(strategy: .direct)
        let result = try direct.solve(indefinite, rightHandSide: b)
        #expect(result.report.factorization == .umfpackLU && result.report.method == "UMFPACK LU")
        let ax = indefinite.applied(to: result.solution)
        let residual = zip(ax, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        let norm = b.map { $0 * $0 }.reduce(0, +).squareRoot()
        #expect(residual <= 1e-10 * norm)
    }
}
