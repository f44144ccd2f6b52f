import Foundation
import PDEKit
import PDEKitC

/// An imported neuraloperator FNO applied through the C API, against PyTorch eager and
/// `torch.compile` on the same checkpoint (`pdekit bench import`).
///
/// Every (grid, batch, runner) case runs in its own process so that its peak resident memory
/// (`ru_maxrss`) is its own: PDEKit's cases re-run this binary with `--case`, PyTorch's run
/// `bench/peers/neuralop_bench.py`. The PDEKit case times `pdekit_operator_apply_f32` and the Swift
/// API's `TrainedModel.predict` on the same input; their difference is the C API's per-call overhead.
public struct ImportBenchmarks {
    public struct Record: Codable {
        public var benchmark = "import"
        public var grid: Int
        public var batch: Int
        public var pdekit_c_api_ms: Double?
        public var pdekit_swift_ms: Double?
        public var c_api_overhead_ms: Double?
        public var pdekit_peak_mb: Double?
        public var torch_eager_ms: Double?
        public var torch_eager_peak_mb: Double?
        public var torch_compile_ms: Double?
        public var torch_compile_peak_mb: Double?
        public var torch_compile_error: String?
        public var speedup_vs_eager: Double?
        public var speedup_vs_compile: Double?
    }

    /// One PDEKit case, measured in this process.
    public struct CaseRecord: Codable {
        public var c_api_ms: Double
        public var swift_ms: Double
        public var peak_mb: Double
    }

    public var checkpoint: String, metadata: String?
    public var grids: [Int], batches: [Int], repetitions: Int
    /// The torch virtual environment's python, or nil to measure PDEKit only.
    public var python: String?
    public var peerScript: String
    public var skipCompile: Bool

    public init(checkpoint: String, metadata: String?, grids: [Int], batches: [Int], repetitions: Int, python: String?,
                peerScript: String, skipCompile: Bool) {
        self.checkpoint = checkpoint
        self.metadata = metadata
        self.grids = grids
        self.batches = batches
        self.repetitions = repetitions
        self.python = python
        self.peerScript = peerScript
        self.skipCompile = skipCompile
    }

    /// The integers of a `--grids`/`--batches` list, or an error naming `flag`.
    public static func integers(_ text: String, flag: String) throws -> [Int] {
        guard let values = CommaSeparatedIntegers.parse(text) else { throw BenchmarkError("\(flag) '\(text)' is not a comma-separated list of integers") }
        return values
    }

    /// The grid and batch of a `--case GRIDxBATCH` (both ≥ 1).
    public static func parseCase(_ text: String) throws -> (grid: Int, batch: Int) {
        let parts = try integers(text.replacingOccurrences(of: "x", with: ","), flag: "--case")
        guard parts.count == 2, parts[0] >= 1, parts[1] >= 1 else { throw BenchmarkError("--case must be GRIDxBATCH") }
        return (parts[0], parts[1])
    }

    /// With `caseText` (`GRIDxBATCH`), that one PDEKit case in this process; else every case, PDEKit's
    /// by re-running `executable` with `--case`.
    public func run(case caseText: String?, executable: String, _ output: BenchmarkOutput) throws {
        if let caseText {
            let (grid, batch) = try Self.parseCase(caseText)
            try runCase(grid: grid, batch: batch, output)
        } else {
            try run(executable: executable, output)
        }
    }

