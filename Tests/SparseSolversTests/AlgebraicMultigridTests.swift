import Foundation
import Testing
import Distributed
import SparseSolvers

/// hypre's BoomerAMG (classical, aggregation, AIR, near-nullspace vectors) and ILUT as preconditioners
/// of PDEKit's Krylov methods, checked against CHOLMOD/UMFPACK solutions.
@Suite struct AlgebraicMultigridTests {
    static let criterion = StoppingCriterion(relativeTolerance: 1e-10, maximumIterations: 500)

    /// hypre runs on MPI, which the host starts (the library never does): this test process is the host.
    init() throws { try MPIRuntime.initializeForHypre() }

    func solve(_ a: CSRMatrix, _ b: [Double], method: SolverConfiguration.Method, preconditioner: SolverConfiguration.Preconditioner = .amg,
               amg: AlgebraicMultigridOptions = AlgebraicMultigridOptions(), ilut: ThresholdILUOptions = ThresholdILUOptions()) throws -> SolveResult {
        var configuration = SolverConfiguration(method: method, preconditioner: preconditioner, relativeTolerance: 1e-10, maximumIterations: 500)
        configuration.amg = amg
        configuration.thresholdILU = ilut
        let solver = try configuration.makeSolver()
        try solver.setup(a)
        return try solver.solve(b)
    }

    @Test func amgPreconditionsEveryKrylovMethodOnPoisson() throws {
        let a = ModelProblems.poisson2D(n: 64)
        let xStar = manufacturedSolution(a.rowCount)
        let b = a.applied(to: xStar)
        let reference = try CholeskyFactorization(a).solve(b)
        for method in [SolverConfiguration.Method.conjugateGradient, .gmres, .flexibleGMRES, .biCGStab, .gcrodr, .minres] {
            let result = try solve(a, b, method: method)
            #expect(result.report.outcome == .converged, "\(result.report.method): \(result.report.outcome)")
            #expect(trueRelativeResidual(a, result.solution, b) <= 1e-10)
            #expect(relativeError(result.solution, reference) < 1e-7, "\(result.report.method) vs CHOLMOD")
            #expect(result.report.iterations <= 30, "\(result.report.method): \(result.report.iterations) iterations")
            #expect(result.report.method.contains("AMG(classical,chebyshev)"))
        }
    }

    @Test(arguments: [AlgebraicMultigridOptions.Smoother.gaussSeidel, .chebyshev, .automatic])
    func iterationsBarelyGrowWithTheGrid(smoother: AlgebraicMultigridOptions.Smoother) throws {
        var counts: [Int] = []
        for n in [64, 256] {
            let a = ModelProblems.poisson2D(n: n)
            let b = a.applied(to: manufacturedSolution(a.rowCount))
            let result = try solve(a, b, method: .conjugateGradient, amg: AlgebraicMultigridOptions(smoother: smoother))
            #expect(result.report.converged)
            #expect(trueRelativeResidual(a, result.solution, b) <= 1e-10)
            counts.append(result.report.iterations)
        }
        #expect(Double(counts[1]) < 1.5 * Double(counts[0]), "CG+AMG(\(smoother)) iterations 64² → 256²: \(counts)")
    }

