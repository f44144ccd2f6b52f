import Testing
import Foundation
import SparseSolvers

@Suite struct RecyclingTests {
    /// A sequence of 10 convection–diffusion matrices (cell Péclet number ≈ 0.2) whose velocity field turns slowly.
    static func sequence(n: Int) -> [CSRMatrix] {
        (0..<10).map { s in
            let angle = 0.3 + 0.05 * Double(s)
            return ModelProblems.convectionDiffusion2D(n: n, diffusion: 1) { x, y in
                (8 * cos(angle) * (1 + 0.5 * y), 8 * sin(angle) * (1 + 0.5 * x))
            }
        }
    }

    @Test func gcrodrNeedsFewerIterationsThanGMRESOnASequence() throws {
        let n = 40
        let criterion = StoppingCriterion(relativeTolerance: 1e-8, maximumIterations: 20_000)
        let matrices = Self.sequence(n: n)
        let gcrodr = GCRODR(restart: 40, recycledCount: 20, criterion: criterion)
        let gmres = GMRES(restart: 40, criterion: criterion)
        var rng = TestRandom(seed: 5)
        var recycledIterations = 0, gmresIterations = 0, freshIterations = 0
        var recycledProducts = 0, gmresProducts = 0
        for a in matrices {
            let xStar = manufacturedSolution(a.rowCount).map { $0 + 0.01 * rng.next() }
            let b = a.applied(to: xStar)
            let reference = try LUFactorization(a).solve(b)
            let r1 = gcrodr.solve(a, rightHandSide: b)
            let r2 = gmres.solve(a, rightHandSide: b)
            // The same method without carrying the space over from the previous system.
            let r3 = GCRODR(restart: 40, recycledCount: 20, criterion: criterion).solve(a, rightHandSide: b)
            #expect(r3.report.converged)
            freshIterations += r3.report.iterations
            #expect(r1.report.converged && r2.report.converged)
            #expect(relativeError(r1.solution, reference) < 1e-5)
            #expect(relativeError(r2.solution, reference) < 1e-5)
            recycledIterations += r1.report.iterations; gmresIterations += r2.report.iterations
            recycledProducts += r1.report.operatorApplications; gmresProducts += r2.report.operatorApplications
        }
        #expect(gcrodr.recycledDimension == 20)
        // Recycling must clearly pay: at most 60% of GMRES(40)'s iterations and operator products.
        #expect(Double(recycledIterations) < 0.6 * Double(gmresIterations), "GCRO-DR \(recycledIterations) vs GMRES \(gmresIterations)")
        #expect(Double(recycledProducts) < 0.6 * Double(gmresProducts), "products \(recycledProducts) vs \(gmresProducts)")
        // ...and carrying U over between systems must pay on its own (not just deflated restarting).
        #expect(Double(recycledIterations) < 0.75 * Double(freshIterations), "recycled \(recycledIterations) vs fresh \(freshIterations)")
    }

    @Test func recycledSpaceSatisfiesItsInvariants() {
        // After a solve, a fresh solve with the same matrix and a zero right-hand side is trivial, and
        // re-solving the same system from its own solution takes no iterations.
        let a = ModelProblems.convectionDiffusion2D(n: 24, diffusion: 1, velocity: (8, 4))
        let solver = GCRODR(restart: 30, recycledCount: 10, criterion: StoppingCriterion(relativeTolerance: 1e-10))
        let b = a.applied(to: manufacturedSolution(a.rowCount))
        let first = solver.solve(a, rightHandSide: b)
        #expect(first.report.converged && solver.recycledDimension == 10)
        let again = solver.solve(a, rightHandSide: b, initialGuess: first.solution)
        #expect(again.report.converged && again.report.iterations == 0)
        // Same matrix, new right-hand side: recycling alone (no recomputation of C) still converges.
        let b2 = a.applied(to: manufacturedSolution(a.rowCount).map { $0 * $0 })
        let second = solver.solve(a, rightHandSide: b2, initialGuess: nil, operatorChanged: false)
        let fresh = GCRODR(restart: 30, recycledCount: 10, criterion: StoppingCriterion(relativeTolerance: 1e-10))
            .solve(a, rightHandSide: b2)
        #expect(second.report.converged && fresh.report.converged)
        #expect(second.report.iterations < fresh.report.iterations, "recycled \(second.report.iterations) vs fresh \(fresh.report.iterations)")
        solver.resetRecycledSpace()
        #expect(solver.recycledDimension == 0)
    }

    @Test func gcrodrWithRightPreconditioner() throws {
        let a = ModelProblems.convectionDiffusion2D(n: 32, diffusion: 0.02, velocity: (1, 0.3))
        let xStar = manufacturedSolution(a.rowCount)
        let solver = GCRODR(restart: 30, recycledCount: 10, criterion: StoppingCriterion(relativeTolerance: 1e-10),
                            preconditioner: try IncompleteLU(a))
        let r = solver.solve(a, rightHandSide: a.applied(to: xStar))
        #expect(r.report.converged)
        #expect(relativeError(r.solution, xStar) < 1e-7)
    }

    /// The recycle space lives in solution space, so the right preconditioner may change between systems
    /// (ILU(0) rebuilt per system, as the SKR generator does): every solve still agrees with a direct
    /// solve, and carrying the space over still saves iterations against starting afresh.
    @Test func recyclingSurvivesAPreconditionerRebuiltPerSystem() throws {
        let criterion = StoppingCriterion(relativeTolerance: 1e-9, maximumIterations: 20_000)
        let solver = GCRODR(restart: 30, recycledCount: 10, criterion: criterion)
        var recycled = 0, fresh = 0
        for a in Self.sequence(n: 32) {
            let b = a.applied(to: manufacturedSolution(a.rowCount))
            let reference = try LUFactorization(a).solve(b)
            solver.preconditioner = try IncompleteLU(a)
            let r = solver.solve(a, rightHandSide: b)
            #expect(r.report.converged)
            #expect(relativeError(r.solution, reference) < 1e-6)
            recycled += r.report.iterations
            fresh += GCRODR(restart: 30, recycledCount: 10, criterion: criterion, preconditioner: try IncompleteLU(a))
                .solve(a, rightHandSide: b).report.iterations
        }
        #expect(recycled < fresh, "recycled \(recycled) vs fresh \(fresh)")
    }
}
