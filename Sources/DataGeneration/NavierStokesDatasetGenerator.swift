import Foundation
import TensorCore
import PDEs
import Datasets
import RunSupport

/// Everything that fixes the content of a generated 2-D Navier–Stokes (vorticity) dataset.
public struct NavierStokesGenerationConfiguration: Sendable, Equatable {
    public var sampleCount: Int
    /// Grid points per side n (periodic, even).
    public var resolution: Int
    /// Kinematic viscosity ν.
    public var viscosity: Double
    /// Final time T of each trajectory.
    public var finalTime: Double
    /// Time between recorded snapshots (T / interval snapshots, at t = interval, 2·interval, …, T).
    public var recordInterval: Double
    /// Largest time step Δt of the CN–Heun integrator (each record interval is split evenly).
    public var timeStep: Double
    /// Whether the FNO forcing 0.1(sin 2π(x+y) + cos 2π(x+y)) is applied (else f = 0).
    public var forced: Bool
    public var seed: UInt64
    public var precision: GenerationPrecision
    /// Samples per appended shard (the unit of resumption).
    public var shardSize: Int

    /// Defaults: FNO's ν = 10⁻³ data (T = 50, one snapshot per unit of time, forced).
    public init(sampleCount: Int, resolution: Int, viscosity: Double = 1e-3, finalTime: Double = 50, recordInterval: Double = 1,
                timeStep: Double = 1e-3, forced: Bool = true, seed: UInt64 = 0, precision: GenerationPrecision = .float32,
                shardSize: Int = 10) {
        self.sampleCount = sampleCount
        self.resolution = resolution
        self.viscosity = viscosity
        self.finalTime = finalTime
        self.recordInterval = recordInterval
        self.timeStep = timeStep
        self.forced = forced
        self.seed = seed
        self.precision = precision
        self.shardSize = shardSize
    }

    /// Number of recorded snapshots T / interval (the ratio must be a whole number).
    public var snapshotCount: Int { Int((finalTime / recordInterval).rounded()) }

    /// The most snapshots, and time steps per snapshot, a configuration may ask for (both become `Int`s).
    static let maximumCount = 1e9

    /// Checks the values a user can get wrong.
    public func validate() throws {
        func bad(_ name: String, _ reason: String) -> GenerationError { .invalidParameter(name: name, reason: reason) }
        guard sampleCount >= 1 else { throw bad("samples", "must be at least 1") }
        guard resolution >= 4, resolution % 2 == 0 else { throw bad("resolution", "Navier–Stokes needs an even number of points ≥ 4") }
        guard viscosity > 0, viscosity.isFinite else { throw bad("viscosity", "must be positive") }
        guard finalTime > 0, finalTime.isFinite else { throw bad("final-time", "must be positive") }
        guard recordInterval > 0, recordInterval <= finalTime else { throw bad("record-interval", "must lie in (0, final time]") }
        let ratio = finalTime / recordInterval
        guard ratio <= Self.maximumCount else { throw bad("record-interval", "more than \(Int(Self.maximumCount)) snapshots") }
        guard abs(ratio - ratio.rounded()) <= 1e-9 * ratio else {
            throw bad("record-interval", "final time \(finalTime) is not a whole multiple of \(recordInterval)")
        }
        guard timeStep > 0, timeStep <= recordInterval else { throw bad("time-step", "must lie in (0, record interval]") }
        guard recordInterval / timeStep <= Self.maximumCount else {
            throw bad("time-step", "\(timeStep) needs more than \(Int(Self.maximumCount)) steps per record interval")
        }
        guard shardSize >= 1 else { throw bad("shard-size", "must be at least 1") }
    }

    /// Scalar parameters recorded in the manifest.
    public var manifestParameters: [String: Double] {
        ["viscosity": viscosity, "final_time": finalTime, "record_interval": recordInterval, "time_step": timeStep,
         "snapshots": Double(snapshotCount), "alpha": 2.5, "tau": 7, "forcing_amplitude": forced ? 0.1 : 0,
         "shard_size": Double(shardSize)]
    }

    /// One line describing everything that fixes the data (compared on resume).
    public var contentKey: String {
        let parameters = manifestParameters.filter { $0.key != "shard_size" }.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return "family=navier-stokes samples=\(sampleCount) resolution=\(resolution) seed=\(seed) precision=\(precision.rawValue) parameters=[\(parameters)]"
    }
}

