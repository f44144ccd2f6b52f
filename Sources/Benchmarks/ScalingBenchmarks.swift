import PDEKit
import Foundation

/// `pdekit bench scaling`: what running on several processes buys, measured on this machine, and a
/// model of what it buys on many machines.
///
/// 1. Generation: `generate darcy` (direct solver) as 2 ranks × 1 thread under `mpirun` against
///    1 process × 1 thread, samples per wall second end to end (start-up, ordering, solves, merge), with
///    the 2-rank run's ``GenerationTimeline`` (where its wall time went).
/// 2. Training: `train fno --preset darcy` as 2 ranks × 1 thread against 1 process × 2 threads (the
///    default), mean epoch seconds from the run's summary line; the two loss curves are compared too.
/// 3. Allreduce: seconds per MB of an in-place `MPI_Allreduce` (Float sum) between 2 ranks over shared
///    memory and over TCP loopback (`--mca btl tcp,self`), each result checked against the exact sum.
/// 4. Model: parallel efficiency of data-parallel training on p nodes with a ring allreduce,
///
///        t_allreduce(p) = 2 (p − 1) / p · S / β,    E(p) = t_step / (t_step + t_allreduce(p)),
///
///    S = 4 · parameters bytes (Float gradients), β the link bandwidth (10, 25, 100 Gb/s), t_step the
///    measured compute time of one step of the 1 × 2 run (weak scaling: each node keeps its batch);
///    latency and overlap with the backward pass are ignored (the first makes E smaller for tiny
///    models, the second larger).
///
/// The suite launches `pdekit` itself (the running executable) with `mpirun`; the allreduce part runs
/// inside those `mpirun` jobs (``allreduceRecords(communicator:megabytes:repetitions:transport:)``).
public struct ScalingBenchmarks {
    public var executable: String
    public var mpirun: String
    public var workDirectory: URL
    public var generationSamples: Int
    public var resolution: Int
    public var trainSamples: Int
    public var batchSize: Int
    public var epochs: Int
    public var subsample: Int
    public var allreduceMegabytes: [Double]
    public var repetitions: Int
    /// The parts to run (all by default; training trains on the generation part's 1 × 1 file).
    public var parts: Set<Part> = Set(Part.allCases)

    /// A part of the suite (`--part`).
    public enum Part: String, CaseIterable, Sendable {
        case generation, training, allreduce
    }

    public init(executable: String, mpirun: String, workDirectory: URL, generationSamples: Int, resolution: Int, trainSamples: Int,
                batchSize: Int, epochs: Int, subsample: Int, allreduceMegabytes: [Double], repetitions: Int) {
        self.executable = executable
        self.mpirun = mpirun
        self.workDirectory = workDirectory
        self.generationSamples = generationSamples
        self.resolution = resolution
        self.trainSamples = trainSamples
        self.batchSize = batchSize
        self.epochs = epochs
        self.subsample = subsample
        self.allreduceMegabytes = allreduceMegabytes
        self.repetitions = repetitions
    }

    /// Checks the flags of `pdekit bench scaling`: at least 2 generated samples, 1 ≤ training samples < samples,
    /// resolution ≥ 5, and positive batch size, epochs, subsampling and repetitions; a ``BenchmarkError`` otherwise.
    public func validate() throws {
        guard generationSamples >= 2, resolution >= 5, trainSamples >= 1, trainSamples < generationSamples, batchSize >= 1, epochs >= 1,
              subsample >= 1, repetitions >= 1 else {
            throw BenchmarkError("need --samples ≥ 2, 1 ≤ --train-samples < --samples, --resolution ≥ 5, and positive --batch-size, --epochs, --subsample, --repetitions")
        }
        guard !parts.contains(.training) || parts.contains(.generation) else {
            throw BenchmarkError("--part training needs --part generation too (it trains on the generated 1 × 1 file)")
        }
    }

