import Foundation
import Testing
import PDEKit
import PDEKitC

/// The C API's entry points called directly (the same functions C sees through `pdekit.h`):
/// solvers against a direct solve, recycling across a sequence, DCDM, and every error path a caller
/// can cause returning a status code and a message instead of crashing.
@Suite struct CAPITests {
    /// A CSR copy of `a` in the caller's layout with each row's entries reversed and its diagonal split
    /// into two duplicate entries, to exercise sorting and duplicate summation.
    static func scrambledCSR(_ a: CSRMatrix) -> (offsets: [Int64], columns: [Int64], values: [Double]) {
        var offsets: [Int64] = [0], columns: [Int64] = [], values: [Double] = []
        for row in 0..<a.rowCount {
            for k in (a.rowOffsets[row]..<a.rowOffsets[row + 1]).reversed() {
                if a.columnIndices[k] == row {
                    columns += [Int64(row), Int64(row)]
                    values += [0.25 * a.values[k], 0.75 * a.values[k]]
                } else {
                    columns.append(Int64(a.columnIndices[k]))
                    values.append(a.values[k])
                }
            }
            offsets.append(Int64(values.count))
        }
        return (offsets, columns, values)
    }

    static func lastError() -> String { String(cString: pdekit_last_error()) }

    static func makeMatrix(_ a: CSRMatrix) throws -> OpaquePointer {
        let csr = scrambledCSR(a)
        var matrix: OpaquePointer?
        let status = pdekit_matrix_create_csr(Int64(a.rowCount), Int64(a.columnCount), Int64(csr.values.count), csr.offsets, csr.columns, csr.values, &matrix)
        try #require(status == 0, "create: \(lastError())")
        return try #require(matrix)
    }

    static func relativeDifference(_ x: [Double], _ y: [Double]) -> Double {
        sqrt(zip(x, y).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / y.map { $0 * $0 }.reduce(0, +))
    }