/// 2-D incompressible Navier–Stokes (vorticity form, unit torus) data as in the FNO paper (Li et al.,
/// ICLR 2021, §5.3): ω₀ ~ N(0, 7^{3/2}(−Δ + 49 I)^{−2.5}) (`GaussianRandomField.fnoNavierStokes`),
/// forcing 0.1(sin 2π(x+y) + cos 2π(x+y)), ν = 10⁻³ by default, integrated by `NavierStokes2DSolver`
/// (pseudo-spectral, 2/3 dealiasing, Crank–Nicolson viscosity, Heun advection).
///
/// File layout (HDF5, same resumable sharded format as `DatasetGenerator`): `coeff` [N, n, n] = ω₀,
/// `sol` [N, n, n, T/interval] = ω at t = interval, 2·interval, …, T (time last, as FNO's `u`),
/// `sample_index` [N], `times` [T/interval], the `DatasetManifest` attributes, `pdekit.content_key` and
/// `pdekit.completed` (rows in finished shards). Sample i depends on (seed, i) only; a rerun on a partial
/// file drops rows past `pdekit.completed` and continues, so nothing is lost or duplicated, and resumed
/// samples are bit-identical to an uninterrupted run. Samples of a shard are integrated in parallel
/// (one solver per core).
///
/// Cost: T/Δt steps of 6 real FFTs of n² points per sample (≈ 0.3 s per unit of time at 64², Δt = 10⁻³).
public final class NavierStokesDatasetGenerator {
    public let configuration: NavierStokesGenerationConfiguration
    private let field: GaussianRandomField

    /// Whether ``run(output:shardLimit:progress:)`` refuses a file larger than the free disk space.
    public let checksDiskSpace: Bool

    /// - Parameters:
    ///   - budget: the memory the run may use (``MemoryBudget/unlimited`` for `--force`).
    ///   - checksDiskSpace: refuse to start when the samples still to write exceed the free space of
    ///     the output's file system (false for `--force`).
    public init(_ configuration: NavierStokesGenerationConfiguration, budget: MemoryBudget = MemoryBudget(),
                checksDiskSpace: Bool = true) throws {
        try configuration.validate(budget: budget)
        self.configuration = configuration
        self.checksDiskSpace = checksDiskSpace
        field = try .fnoNavierStokes(resolution: configuration.resolution)
    }

    /// ω₀ of sample i (n² values, index i·n + j for (x_i, y_j)); a function of (seed, i) only.
    public func initialVorticity(_ index: Int) -> [Double] {
        var generator = SeededRandomNumberGenerator(seed: configuration.seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(index + 1))
        return field.sample(using: &generator)
    }

    /// The snapshot times interval, 2·interval, …, T.
    public var times: [Double] { (1...configuration.snapshotCount).map { Double($0) * configuration.finalTime / Double(configuration.snapshotCount) } }

    func makeSolver() throws -> NavierStokes2DSolver {
        try NavierStokes2DSolver(resolution: configuration.resolution, viscosity: configuration.viscosity,
                                 forcing: configuration.forced ? .fno : .none, timeStep: configuration.timeStep)
    }

    /// Snapshots of one trajectory in the file's layout [n, n, T] (time last).
    func trajectory(_ w0: [Double], solver: NavierStokes2DSolver) throws -> [Double] {
        let series = try solver.solve(initialVorticity: w0, time: configuration.finalTime, snapshotCount: configuration.snapshotCount)
        let t = series.snapshots.count, cells = w0.count
        var out = [Double](repeating: 0, count: cells * t)
        for (s, snapshot) in series.snapshots.enumerated() {
            for c in 0..<cells { out[c * t + s] = snapshot[c] }
        }
        return out
    }

    static let completedAttribute = ShardedFileResumption.completedAttribute
    static let keyAttribute = ShardedFileResumption.keyAttribute