    /// One end-to-end run of a command.
    public struct RunRecord: Codable, Sendable {
        public var bench = "scaling"
        public var measure: String
        public var ranks: Int
        public var threads_per_rank: Int
        public var seconds: Double
        /// CPU seconds of the launched processes (all ranks and threads; getrusage of waited-for children).
        public var cpu_seconds: Double
        /// The machine's 1-minute load average when the run started (/proc/loadavg): above the core count,
        /// wall times measure the scheduler's shares more than the code.
        public var load_average: Double?
        public var samples: Int?
        public var samples_per_second: Double?
        public var mean_epoch_seconds: Double?
        public var parameters: Int?
        /// Training: rank 0's seconds in optimizer steps, and in their allreduce (the ceiling of what
        /// overlapping the allreduce with the backward pass could save is their ratio).
        public var step_seconds: Double?
        public var allreduce_seconds: Double?
        public var command: String
        /// Generation under several ranks: where the wall time went (``GenerationTimeline``, rank 0's JSON
        /// line), and around it the launcher's share: from this benchmark starting `mpirun` to the first
        /// rank process existing (`launch_seconds`), and from the last rank done to `mpirun` exiting
        /// (`teardown_seconds`: `MPI_Finalize`, exit, the launcher's clean-up).
        public var timeline: GenerationTimeline?
        public var launch_seconds: Double?
        public var teardown_seconds: Double?
        /// CPU seconds spread over every rank's threads: the wall time with a free core per thread.
        var idealSeconds: Double { cpu_seconds / Double(ranks * threads_per_rank) }
    }

    /// The ratio of two runs (goal: generation ≥ 1.85, training ≥ 0.9).
    public struct SpeedupRecord: Codable, Sendable {
        public var bench = "scaling"
        public var measure: String
        public var compared: String
        public var speedup: Double
        public var goal: Double
        /// The speed-up the CPU times give when every thread has a core of its own and nothing waits:
        /// the ratio of CPU seconds / (ranks × threads) of the baseline and of the 2-rank run.
        public var cpu_time_speedup: Double
        /// Training only: the largest relative difference of the per-epoch training losses.
        public var max_relative_loss_difference: Double?
        /// Training only: the 2-rank run's allreduce seconds over its step seconds (rank 0).
        public var allreduce_fraction_of_step: Double?
    }

    /// Allreduce timing of one message size.
    public struct AllreduceRecord: Codable, Sendable {
        public var bench = "scaling"
        public var measure = "allreduce"
        public var transport: String
        public var ranks: Int
        public var megabytes: Double
        public var seconds: Double
        public var seconds_per_megabyte: Double
    }

    /// One cell of the efficiency model.
    public struct EfficiencyRecord: Codable, Sendable {
        public var bench = "scaling"
        public var measure = "efficiency-model"
        public var nodes: Int
        /// Samples per node per step the step time was measured (or scaled) for.
        public var local_batch: Int
        public var gigabits_per_second: Double
        public var parameter_megabytes: Double
        public var step_seconds: Double
        public var allreduce_seconds: Double
        public var efficiency: Double
        public var formula = "E = t_step / (t_step + 2(p-1)/p * bytes / bandwidth)"
    }