    @Test func everyMethodMatchesTheDirectSolveOnANonsymmetricAndAnSPDMatrix() throws {
        let spd = ModelProblems.poisson2D(n: 12)
        let nonsymmetric = ModelProblems.convectionDiffusion2D(n: 12, diffusion: 0.05, velocity: (1, 0.5))
        for (a, methods) in [(spd, [0, 1, 2, 3] as [Int32]), (nonsymmetric, [0, 2, 3])] {
            let b = (0..<a.rowCount).map { sin(Double($0) * 0.37) + 1 }
            let truth = try LUFactorization(a).solve(b)
            let matrix = try Self.makeMatrix(a)
            defer { pdekit_matrix_free(matrix) }
            var stored: Int64 = 0
            #expect(pdekit_matrix_describe(matrix, nil, nil, &stored) == 0 && stored == Int64(a.entryCount))
            var y = [Double](repeating: 0, count: a.rowCount)
            #expect(pdekit_matrix_multiply(matrix, truth, Int64(a.rowCount), &y, Int64(a.rowCount)) == 0)
            #expect(Self.relativeDifference(y, b) < 1e-12)
            for method in methods {
                for preconditioner: Int32 in method == 0 ? [0] : [0, 4] {
                    var solver: OpaquePointer?
                    #expect(pdekit_solver_create(method, &solver) == 0)
                    defer { pdekit_solver_free(solver) }
                    #expect(pdekit_solver_set_tolerance(solver, 1e-10, 5000) == 0)
                    #expect(pdekit_solver_set_preconditioner(solver, preconditioner) == 0, "\(Self.lastError())")
                    var x = [Double](repeating: 0, count: a.rowCount)
                    let status = pdekit_solver_solve(solver, matrix, b, &x, Int64(a.rowCount), 0)
                    #expect(status == 0, "method \(method)+\(preconditioner): \(Self.lastError())")
                    var outcome: Int32 = 0, iterations: Int64 = -1, residual = Double.nan
                    #expect(pdekit_solver_report(solver, &outcome, &iterations, &residual, nil) == 0)
                    #expect(outcome == 1 && residual < 1e-9)
                    #expect(Self.relativeDifference(x, truth) < 1e-7, "method \(method)+\(preconditioner)")
                    var length: Int64 = 0
                    #expect(pdekit_solver_residual_history(solver, nil, 0, &length) == 0)
                    #expect(method == 0 ? length == 0 : length >= iterations)
                    let name = String(cString: try #require(pdekit_solver_method_name(solver)))
                    #expect(!name.isEmpty)
                }
            }
        }
    }

    @Test func gcrodrKeepsItsRecycleSpaceAcrossAValueUpdatedSequence() throws {
        // Diagonally shifted Poisson matrices A_t = A + c_t I, updated in place through the C API.
        let a = ModelProblems.poisson2D(n: 20)
        let matrix = try Self.makeMatrix(a)
        defer { pdekit_matrix_free(matrix) }
        let base = Self.scrambledCSR(a)
        var solver: OpaquePointer?, gmres: OpaquePointer?
        #expect(pdekit_solver_create(3, &solver) == 0 && pdekit_solver_create(2, &gmres) == 0)
        defer { pdekit_solver_free(solver); pdekit_solver_free(gmres) }
        #expect(pdekit_solver_set_restart(solver, 30, 10) == 0 && pdekit_solver_set_restart(gmres, 30, 10) == 0)
        let b = [Double](repeating: 1, count: a.rowCount)
        var recycledIterations: [Int64] = [], plainIterations: [Int64] = []
        for t in 0..<4 {
            var values = base.values
            for row in 0..<a.rowCount {   // the first of the two diagonal entries of each row
                let k = Int(base.offsets[row]) + (base.columns[Int(base.offsets[row])..<Int(base.offsets[row + 1])].firstIndex(of: Int64(row))! - Int(base.offsets[row]))
                values[k] += 0.01 * Double(t)
            }
            #expect(pdekit_matrix_update_values(matrix, values, Int64(values.count)) == 0)
            var shifted = a
            for row in 0..<a.rowCount {
                for k in a.rowOffsets[row]..<a.rowOffsets[row + 1] where a.columnIndices[k] == row { shifted.values[k] += 0.01 * Double(t) }
            }
            let truth = try CholeskyFactorization(shifted).solve(b)
            var x = [Double](repeating: 0, count: a.rowCount), y = x
            #expect(pdekit_solver_solve(solver, matrix, b, &x, Int64(a.rowCount), 0) == 0, "\(Self.lastError())")
            #expect(pdekit_solver_solve(gmres, matrix, b, &y, Int64(a.rowCount), 0) == 0)
            #expect(Self.relativeDifference(x, truth) < 1e-6 && Self.relativeDifference(y, truth) < 1e-6)
            var its: Int64 = 0, plain: Int64 = 0, dimension: Int64 = 0
            _ = pdekit_solver_report(solver, nil, &its, nil, nil)
            _ = pdekit_solver_report(gmres, nil, &plain, nil, nil)
            _ = pdekit_solver_recycled_dimension(solver, &dimension)
            #expect(dimension == 10)
            recycledIterations.append(its)
            plainIterations.append(plain)
        }
        // After the first system, recycling needs clearly fewer iterations than GMRES from scratch.
        let recycledTotal: Int64 = recycledIterations.dropFirst().reduce(0, +)
        let plainTotal: Int64 = plainIterations.dropFirst().reduce(0, +)
        #expect(3 * recycledTotal < 2 * plainTotal, "GCRO-DR \(recycledIterations) vs GMRES \(plainIterations)")
    }

    @Test func dcdmThroughTheCAPIConvergesToTheDirectSolution() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-capi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let network = try DCDMNetwork(DCDMNetworkConfiguration(spatialRank: 2, channels: 4, coarseChannels: 4, levels: 2))
        let path = directory.appendingPathComponent("dcdm.safetensors")
        try network.save(to: path)
        let problem = try GridPoissonProblem(size: 16, spatialRank: 2)
        let a = problem.matrix
        let b = problem.randomRightHandSide(seed: 3)
        let truth = try CholeskyFactorization(a).solve(b)
        let matrix = try Self.makeMatrix(a)
        defer { pdekit_matrix_free(matrix) }
        var solver: OpaquePointer?
        #expect(pdekit_solver_create(4, &solver) == 0)
        defer { pdekit_solver_free(solver) }
        var x = [Double](repeating: 0, count: a.rowCount)
        #expect(pdekit_solver_solve(solver, matrix, b, &x, Int64(a.rowCount), 0) == 2, "DCDM without a network is an invalid argument")
        #expect(Self.lastError().contains("set_dcdm_model"))
        #expect(pdekit_solver_set_dcdm_model(solver, path.path, [16, 16, 1], 3) == 3, "a 3-D grid for a 2-D network is a shape mismatch")
        #expect(pdekit_solver_set_dcdm_model(solver, path.path, [8, 8], 2) == 0)
        #expect(pdekit_solver_solve(solver, matrix, b, &x, Int64(a.rowCount), 0) == 3, "8×8 grid for 256 rows")
        #expect(pdekit_solver_set_dcdm_model(solver, path.path, [16, 16], 2) == 0)
        #expect(pdekit_solver_set_tolerance(solver, 1e-8, 1000) == 0)
        #expect(pdekit_solver_solve(solver, matrix, b, &x, Int64(a.rowCount), 0) == 0, "\(Self.lastError())")
        #expect(Self.relativeDifference(x, truth) < 1e-6)
    }