    /// Generates (or resumes) the dataset at `path`.
    /// - Parameters:
    ///   - shardLimit: stop after this many shards (for tests of resumption); nil runs to the end.
    ///   - progress: called after every shard with (samples in file, N).
    public func run(output path: String, shardLimit: Int? = nil, progress: ((Int, Int) -> Void)? = nil) throws -> GenerationSummary {
        let start = DispatchTime.now().uptimeNanoseconds
        let configuration = self.configuration
        let count = configuration.sampleCount, n = configuration.resolution, snapshots = configuration.snapshotCount
        var completed = 0
        ShardedFileResumption.removeStaleTemporaries(of: path)
        let resuming = FileManager.default.fileExists(atPath: path)
        if resuming {
            completed = try ShardedFileResumption.completedSamples(
                in: path, contentKey: configuration.contentKey, sampleCount: count, arrays: ["coeff", "sol", "sample_index"])
        }
        if checksDiskSpace {
            let what = "writing \(count - completed) Navier–Stokes trajectories at resolution \(n)"
            let bytes = try MemoryBudget.product([count - completed, try configuration.storedBytesPerSample()], what: what)
            try DiskSpace.require(bytes: bytes, in: URL(fileURLWithPath: path).deletingLastPathComponent().path, what: what)
        }
        if !resuming {
            let manifest = DatasetManifest(pde: "navier-stokes", parameters: configuration.manifestParameters, grid: [n, n],
                                           solver: "pseudo-spectral CN-Heun", tolerance: nil, seed: configuration.seed, sampleCount: count)
            let times = self.times
            try HDF5File.writeAtomically(to: path) { file in
                try manifest.write(to: file)
                try file.setAttribute(Self.keyAttribute, .string(configuration.contentKey))
                try file.setAttribute(Self.completedAttribute, .int(0))
                try file.setAttribute("pdekit.precision", .string(configuration.precision.rawValue))
                try file.setAttribute("pdekit.layout", .string("coeff = w0 [N, n, n]; sol = w(t) [N, n, n, T] at times"))
                try file.writeDataset("times", NumericArray(shape: [times.count], storage: .float64(times)))
            }
        }

        let workers = max(1, min(ParallelLoop.workerCount, configuration.shardSize))
        // FFTW plans are created serially; their execution is thread-safe.
        let solvers = try (0..<workers).map { _ in try makeSolver() }
        let resumedFrom = completed
        var shards = 0
        var solveSeconds = 0.0
        progress?(completed, count)
        while completed < count, shardLimit.map({ shards < $0 }) ?? true {
            let rows = completed..<min(count, completed + configuration.shardSize)
            let inputs = rows.map { initialVorticity($0) }
            var outputs = [[Double]](repeating: [], count: rows.count)
            var failures = [Error?](repeating: nil, count: workers)
            let solveStart = DispatchTime.now().uptimeNanoseconds
            outputs.withUnsafeMutableBufferPointer { out in
                failures.withUnsafeMutableBufferPointer { failed in
                    // Worker w integrates rows w, w + workers, … with its own solver.
                    let body: (Int) -> Void = { worker in
                        var r = worker
                        while r < inputs.count {
                            do { out[r] = try self.trajectory(inputs[r], solver: solvers[worker]) } catch {
                                failed[worker] = error
                                return
                            }
                            r += workers
                        }
                    }
                    withoutActuallyEscaping(body) { escaping in
                        let box = UncheckedSendableBox(escaping)
                        DispatchQueue.concurrentPerform(iterations: min(workers, inputs.count)) { box.value($0) }
                    }
                }
            }
            solveSeconds += Double(DispatchTime.now().uptimeNanoseconds - solveStart) / 1e9
            if let error = failures.compactMap({ $0 }).first { throw error }
            let file = try HDF5File(opening: path, mode: .readWrite)
            do {
                let chunkRows = min(configuration.shardSize, 16)
                try file.appendSamples(DatasetGenerator.array(inputs.flatMap { $0 }, shape: [rows.count, n, n], configuration.precision),
                                       to: "coeff", options: HDF5DatasetOptions(chunkShape: [chunkRows, n, n], extendable: true))
                try file.appendSamples(DatasetGenerator.array(outputs.flatMap { $0 }, shape: [rows.count, n, n, snapshots], configuration.precision),
                                       to: "sol", options: HDF5DatasetOptions(chunkShape: [1, n, n, snapshots], extendable: true))
                try file.appendSamples(NumericArray(shape: [rows.count], storage: .int64(rows.map { Int64($0) })),
                                       to: "sample_index", options: HDF5DatasetOptions(chunkShape: [1024], extendable: true))
                try file.setAttribute(Self.completedAttribute, .int(rows.upperBound))
                try file.close()
            } catch {
                try? file.close()
                throw error
            }
            completed = rows.upperBound
            shards += 1
            progress?(completed, count)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return GenerationSummary(solvedCount: completed - resumedFrom, completedCount: completed, resumedFrom: resumedFrom,
                                 seconds: seconds, solveSeconds: solveSeconds, totalIterations: 0, strategy: nil,
                                 strategyReason: "time stepping (no linear solves)",
                                 solverDescription: "pseudo-spectral CN-Heun, \(workers) trajectories in parallel",
                                 unsortedNeighborDistance: 0, sortedNeighborDistance: 0)
    }
}

extension NavierStokesDatasetGenerator {
    /// One `pdekit generate navier-stokes` run: checks the output's folder, generates (resuming a partial file)
    /// with a progress line unless `quiet`, and returns the lines of its report (``GenerationReport``).
    public func runReporting(output: String, shardLimit: Int?, quiet: Bool) throws -> [String] {
        try GenerationReport.requireOutputDirectory(of: output)
        let progress = GenerationProgress(label: "generate navier-stokes", unit: "trajectories", quiet: quiet)
        let summary = try run(output: output, shardLimit: shardLimit, progress: progress.report)
        progress.finish()
        return GenerationReport.navierStokesLines(summary, configuration: configuration, output: output)
    }
}