    /// Times an in-place Float allreduce of each size (the fastest of `repetitions` after a warm-up) and
    /// checks the result: rank r contributes r + 1 + i mod 7 at element i, so the sum is exact in Float;
    /// then checks gather and the maximum once.
    /// Every rank must call this; the records are returned on rank 0 only.
    public static func allreduceRecords(communicator: Communicator, megabytes: [Double], repetitions: Int,
                                        transport: String) throws -> [AllreduceRecord] {
        var records: [AllreduceRecord] = []
        let ranks = communicator.size
        for size in megabytes {
            guard size > 0, size <= 1024 else { throw BenchmarkError("allreduce sizes must lie in (0, 1024] MB") }
            let count = max(1, Int(size * 1_048_576 / 4))
            func fill() -> [Float] { (0..<count).map { Float(communicator.rank + 1 + $0 % 7) } }
            var fastest = Double.infinity
            for repetition in 0...repetitions {
                var buffer = fill()
                try communicator.barrier()
                let start = DispatchTime.now().uptimeNanoseconds
                try communicator.allreduceSum(&buffer)
                var elapsed = [Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9]
                try communicator.broadcast(&elapsed)   // rank 0's clock, the same on every rank
                if repetition > 0 { fastest = min(fastest, elapsed[0]) }
                for i in Swift.stride(from: 0, to: count, by: max(1, count / 1000)) {
                    let expected = Float(ranks * (ranks + 1) / 2 + ranks * (i % 7))
                    guard buffer[i] == expected else {
                        throw BenchmarkError("allreduce over \(transport): element \(i) is \(buffer[i]), expected \(expected)")
                    }
                }
            }
            records.append(AllreduceRecord(transport: transport, ranks: ranks, megabytes: Double(count * 4) / 1_048_576,
                                           seconds: fastest, seconds_per_megabyte: fastest / (Double(count * 4) / 1_048_576)))
        }
        // The other collectives, checked once: gather in rank order, the maximum over the ranks.
        let gathered = try communicator.gather([Int64(communicator.rank), Int64(communicator.rank * 10)])
        if communicator.isRoot, gathered != (0..<ranks).map({ [Int64($0), Int64($0 * 10)] }) {
            throw BenchmarkError("gather returned \(gathered.map { "\($0)" } ?? "nil"), expected the ranks in order")
        }
        guard try communicator.allreduceMax(Int64(communicator.rank)) == Int64(ranks - 1) else {
            throw BenchmarkError("allreduceMax of the ranks is not \(ranks - 1)")
        }
        return communicator.isRoot ? records : []
    }

    /// The efficiency model (see the type's description) for the given step time and parameter count.
    public static func efficiencyModel(stepSeconds: Double, localBatch: Int, parameters: Int, nodes: [Int] = [8, 16, 32, 64, 128, 256],
                                       gigabitsPerSecond: [Double] = [10, 25, 100]) -> [EfficiencyRecord] {
        let bytes = 4 * Double(parameters)
        var records: [EfficiencyRecord] = []
        for bandwidth in gigabitsPerSecond {
            for p in nodes {
                let allreduce = 2 * Double(p - 1) / Double(p) * bytes / (bandwidth * 1e9 / 8)
                records.append(EfficiencyRecord(nodes: p, local_batch: localBatch, gigabits_per_second: bandwidth, parameter_megabytes: bytes / 1_048_576,
                                                step_seconds: stepSeconds, allreduce_seconds: allreduce,
                                                efficiency: stepSeconds / (stepSeconds + allreduce)))
            }
        }
        return records
    }

    /// Runs every part, printing each record through `output` as it is measured.
    public func run(_ output: BenchmarkOutput) throws {
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        let data = workDirectory.appendingPathComponent("darcy-1x1.h5").path
        // A complete file from an earlier run would be resumed (nothing solved): start from nothing.
        for name in try FileManager.default.contentsOfDirectory(atPath: workDirectory.path) where name.hasPrefix("darcy-") {
            try FileManager.default.removeItem(at: workDirectory.appendingPathComponent(name))
        }
        if parts.contains(.generation) { try runGeneration(output, data: data) }
        if parts.contains(.training) { try runTraining(output, data: data) }
        if parts.contains(.allreduce) { try runAllreduce(output) }
    }

