import Foundation
import Testing
import PDEKit
import PDEKitC

/// The C API's newer solver codes (MINRES, FGMRES, BiCGStab; geometric multigrid, BoomerAMG, ILUT)
/// against a direct solve, and their option setters' error paths.
@Suite struct SolverCodesCAPITests {
    /// AMG and ILUT are hypre's, which runs on MPI: the host (this test process) initializes it.
    init() throws { try MPIRuntime.initializeForHypre() }

    func solve(_ a: CSRMatrix, method: Int32, preconditioner: Int32, configure: (OpaquePointer?) -> Int32 = { _ in 0 }) throws -> (status: Int32, x: [Double], truth: [Double], name: String) {
        let b = (0..<a.rowCount).map { sin(Double($0) * 0.37) + 1 }
        let truth = try LUFactorization(a).solve(b)
        let matrix = try CAPITests.makeMatrix(a)
        defer { pdekit_matrix_free(matrix) }
        var solver: OpaquePointer?
        try #require(pdekit_solver_create(method, &solver) == 0, "\(CAPITests.lastError())")
        defer { pdekit_solver_free(solver) }
        #expect(pdekit_solver_set_tolerance(solver, 1e-10, 2000) == 0)
        #expect(configure(solver) == 0, "\(CAPITests.lastError())")
        #expect(pdekit_solver_set_preconditioner(solver, preconditioner) == 0, "\(CAPITests.lastError())")
        var x = [Double](repeating: 0, count: a.rowCount)
        let status = pdekit_solver_solve(solver, matrix, b, &x, Int64(a.rowCount), 0)
        let name = String(cString: try #require(pdekit_solver_method_name(solver)))
        return (status, x, truth, name)
    }

    @Test func newMethodsAndPreconditionersMatchTheDirectSolve() throws {
        let spd = ModelProblems.poisson2D(n: 24)
        let nonsymmetric = ModelProblems.convectionDiffusion2D(n: 24, diffusion: 0.01, velocity: (1, 0.5))
        // MINRES 5, FGMRES 6, BiCGStab 7 with no preconditioner, AMG 6 and ILUT 7; CG with multigrid 5.
        var cases: [(CSRMatrix, Int32, Int32, String)] = []
        for method: Int32 in [5, 6, 7] { for preconditioner: Int32 in [0, 6] { cases.append((spd, method, preconditioner, "spd")) } }
        for method: Int32 in [6, 7] { cases.append((nonsymmetric, method, 7, "nonsymmetric")) }
        for (a, method, preconditioner, label) in cases {
            let result = try solve(a, method: method, preconditioner: preconditioner)
            #expect(result.status == 0, "\(label) method \(method)+\(preconditioner): \(CAPITests.lastError())")
            #expect(CAPITests.relativeDifference(result.x, result.truth) < 1e-7, "\(label) \(result.name)")
        }
        let multigrid = try solve(spd, method: 1, preconditioner: 5) { solver in
            pdekit_solver_set_grid(solver, [24, 24], 2)
        }
        #expect(multigrid.status == 0 && CAPITests.relativeDifference(multigrid.x, multigrid.truth) < 1e-7, "\(multigrid.name)")
        let air = try solve(nonsymmetric, method: 2, preconditioner: 6) { solver in
            pdekit_solver_set_amg(solver, 2, 0.25, 1, nil, 0, 0)
        }
        #expect(air.status == 0 && air.name.contains("AMG(air)"), "\(air.name): \(CAPITests.lastError())")
        #expect(CAPITests.relativeDifference(air.x, air.truth) < 1e-7)
        // PDEKIT_AMG_SMOOTHER_L1_JACOBI 2 and CHEBYSHEV 3, kept across a later pdekit_solver_set_amg.
        for (code, name) in [(Int32(2), "l1-jacobi"), (3, "chebyshev")] {
            let smoothed = try solve(spd, method: 1, preconditioner: 6) { solver in
                let status = pdekit_solver_set_amg_smoother(solver, code)
                return status != 0 ? status : pdekit_solver_set_amg(solver, 0, 0.25, 1, nil, 0, 0)
            }
            #expect(smoothed.status == 0 && smoothed.name.contains("AMG(classical,\(name))"), "\(smoothed.name): \(CAPITests.lastError())")
            #expect(CAPITests.relativeDifference(smoothed.x, smoothed.truth) < 1e-7)
        }
    }

    @Test func elasticityWithNearNullspaceVectorsThroughTheCAPI() throws {
        let (a, coordinates) = ModelProblems.elasticity2D(n: 12)
        let rotation = AlgebraicMultigridOptions(unknownsPerNode: 2, nearNullspace: .rigidBodyModes(coordinates: coordinates, dimension: 2))
            .nearNullspaceVectors()![0]
        let result = try solve(a, method: 1, preconditioner: 6) { solver in
            pdekit_solver_set_amg(solver, 0, 0.25, 2, rotation, 1, Int64(a.rowCount))
        }
        #expect(result.status == 0, "\(CAPITests.lastError())")
        #expect(CAPITests.relativeDifference(result.x, result.truth) < 1e-7)
        #expect(result.name.contains("nullspace=1"))
    }

    @Test func invalidCodesAndSettingsReturnInvalidArgument() {
        var solver: OpaquePointer?
        #expect(pdekit_solver_create(8, &solver) == 2)
        #expect(pdekit_solver_create(1, &solver) == 0)
        defer { pdekit_solver_free(solver) }
        #expect(pdekit_solver_set_preconditioner(solver, 8) == 2)
        #expect(pdekit_solver_set_amg(solver, 3, 0.25, 1, nil, 0, 0) == 2)
        #expect(pdekit_solver_set_amg(solver, 0, 1.5, 1, nil, 0, 0) == 2)
        #expect(pdekit_solver_set_amg(solver, 0, 0.25, 0, nil, 0, 0) == 2)
        #expect(pdekit_solver_set_amg(solver, 0, 0.25, 1, nil, 1, 10) == 1)      // NULL vectors
        #expect(pdekit_solver_set_amg_smoother(solver, 4) == 2)
        #expect(pdekit_solver_set_amg_smoother(solver, -1) == 2)
        #expect(pdekit_solver_set_amg_smoother(solver, 3) == 0)                  // Chebyshev …
        #expect(pdekit_solver_set_amg(solver, 2, 0.25, 1, nil, 0, 0) == 2)       // … is not AIR's
        #expect(pdekit_solver_set_amg_smoother(solver, 0) == 0)
        #expect(pdekit_solver_set_amg(solver, 2, 0.25, 1, nil, 0, 0) == 0)
        #expect(pdekit_solver_set_amg_smoother(solver, 1) == 2)                  // AIR takes only AUTO
        #expect(pdekit_solver_set_ilut(solver, -1, 10) == 2)
        #expect(pdekit_solver_set_ilut(solver, 1e-3, 0) == 2)
        #expect(pdekit_solver_set_grid(solver, [4, 0], 2) == 3)
        #expect(pdekit_solver_set_grid(solver, nil, 2) == 1)
    }
}