    @Test func nonConvergenceIsReportedWithTheBestIterate() throws {
        let a = ModelProblems.poisson2D(n: 16)
        let matrix = try Self.makeMatrix(a)
        defer { pdekit_matrix_free(matrix) }
        var solver: OpaquePointer?
        #expect(pdekit_solver_create(1, &solver) == 0)
        defer { pdekit_solver_free(solver) }
        #expect(pdekit_solver_set_tolerance(solver, 1e-12, 3) == 0)
        let b = [Double](repeating: 1, count: a.rowCount)
        var x = [Double](repeating: 0, count: a.rowCount)
        #expect(pdekit_solver_solve(solver, matrix, b, &x, Int64(a.rowCount), 0) == 5)
        #expect(Self.lastError().contains("did not converge"))
        var outcome: Int32 = 0, iterations: Int64 = 0, residual = 0.0
        #expect(pdekit_solver_report(solver, &outcome, &iterations, &residual, nil) == 0)
        #expect(outcome == 2 && iterations == 3 && residual > 1e-12 && residual.isFinite)
        // The best iterate is written: never worse than the start (x₀ = 0, relative residual 1), and it
        // is the iterate the report describes (CG's residual may rise in its first steps on this matrix).
        let trueResidual = VectorOperations.norm(VectorOperations.residual(a, x, b)) / VectorOperations.norm(b)
        #expect(trueResidual <= 1 && abs(trueResidual - residual) <= 1e-12 * max(1, residual), "the best iterate is written")
        // The residual history is truncated to the caller's capacity, with the full length reported.
        var history = [Double](repeating: -1, count: 2), length: Int64 = 0
        #expect(pdekit_solver_residual_history(solver, &history, 2, &length) == 0)
        #expect(length >= 3 && history.allSatisfy { $0 > 0 })
    }