    /// Generation, 1 × 1 then 2 × 1, and their ratio.
    func runGeneration(_ output: BenchmarkOutput, data: String) throws {
        let generate = ["generate", "darcy", "--samples", String(generationSamples), "--resolution", String(resolution),
                        "--solver", "direct", "--quiet", "--seed", "1"]
        let g1 = try timed(ranks: 1, threads: 1, generate + ["--output", data], measure: "generation")
        let g2 = try timed(ranks: 2, threads: 1, generate + ["--output", workDirectory.appendingPathComponent("darcy-2x1.h5").path], measure: "generation")
        for record in [g1, g2] { try output(record) }
        try output(SpeedupRecord(measure: "generation", compared: "2x1 / 1x1 samples per second", speedup: g1.seconds / g2.seconds, goal: 1.85,
                                 cpu_time_speedup: g1.idealSeconds / g2.idealSeconds))
    }

    /// Training, 1 × 2 then 2 × 1 on the 1 × 1 generation file, their ratio, and the efficiency model
    /// from the 1 × 2 step time.
    func runTraining(_ output: BenchmarkOutput, data: String) throws {
        let train = ["train", "fno", "--preset", "darcy", "--data", data, "--train", String(trainSamples), "--validation", "0",
                     "--test", String(max(1, min(4, generationSamples - trainSamples))), "--epochs", String(epochs),
                     "--batch-size", String(batchSize), "--subsample", String(subsample), "--quiet"]
        let one = workDirectory.appendingPathComponent("fno-1x2"), two = workDirectory.appendingPathComponent("fno-2x1")
        for directory in [one, two] { try? FileManager.default.removeItem(at: directory) }
        let t1 = try timed(ranks: 1, threads: 2, train + ["--output", one.path], measure: "training")
        let t2 = try timed(ranks: 2, threads: 1, train + ["--output", two.path], measure: "training")
        for record in [t1, t2] { try output(record) }
        guard let epoch1 = t1.mean_epoch_seconds, let epoch2 = t2.mean_epoch_seconds, let parameters = t1.parameters else {
            throw BenchmarkError("train fno printed no summary line")
        }
        let losses1 = try trainLosses(one), losses2 = try trainLosses(two)
        guard losses1.count == losses2.count, !losses1.isEmpty else { throw BenchmarkError("the runs' metrics.jsonl differ in length") }
        var worst = 0.0
        for (a, b) in zip(losses1, losses2) {
            let difference = abs(a - b) / abs(a)
            worst = difference.isNaN || worst.isNaN ? .nan : Swift.max(worst, difference)
        }
        try output(SpeedupRecord(measure: "training", compared: "2x1 / 1x2 epochs per second", speedup: epoch1 / epoch2, goal: 0.9,
                                 cpu_time_speedup: t1.idealSeconds / t2.idealSeconds,
                                 max_relative_loss_difference: worst,
                                 allreduce_fraction_of_step: t2.allreduce_seconds.flatMap { a in t2.step_seconds.map { a / $0 } }))
        let stepsPerEpoch = (trainSamples + batchSize - 1) / batchSize
        // The measured step (local batch = the global batch of the 1 × 2 run), and the same step scaled to
        // one sample per node (the step time is close to linear in the batch): the harder case.
        let stepSeconds = epoch1 / Double(stepsPerEpoch)
        for record in Self.efficiencyModel(stepSeconds: stepSeconds, localBatch: batchSize, parameters: parameters)
            + Self.efficiencyModel(stepSeconds: stepSeconds / Double(batchSize), localBatch: 1, parameters: parameters) {
            try output(record)
        }
    }

    /// Allreduce over shared memory and TCP loopback, each in a 2-rank job of its own.
    func runAllreduce(_ output: BenchmarkOutput) throws {
        for (transport, options) in [("shared-memory", [String]()), ("tcp-loopback", ["--mca", "btl", "tcp,self"])] {
            let arguments = ["bench", "scaling", "--allreduce-only", "--transport", transport, "--repetitions", String(repetitions)]
                + allreduceMegabytes.flatMap { ["--allreduce-megabytes", String($0)] }
            let result = try launch(ranks: 2, threads: 1, arguments, mpiOptions: options)
            for line in result.split(separator: "\n") where line.contains("\"allreduce\"") {
                try output(try JSONDecoder().decode(AllreduceRecord.self, from: Data(line.utf8)))
            }
        }
    }