    /// Every smoother, set explicitly, preconditions CG to the direct solution on an SPD Poisson matrix
    /// and on 2-D elasticity (scalar AMG, and systems AMG with d = 2), and the report names it.
    @Test(arguments: [AlgebraicMultigridOptions.Smoother.gaussSeidel, .l1Jacobi, .chebyshev])
    func everySmootherConvergesToTheDirectSolution(smoother: AlgebraicMultigridOptions.Smoother) throws {
        let poisson = ModelProblems.poisson2D(n: 48)
        let (elasticity, _) = ModelProblems.elasticity2D(n: 24)
        let cases: [(CSRMatrix, AlgebraicMultigridOptions)] = [
            (poisson, AlgebraicMultigridOptions(smoother: smoother)),
            (ModelProblems.poisson3D(n: 14), AlgebraicMultigridOptions(variant: .aggregation, smoother: smoother, strongThreshold: 0.5)),
            (elasticity, AlgebraicMultigridOptions(smoother: smoother)),
            (elasticity, AlgebraicMultigridOptions(smoother: smoother, unknownsPerNode: 2)),
        ]
        for (a, options) in cases {
            let b = a.applied(to: manufacturedSolution(a.rowCount))
            let reference = try CholeskyFactorization(a).solve(b)
            let result = try solve(a, b, method: .conjugateGradient, amg: options)
            #expect(result.report.converged, "\(result.report.method): \(result.report.outcome) after \(result.report.iterations)")
            #expect(relativeError(result.solution, reference) < 1e-6, "\(result.report.method) vs CHOLMOD")
            #expect(result.report.method.contains(smoother.rawValue), "\(result.report.method)")
        }
    }

