import Foundation
import PDEKit
import PDEKitC

/// What crossing the C API costs, measured in one process (`pdekit bench embedding`).
///
/// Each case runs the same work through the Swift API and through the C entry points of
/// libPDEKitC (the functions `pdekit.h` declares, called directly), and reports both times and their
/// ratio. The C path adds argument validation, copies of the caller's buffers and (for matrices)
/// sorting the CSR input; the numerical work is identical.
public struct EmbeddingBenchmarks {
    public struct Record: Codable {
        public var benchmark = "embedding"
        public var `case`: String
        public var swift_ms: Double
        public var c_api_ms: Double
        public var swift_cpu_ms: Double
        public var c_api_cpu_ms: Double
        public var c_over_swift_wall: Double
        public var c_over_swift_cpu: Double
        public var batch: Int?
        public var grid: [Int]?
        public var unknowns: Int?

        init(case name: String, swift: (wall: Double, cpu: Double), c: (wall: Double, cpu: Double)) {
            self.case = name
            swift_ms = swift.wall * 1000
            c_api_ms = c.wall * 1000
            swift_cpu_ms = swift.cpu * 1000
            c_api_cpu_ms = c.cpu * 1000
            c_over_swift_wall = c.wall / swift.wall
            c_over_swift_cpu = c.cpu / max(swift.cpu, 1e-9)
        }
    }

    /// A trained operator (a `pdekit train` run directory or .safetensors file).
    public var model: String
    /// Fields per operator application, interior grid size of the Poisson systems, timed repetitions.
    public var batch: Int, grid: Int, repetitions: Int

    public init(model: String, batch: Int, grid: Int, repetitions: Int) {
        self.model = model
        self.batch = batch
        self.grid = grid
        self.repetitions = repetitions
    }

    public func run(_ output: BenchmarkOutput) throws {
        guard batch >= 1, grid >= 2, repetitions >= 1 else {
            throw BenchmarkError("--batch, --repetitions must be positive and --grid at least 2")
        }
        try MemoryBudget().requireArray(shape: [grid, grid, 256], bytesPerElement: 1, what: "Poisson systems of \(grid)² unknowns")
        try benchmarkOperator(output)
        try benchmarkSolvers(output)
    }

    private func timings(_ body: () -> Void) -> (wall: Double, cpu: Double) {
        (Measurements.best(of: repetitions, body), Measurements.bestCPUTime(of: repetitions, body))
    }

    private func benchmarkOperator(_ output: BenchmarkOutput) throws {
        guard FileManager.default.fileExists(atPath: model) else {
            throw BenchmarkError("no trained model at \(model) (run scripts/run-main-job.sh or pass --model)")
        }
        var url = URL(fileURLWithPath: model)
        if !model.hasSuffix(".safetensors") { url.appendPathComponent("best.safetensors") }
        let (trained, _) = try TrainedModel.load(from: url)
        guard let trainingGrid = trained.trainingGrid else { throw BenchmarkError("\(model) records no training grid") }
        var channels: Int64 = 0, outputChannels64: Int64 = 0
        var handle: OpaquePointer?
        guard pdekit_operator_load(model, &handle) == 0,
              pdekit_operator_describe(handle, nil, &channels, &outputChannels64) == 0 else {
            throw BenchmarkError(String(cString: pdekit_last_error()))
        }
        defer { pdekit_operator_free(handle) }
        let points = try MemoryBudget.product(trainingGrid, what: "the training grid")
        let count = try MemoryBudget().requireArray(shape: [batch, Int(channels), points], bytesPerElement: 4, what: "the operator input")
        let outputCount = try MemoryBudget().requireArray(shape: [batch, Int(outputChannels64), points], bytesPerElement: 4, what: "the operator output")
        var generator = SeededRandomNumberGenerator(seed: 1)
        let scalars = (0..<count).map { _ in Float.random(in: 0..<1, using: &generator) < 0.5 ? Float(3) : 12 }
        let input = Tensor<Float>(uncheckedShape: [batch, Int(channels)] + trainingGrid, scalars: scalars)
        let grid64 = trainingGrid.map { Int64($0) }
        var result = [Float](repeating: 0, count: outputCount)
        var record = Record(case: "operator_apply", swift: timings { _ = try? trained.predict(input) },
                            c: timings { _ = pdekit_operator_apply_f32(handle, scalars, Int64(count), Int64(batch), grid64, Int32(grid64.count),
                                                                        &result, Int64(outputCount)) })
        record.batch = batch
        record.grid = trainingGrid
        try output(record)
    }

    private func benchmarkSolvers(_ output: BenchmarkOutput) throws {
        let a = ModelProblems.poisson2D(n: grid)
        let n = a.rowCount
        let b = (0..<n).map { 1 + 0.1 * sin(Double($0)) }
        let offsets = a.rowOffsets.map { Int64($0) }, columns = a.columnIndices.map { Int64($0) }
        // Per repetition: build the matrix, the solver (and its factorization or preconditioner), solve; the
        // Swift side makes its solvers from the same `SolverConfiguration` as the C API.
        func swiftSolve(_ configuration: SolverConfiguration) -> () -> Void {
            { _ = try? configuration.makeSolver().solve(a, rightHandSide: b) }
        }
        let cases: [(String, Int32, Int32, () -> Void)] = [
            ("direct_cholmod", 0, 0, swiftSolve(SolverConfiguration(method: .direct, relativeTolerance: 1e-8))),
            ("cg_ic0", 1, 3, swiftSolve(SolverConfiguration(method: .conjugateGradient, preconditioner: .incompleteCholesky,
                                                            relativeTolerance: 1e-8, maximumIterations: 10_000))),
            ("gcrodr_40_20", 3, 0, swiftSolve(SolverConfiguration(method: .gcrodr, relativeTolerance: 1e-8, maximumIterations: 10_000,
                                                                  restart: 40, recycledCount: 20))),
        ]
        for (name, method, preconditioner, swiftSolve) in cases {
            var x = [Double](repeating: 0, count: n)
            var failed = false
            let c = timings {
                var matrix: OpaquePointer?, solver: OpaquePointer?
                guard pdekit_matrix_create_csr(Int64(n), Int64(n), Int64(a.entryCount), offsets, columns, a.values, &matrix) == 0,
                      pdekit_solver_create(method, &solver) == 0,
                      pdekit_solver_set_tolerance(solver, 1e-8, 10_000) == 0,
                      pdekit_solver_set_preconditioner(solver, preconditioner) == 0,
                      pdekit_solver_solve(solver, matrix, b, &x, Int64(n), 0) == 0 else { failed = true; return }
                pdekit_solver_free(solver)
                pdekit_matrix_free(matrix)
            }
            if failed { throw BenchmarkError("\(name) through the C API failed: \(String(cString: pdekit_last_error()))") }
            var record = Record(case: name, swift: timings(swiftSolve), c: c)
            record.unknowns = n
            try output(record)
        }
    }
}