    /// The per-epoch training losses of a run directory's metrics.jsonl.
    func trainLosses(_ directory: URL) throws -> [Double] {
        let text = try String(contentsOf: directory.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let loss = object["trainLoss"] as? Double else { throw BenchmarkError("metrics.jsonl: no trainLoss in \(line.prefix(80))") }
            return loss
        }
    }

    func timed(ranks: Int, threads: Int, _ arguments: [String], measure: String) throws -> RunRecord {
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.flatMap { Double($0) }
        let start = DispatchTime.now().uptimeNanoseconds, cpuStart = Self.childrenCPUSeconds()
        let launchedAt = GenerationTimeline.now()
        let stdout = try launch(ranks: ranks, threads: threads, arguments)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let endedAt = GenerationTimeline.now()
        var record = RunRecord(measure: measure, ranks: ranks, threads_per_rank: threads, seconds: seconds,
                               cpu_seconds: Self.childrenCPUSeconds() - cpuStart, load_average: load,
                               command: commandLine(ranks: ranks, threads: threads, arguments, mpiOptions: []).joined(separator: " "))
        if measure == "generation" {
            record.samples = generationSamples
            record.samples_per_second = Double(generationSamples) / seconds
        }
        for line in stdout.split(separator: "\n") where line.contains("\"generation-timeline\"") {
            let timeline = try JSONDecoder().decode(GenerationTimeline.self, from: Data(line.utf8))
            record.timeline = timeline
            record.launch_seconds = (timeline.process_start.min() ?? launchedAt) - launchedAt
            record.teardown_seconds = endedAt - (timeline.done.max() ?? endedAt)
        }
        for line in stdout.split(separator: "\n") where line.contains("mean_epoch_seconds") {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
                record.mean_epoch_seconds = object["mean_epoch_seconds"] as? Double
                record.parameters = object["parameters"] as? Int
                record.step_seconds = object["step_seconds"] as? Double
                record.allreduce_seconds = object["allreduce_seconds"] as? Double
            }
        }
        return record
    }

    /// User plus system CPU seconds of this process's terminated, waited-for descendants.
    static func childrenCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    func commandLine(ranks: Int, threads: Int, _ arguments: [String], mpiOptions: [String]) -> [String] {
        let environment = "PDEKIT_THREADS=\(threads)"
        return ranks == 1 ? ["env", environment, executable] + arguments
            : [mpirun, "--oversubscribe", "-np", String(ranks), "-x", "PDEKIT_THREADS=\(threads)"] + mpiOptions + [executable] + arguments
    }

    /// Runs the command to completion and returns its standard output; a non-zero exit is an error.
    func launch(ranks: Int, threads: Int, _ arguments: [String], mpiOptions: [String] = []) throws -> String {
        let command = commandLine(ranks: ranks, threads: threads, arguments, mpiOptions: mpiOptions)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command[0] == "env" ? Array(command.dropFirst()) : command
        var environment = ProcessInfo.processInfo.environment
        environment["PDEKIT_THREADS"] = String(threads)
        process.environment = environment
        // Standard error to a file: a pipe that nobody drains could fill and stall the child.
        let errorURL = workDirectory.appendingPathComponent("stderr-\(UUID().uuidString).txt")
        guard FileManager.default.createFile(atPath: errorURL.path, contents: nil) else {
            throw BenchmarkError("cannot create \(errorURL.path)")
        }
        defer { try? FileManager.default.removeItem(at: errorURL) }
        let pipe = Pipe(), errors = try FileHandle(forWritingTo: errorURL)
        process.standardOutput = pipe
        process.standardError = errors
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? errors.close()
        let errorText = (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw BenchmarkError("'\(command.joined(separator: " "))' exited with \(process.terminationStatus): "
                                 + errorText.split(separator: "\n").suffix(3).joined(separator: "; "))
        }
        return String(decoding: output, as: UTF8.self)
    }
}