    /// `.automatic`: Chebyshev for scalar AMG on sparse (2-D stencil) rows, Gauss–Seidel for systems,
    /// near-nullspace vectors, denser rows and AIR; explicit choices are kept.
    @Test func automaticSmootherRule() throws {
        let twoD = ModelProblems.poisson2D(n: 10), threeD = ModelProblems.poisson3D(n: 10)
        #expect(AlgebraicMultigridOptions().resolved(for: twoD).smoother == .chebyshev)
        #expect(AlgebraicMultigridOptions(variant: .aggregation).resolved(for: twoD).smoother == .chebyshev)
        #expect(AlgebraicMultigridOptions().resolved(for: threeD).smoother == .gaussSeidel)   // 6.4 entries per row
        #expect(AlgebraicMultigridOptions(unknownsPerNode: 2).resolved(for: twoD).smoother == .gaussSeidel)
        #expect(AlgebraicMultigridOptions(nearNullspace: .vectors([[Double](repeating: 1, count: 100)])).resolved(for: twoD).smoother == .gaussSeidel)
        #expect(AlgebraicMultigridOptions(variant: .air).resolved(for: twoD).smoother == .gaussSeidel)
        #expect(AlgebraicMultigridOptions(smoother: .l1Jacobi).resolved(for: twoD).smoother == .l1Jacobi)
        #expect(AlgebraicMultigridOptions(smoother: .chebyshev).resolved(for: threeD).smoother == .chebyshev)
        // The report names the smoother that ran.
        let b = twoD.applied(to: manufacturedSolution(twoD.rowCount))
        #expect(try solve(twoD, b, method: .conjugateGradient).report.method.contains("AMG(classical,chebyshev)"))
        // AIR has its own relaxation: another smoother is a typed configuration error.
        #expect(throws: SolverConfigurationError.self) {
            try AlgebraicMultigridOptions(variant: .air, smoother: .chebyshev).validate(rowCount: nil)
        }
        #expect(throws: SolverConfigurationError.self) {
            try self.solve(twoD, b, method: .gmres, amg: AlgebraicMultigridOptions(variant: .air, smoother: .gaussSeidel))
        }
    }

    @Test func aggregationAndThreeDimensionalPoisson() throws {
        let a = ModelProblems.poisson3D(n: 20)
        let b = a.applied(to: manufacturedSolution(a.rowCount))
        let reference = try CholeskyFactorization(a).solve(b)
        for variant in [AlgebraicMultigridOptions.Variant.classical, .aggregation] {
            let result = try solve(a, b, method: .conjugateGradient, amg: AlgebraicMultigridOptions(variant: variant, strongThreshold: 0.5))
            #expect(result.report.converged, "\(variant)")
            #expect(relativeError(result.solution, reference) < 1e-7)
            #expect(result.report.iterations <= 40, "\(variant): \(result.report.iterations)")
        }
    }

    @Test func elasticityWithAndWithoutRigidBodyModes() throws {
        let (a, coordinates) = ModelProblems.elasticity2D(n: 32)
        let xStar = manufacturedSolution(a.rowCount)
        let b = a.applied(to: xStar)
        let reference = try CholeskyFactorization(a).solve(b)
        let scalar = try solve(a, b, method: .conjugateGradient)
        let systems = try solve(a, b, method: .conjugateGradient, amg: AlgebraicMultigridOptions(unknownsPerNode: 2))
        let rigid = try solve(a, b, method: .conjugateGradient, amg: AlgebraicMultigridOptions(
            unknownsPerNode: 2, nearNullspace: .rigidBodyModes(coordinates: coordinates, dimension: 2)))
        let user = try solve(a, b, method: .gmres, amg: AlgebraicMultigridOptions(
            unknownsPerNode: 2, nearNullspace: .vectors(AlgebraicMultigridOptions(nearNullspace: .rigidBodyModes(coordinates: coordinates, dimension: 2)).nearNullspaceVectors()!)))
        for result in [scalar, systems, rigid, user] {
            #expect(result.report.converged, "\(result.report.method): \(result.report.outcome) after \(result.report.iterations)")
            #expect(relativeError(result.solution, reference) < 1e-6, "\(result.report.method) vs CHOLMOD")
        }
        #expect(rigid.report.method.contains("rbm"))
        #expect(rigid.report.iterations <= systems.report.iterations, "rigid-body modes \(rigid.report.iterations) vs none \(systems.report.iterations)")
    }

    @Test func airConvergesOnUpwindConvectionDiffusion() throws {
        let a = ModelProblems.convectionDiffusion2D(n: 64, diffusion: 0.001, velocity: (1.0, 0.6))
        let xStar = manufacturedSolution(a.rowCount)
        let b = a.applied(to: xStar)
        let reference = try LUFactorization(a).solve(b)
        for method in [SolverConfiguration.Method.gmres, .biCGStab] {
            let result = try solve(a, b, method: method, amg: AlgebraicMultigridOptions(variant: .air))
            #expect(result.report.converged, "\(result.report.method): \(result.report.outcome)")
            #expect(relativeError(result.solution, reference) < 1e-6)
            #expect(result.report.iterations <= 60, "\(result.report.method): \(result.report.iterations)")
        }
    }

    @Test func thresholdILUApproachesExactLU() throws {
        let a = ModelProblems.convectionDiffusion2D(n: 48, diffusion: 0.002, velocity: (1.0, 0.6))
        let b = a.applied(to: manufacturedSolution(a.rowCount))
        let reference = try LUFactorization(a).solve(b)
        let loose = try solve(a, b, method: .gmres, preconditioner: .thresholdILU, ilut: ThresholdILUOptions(dropTolerance: 1e-2, maximumRowFill: 5))
        let tight = try solve(a, b, method: .gmres, preconditioner: .thresholdILU, ilut: ThresholdILUOptions(dropTolerance: 1e-12, maximumRowFill: 2 * 48 + 10))
        for result in [loose, tight] {
            #expect(result.report.converged, "\(result.report.method)")
            #expect(relativeError(result.solution, reference) < 1e-6)
        }
        // No dropping within the band: the factors are exact and GMRES needs one or two steps.
        #expect(tight.report.iterations <= 3, "\(tight.report.iterations)")
        #expect(loose.report.iterations > tight.report.iterations)
    }

    @Test func invalidOptionsAndMatricesAreTypedErrors() throws {
        let a = ModelProblems.poisson2D(n: 8)
        #expect(throws: SolverConfigurationError.self) { try self.solve(a, [Double](repeating: 1, count: 64), method: .conjugateGradient, amg: AlgebraicMultigridOptions(strongThreshold: 1.5)) }
        #expect(throws: SolverConfigurationError.self) { try self.solve(a, [Double](repeating: 1, count: 64), method: .conjugateGradient, amg: AlgebraicMultigridOptions(unknownsPerNode: 3)) }
        #expect(throws: SolverConfigurationError.self) {
            try self.solve(a, [Double](repeating: 1, count: 64), method: .gmres, preconditioner: .thresholdILU, ilut: ThresholdILUOptions(dropTolerance: -1))
        }
        #expect(throws: SolverConfigurationError.self) {
            try self.solve(a, [Double](repeating: 1, count: 64), method: .conjugateGradient,
                           amg: AlgebraicMultigridOptions(unknownsPerNode: 2, nearNullspace: .rigidBodyModes(coordinates: [0, 1], dimension: 2)))
        }
        // A zero diagonal entry.
        let zeroDiagonal = CSRMatrix(dense: [[0, 1], [1, 2]])
        #expect(throws: PreconditionerError.zeroDiagonal(row: 0)) { _ = try HyprePreconditioner(zeroDiagonal, amg: AlgebraicMultigridOptions()) }
    }

    /// The across-ranks path (hypre IJ rows, hypre's Krylov methods, allgather of x) on the one rank of
    /// this process: each method and preconditioner against the direct solution.
    @Test func distributedSolverOnOneRankMatchesTheDirectSolve() throws {
        let world = try #require(DistributedHypreSolver.world)
        #expect(world.size == 1 && world.rank == 0)
        let spd = ModelProblems.poisson2D(n: 32)
        let nonsymmetric = ModelProblems.convectionDiffusion2D(n: 32, diffusion: 0.01, velocity: (1, 0.5))
        let cases: [(CSRMatrix, SolverConfiguration.Method, SolverConfiguration.Preconditioner, AlgebraicMultigridOptions.Variant)] = [
            (spd, .conjugateGradient, .amg, .classical), (spd, .conjugateGradient, .none, .classical), (spd, .flexibleGMRES, .amg, .aggregation),
            (nonsymmetric, .gmres, .amg, .air), (nonsymmetric, .biCGStab, .thresholdILU, .classical),
        ]
        for (a, method, preconditioner, variant) in cases {
            let b = (0..<a.rowCount).map { sin(0.3 * Double($0)) + 1 }
            let truth = try LUFactorization(a).solve(b)
            var configuration = SolverConfiguration(method: method, preconditioner: preconditioner, relativeTolerance: 1e-10, maximumIterations: 1000)
            configuration.amg.variant = variant
            let (result, setupSeconds) = try DistributedHypreSolver.solve(a, b, configuration: configuration)
            #expect(setupSeconds >= 0 && result.report.seconds >= 0)
            var squaredError = 0.0, squaredNorm = 0.0
            for i in 0..<truth.count {
                squaredError += (result.solution[i] - truth[i]) * (result.solution[i] - truth[i])
                squaredNorm += truth[i] * truth[i]
            }
            let difference = (squaredError / squaredNorm).squareRoot()   // NaN fails the check below
            #expect(result.report.outcome == .converged && result.report.relativeResidual <= 1e-10, "\(method) \(preconditioner): \(result.report)")
            #expect(difference < 1e-7, "\(method) \(preconditioner) \(variant): \(difference)")
            #expect(result.report.iterations >= 1 && result.report.method.contains("across 1 ranks"))
        }
        // What cannot run across ranks is refused with one line, before anything is solved.
        for (method, preconditioner) in [(SolverConfiguration.Method.direct, SolverConfiguration.Preconditioner.none), (.minres, .none), (.gcrodr, .amg), (.gmres, .incompleteLU)] {
            #expect(throws: DistributedSolveError.self) {
                try DistributedHypreSolver.solve(spd, [Double](repeating: 1, count: spd.rowCount),
                                                 configuration: SolverConfiguration(method: method, preconditioner: preconditioner))
            }
        }
    }
}