    /// Runs every case (each in a child process) and prints one record per (grid, batch).
    public func run(executable: String, _ output: BenchmarkOutput) throws {
        guard !grids.isEmpty, !batches.isEmpty, repetitions >= 1, grids.allSatisfy({ (8...2048).contains($0) }), batches.allSatisfy({ (1...1024).contains($0) }) else {
            throw BenchmarkError("--grids must lie in 8…2048, --batches in 1…1024, --repetitions ≥ 1")
        }
        for grid in grids {
            for batch in batches {
                var record = Record(grid: grid, batch: batch)
                var arguments = ["bench", "import", checkpoint, "--case", "\(grid)x\(batch)", "--repetitions", "\(repetitions)"]
                if let metadata { arguments += ["--metadata", metadata] }
                let own = try Self.jsonLine(executable, arguments)
                record.pdekit_c_api_ms = own["c_api_ms"] as? Double
                record.pdekit_swift_ms = own["swift_ms"] as? Double
                record.pdekit_peak_mb = own["peak_mb"] as? Double
                if let c = record.pdekit_c_api_ms, let s = record.pdekit_swift_ms { record.c_api_overhead_ms = c - s }
                if let python {
                    for mode in skipCompile ? ["eager"] : ["eager", "compile"] {
                        var peer = [peerScript, checkpoint, "--grid", "\(grid)", "--batch", "\(batch)", "--mode", mode, "--repetitions", "\(repetitions)"]
                        if let metadata { peer += ["--metadata", metadata] }
                        let result = try Self.jsonLine(python, peer)
                        if mode == "eager" {
                            record.torch_eager_ms = result["ms"] as? Double
                            record.torch_eager_peak_mb = result["peak_mb"] as? Double
                        } else {
                            record.torch_compile_ms = result["ms"] as? Double
                            record.torch_compile_peak_mb = result["peak_mb"] as? Double
                            record.torch_compile_error = result["error"] as? String
                        }
                    }
                }
                if let c = record.pdekit_c_api_ms, c > 0 {
                    record.speedup_vs_eager = record.torch_eager_ms.map { $0 / c }
                    record.speedup_vs_compile = record.torch_compile_ms.map { $0 / c }
                }
                try output(record)
            }
        }
    }

    /// One case in this process: import, load through the C API, time apply and the Swift API.
    public func runCase(grid: Int, batch: Int, _ output: BenchmarkOutput) throws {
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-bench-import-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: run) }
        try NeuraloperatorRun.importCheckpoint(checkpoint, metadata: metadata, to: run)
        let (trained, _) = try TrainedModel.load(from: run.appendingPathComponent("checkpoint.safetensors"))
        var handle: OpaquePointer?
        var channels: Int64 = 0, outputChannels: Int64 = 0, rank: Int32 = 0
        guard pdekit_operator_load(run.path, &handle) == 0, pdekit_operator_describe(handle, &rank, &channels, &outputChannels) == 0 else {
            throw BenchmarkError(String(cString: pdekit_last_error()))
        }
        defer { pdekit_operator_free(handle) }
        let gridShape = [Int](repeating: grid, count: Int(rank))
        let points = try MemoryBudget.product(gridShape, what: "the grid")
        let count = try MemoryBudget().requireArray(shape: [batch, Int(channels), points], bytesPerElement: 4, what: "the input")
        let outputCount = try MemoryBudget().requireArray(shape: [batch, Int(outputChannels), points], bytesPerElement: 4, what: "the output")
        var generator = SeededRandomNumberGenerator(seed: 1)
        let input = Tensor<Float>.normal([batch, Int(channels)] + gridShape, standardDeviation: 1, using: &generator)
        let scalars = input.scalars, grid64 = gridShape.map(Int64.init)
        var result = [Float](repeating: 0, count: outputCount)
        func apply() { _ = pdekit_operator_apply_f32(handle, scalars, Int64(count), Int64(batch), grid64, rank, &result, Int64(outputCount)) }
        apply()
        guard pdekit_operator_apply_f32(handle, scalars, Int64(count), Int64(batch), grid64, rank, &result, Int64(outputCount)) == 0 else {
            throw BenchmarkError(String(cString: pdekit_last_error()))
        }
        let c = Measurements.best(of: repetitions) { apply() }
        _ = try trained.predict(input)
        let swift = Measurements.best(of: repetitions) { _ = try? trained.predict(input) }
        try output(CaseRecord(c_api_ms: c * 1000, swift_ms: swift * 1000, peak_mb: Measurements.peakResidentMegabytes()))
    }

    /// Runs a process and returns its last JSON line as a dictionary.
    static func jsonLine(_ executable: String, _ arguments: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw BenchmarkError("cannot run \(executable): \(error.localizedDescription)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last { $0.hasPrefix("{") } ?? ""
        guard process.terminationStatus == 0, let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw BenchmarkError("\(URL(fileURLWithPath: executable).lastPathComponent) \(arguments.prefix(4).joined(separator: " ")) failed (status \(process.terminationStatus))")
        }
        return object
    }
}
