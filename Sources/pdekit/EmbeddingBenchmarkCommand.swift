import ArgumentParser
import Foundation
import PDEKit
import PDEKitC

/// `pdekit bench embedding`: what crossing the C API costs, measured in one process.
///
/// Each case runs the same work through the Swift API and through the C entry points of
/// libPDEKitC (the functions `pdekit.h` declares, called directly), and reports both times and their
/// ratio. The C path adds argument validation, copies of the caller's buffers and (for matrices)
/// sorting the CSR input; the numerical work is identical.
struct EmbeddingBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embedding",
        abstract: "Time the C API (libPDEKitC) against the Swift API on the same work; prints JSON lines.")

    @Option(help: "A trained operator (a `pdekit train` run directory or .safetensors file).")
    var model: String = "runs/main/fno"
    @Option(help: "Fields per operator application.") var batch: Int = 20
    @Option(help: "Interior grid size n of the n×n Poisson systems solved.") var grid: Int = 127
    @Option(help: "Timed repetitions (the best is reported).") var repetitions: Int = 5

    struct BenchmarkError: Error, CustomStringConvertible { let description: String }

    func run() throws {
        guard batch >= 1, grid >= 2, repetitions >= 1 else {
            throw BenchmarkError(description: "--batch, --repetitions must be positive and --grid at least 2")
        }
        try benchmarkOperator()
        try benchmarkSolvers()
    }

    private func report(_ name: String, swift: (wall: Double, cpu: Double), c: (wall: Double, cpu: Double), extra: [String: Any] = [:]) {
        var fields: [String: Any] = ["benchmark": "embedding", "case": name,
                                     "swift_ms": swift.wall * 1000, "c_api_ms": c.wall * 1000,
                                     "swift_cpu_ms": swift.cpu * 1000, "c_api_cpu_ms": c.cpu * 1000,
                                     "c_over_swift_wall": c.wall / swift.wall, "c_over_swift_cpu": c.cpu / max(swift.cpu, 1e-9)]
        fields.merge(extra) { $1 }
        emit(fields)
    }

    private func benchmarkOperator() throws {
        guard FileManager.default.fileExists(atPath: model) else {
            throw BenchmarkError(description: "no trained model at \(model) (run scripts/run-main-job.sh or pass --model)")
        }
        var url = URL(fileURLWithPath: model)
        if !model.hasSuffix(".safetensors") { url.appendPathComponent("best.safetensors") }
        let (trained, _) = try TrainedModel.load(from: url)
        guard let trainingGrid = trained.trainingGrid else { throw BenchmarkError(description: "\(model) records no training grid") }
        var channels: Int64 = 0, outputChannels64: Int64 = 0
        var handle: OpaquePointer?
        guard pdekit_operator_load(model, &handle) == 0,
              pdekit_operator_describe(handle, nil, &channels, &outputChannels64) == 0 else {
            throw BenchmarkError(description: String(cString: pdekit_last_error()))
        }
        defer { pdekit_operator_free(handle) }
        let outputChannels = Int(outputChannels64)
        var generator = SeededRandomNumberGenerator(seed: 1)
        let count = batch * Int(channels) * trainingGrid.reduce(1, *)
        let scalars = (0..<count).map { _ in Float.random(in: 0..<1, using: &generator) < 0.5 ? Float(3) : 12 }
        let input = Tensor<Float>(uncheckedShape: [batch, Int(channels)] + trainingGrid, scalars: scalars)
        let grid64 = trainingGrid.map { Int64($0) }
        let outputCount = batch * outputChannels * trainingGrid.reduce(1, *)
        var output = [Float](repeating: 0, count: outputCount)
        let swiftApply = { _ = try? trained.predict(input) }
        let cApply = { _ = pdekit_operator_apply_f32(handle, scalars, Int64(count), Int64(batch), grid64, Int32(grid64.count), &output, Int64(outputCount)) }
        report("operator_apply", swift: (best(of: repetitions, swiftApply), bestCPUTime(of: repetitions, swiftApply)),
               c: (best(of: repetitions, cApply), bestCPUTime(of: repetitions, cApply)),
               extra: ["batch": batch, "grid": trainingGrid])
    }

    private func benchmarkSolvers() throws {
        let a = ModelProblems.poisson2D(n: grid)
        let n = a.rowCount
        let b = (0..<n).map { 1 + 0.1 * sin(Double($0)) }
        let offsets = a.rowOffsets.map { Int64($0) }, columns = a.columnIndices.map { Int64($0) }
        let criterion = StoppingCriterion(relativeTolerance: 1e-8)
        // Per repetition: build the matrix, the solver (and its factorization or preconditioner), solve.
        let cases: [(String, Int32, Int32, () -> Void)] = [
            ("direct_cholmod", 0, 0, { _ = try? CholeskyFactorization(a).solve(b) }),
            ("cg_ic0", 1, 3, { _ = try? ConjugateGradient(criterion: criterion, preconditioner: IncompleteCholesky(a)).solve(a, rightHandSide: b) }),
            ("gcrodr_40_20", 3, 0, { _ = GCRODR(restart: 40, recycledCount: 20, criterion: criterion).solve(a, rightHandSide: b) }),
        ]
        for (name, method, preconditioner, swiftSolve) in cases {
            var x = [Double](repeating: 0, count: n)
            var failed = false
            let cSolve = {
                var matrix: OpaquePointer?, solver: OpaquePointer?
                guard pdekit_matrix_create_csr(Int64(n), Int64(n), Int64(a.entryCount), offsets, columns, a.values, &matrix) == 0,
                      pdekit_solver_create(method, &solver) == 0,
                      pdekit_solver_set_tolerance(solver, 1e-8, 10_000) == 0,
                      pdekit_solver_set_preconditioner(solver, preconditioner) == 0,
                      pdekit_solver_solve(solver, matrix, b, &x, Int64(n), 0) == 0 else { failed = true; return }
                pdekit_solver_free(solver)
                pdekit_matrix_free(matrix)
            }
            let c = (best(of: repetitions, cSolve), bestCPUTime(of: repetitions, cSolve))
            if failed { throw BenchmarkError(description: "\(name) through the C API failed: \(String(cString: pdekit_last_error()))") }
            report(name, swift: (best(of: repetitions, swiftSolve), bestCPUTime(of: repetitions, swiftSolve)), c: c,
                   extra: ["unknowns": n])
        }
    }
}