    @Test func errorPathsReturnCodesAndMessagesNeverCrash() throws {
        var handle: OpaquePointer?
        // Missing files and non-checkpoints.
        #expect(pdekit_operator_load("/no/such/model.safetensors", &handle) == 4 && handle == nil)
        #expect(Self.lastError().contains("/no/such/model.safetensors"))
        let junk = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-junk-\(UUID().uuidString).safetensors")
        try Data("not a safetensors file".utf8).write(to: junk)
        defer { try? FileManager.default.removeItem(at: junk) }
        #expect(pdekit_operator_load(junk.path, &handle) == 4)
        #expect(pdekit_operator_load(nil, &handle) == 1)
        #expect(pdekit_operator_load(junk.path, nil) == 1)
        // NULL handles.
        #expect(pdekit_operator_describe(nil, nil, nil, nil) == 1)
        #expect(pdekit_operator_apply_f32(nil, nil, 0, 1, nil, 2, nil, 0) == 1)
        #expect(pdekit_solver_solve(nil, nil, nil, nil, 0, 0) == 1)
        #expect(pdekit_matrix_multiply(nil, nil, 0, nil, 0) == 1)
        pdekit_operator_free(nil); pdekit_matrix_free(nil); pdekit_solver_free(nil)
        // Malformed CSR input.
        var matrix: OpaquePointer?
        #expect(pdekit_matrix_create_csr(2, 2, 2, [0, 2, 1] as [Int64], [0, 1] as [Int64], [1, 1], &matrix) == 2, "decreasing offsets")
        #expect(pdekit_matrix_create_csr(2, 2, 2, [0, 1, 2] as [Int64], [0, -1] as [Int64], [1, 1], &matrix) == 2, "negative column")
        #expect(pdekit_matrix_create_csr(2, 2, 2, [0, 1, 2] as [Int64], [0, 1] as [Int64], [1, .nan], &matrix) == 2, "NaN value")
        #expect(pdekit_matrix_create_csr(-1, 2, 0, [0] as [Int64], [] as [Int64], [], &matrix) == 2, "negative size")
        #expect(matrix == nil)
        // Solver options out of range, a right-hand side with NaN, a wrong count, an indefinite matrix for CG.
        var solver: OpaquePointer?
        #expect(pdekit_solver_create(1, &solver) == 0)
        defer { pdekit_solver_free(solver) }
        #expect(pdekit_solver_set_tolerance(solver, -1, 10) == 2 && pdekit_solver_set_tolerance(solver, .nan, 10) == 2)
        #expect(pdekit_solver_set_tolerance(solver, 1e-8, 0) == 2)
        #expect(pdekit_solver_set_restart(solver, 10, 10) == 2)
        #expect(pdekit_solver_set_preconditioner(solver, 99) == 2)
        #expect(pdekit_solver_set_dcdm_model(solver, "x", [4, 4], 2) == 2, "not a DCDM solver")
        #expect(pdekit_matrix_create_csr(2, 2, 2, [0, 1, 2] as [Int64], [0, 1] as [Int64], [1, -1], &matrix) == 0)
        defer { pdekit_matrix_free(matrix) }
        var x = [0.0, 0.0]
        #expect(pdekit_solver_solve(solver, matrix, [1, .nan], &x, 2, 0) == 2)
        #expect(pdekit_solver_solve(solver, matrix, [1, 1, 1], &x, 3, 0) == 3)
        #expect(pdekit_solver_solve(solver, matrix, [1, 1], &x, 2, 0) == 5, "CG breaks down on an indefinite matrix")
        #expect(pdekit_matrix_update_values(matrix, [1, 2, 3], 3) == 3, "update with the wrong number of values")
        // A singular matrix for the direct solver.
        var direct: OpaquePointer?, singular: OpaquePointer?
        #expect(pdekit_solver_create(0, &direct) == 0)
        defer { pdekit_solver_free(direct) }
        #expect(pdekit_matrix_create_csr(2, 2, 2, [0, 1, 2] as [Int64], [0, 1] as [Int64], [1, 0], &singular) == 0)
        defer { pdekit_matrix_free(singular) }
        #expect(pdekit_solver_solve(direct, singular, [1, 1], &x, 2, 0) == 6)
        #expect(String(cString: pdekit_status_name(6)) == "singular matrix")
        #expect(String(cString: pdekit_status_name(1234)) == "unknown status")
        // A successful call clears the message.
        #expect(pdekit_solver_set_tolerance(solver, 1e-6, 10) == 0 && Self.lastError().isEmpty)
    }

    @Test func lastErrorIsPerThread() {
        // Two threads fail with different messages, wait until both have failed, then read their own.
        let state = ThreadState()
        var threads: [Thread] = []
        for index in 0..<2 {
            threads.append(Thread {
                var solver: OpaquePointer?
                _ = pdekit_solver_create(Int32(100 + index), &solver)
                state.arriveAndWait(count: 2)
                state.record(index, String(cString: pdekit_last_error()))
            })
        }
        threads.forEach { $0.start() }
        let messages = state.waitForRecords(count: 2)
        #expect(messages[0]?.contains("unknown method 100") == true, "\(messages)")
        #expect(messages[1]?.contains("unknown method 101") == true, "\(messages)")
    }
}

/// A barrier and a result table shared by the threads of `lastErrorIsPerThread`.
final class ThreadState: @unchecked Sendable {
    private let condition = NSCondition()
    private var arrived = 0
    private var records: [Int: String] = [:]

    func arriveAndWait(count: Int) {
        condition.lock()
        arrived += 1
        condition.broadcast()
        while arrived < count { condition.wait() }
        condition.unlock()
    }

    func record(_ index: Int, _ message: String) {
        condition.lock()
        records[index] = message
        condition.broadcast()
        condition.unlock()
    }

    func waitForRecords(count: Int) -> [Int: String] {
        condition.lock()
        defer { condition.unlock() }
        while records.count < count { condition.wait() }
        return records
    }
}
