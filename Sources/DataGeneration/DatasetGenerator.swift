import Foundation
import TensorCore
import SparseSolvers
import PDEs
import Datasets
import RunSupport
import Distributed

/// What one `DatasetGenerator.run` did.
public struct GenerationSummary: Sendable {
    /// Samples solved by this run (excluding those already in a resumed file).
    public var solvedCount: Int
    /// Samples in the file at the end.
    public var completedCount: Int
    /// Samples found in the file at the start (0 for a new file).
    public var resumedFrom: Int
    public var seconds: Double
    /// Seconds spent in the linear solves (or time stepping for Burgers).
    public var solveSeconds: Double
    public var totalIterations: Int
    /// Strategy used (nil for Burgers) and why.
    public var strategy: SequenceSolveStrategy?
    public var strategyReason: String
    public var solverDescription: String
    /// Mean distance between consecutive feature vectors in the sampled order and in the solve order.
    public var unsortedNeighborDistance: Double
    public var sortedNeighborDistance: Double
    /// When the solve order was known (Unix seconds; the ordering phase of a ``GenerationTimeline``).
    public var orderedAt: Double = 0
    /// The process's CPU seconds (all threads) at that moment.
    public var orderedCPUSeconds: Double = 0
    public var secondsPerSample: Double { solvedCount > 0 ? seconds / Double(solvedCount) : 0 }
    public var iterationsPerSample: Double { solvedCount > 0 ? Double(totalIterations) / Double(solvedCount) : 0 }
}

/// Recycling vs independent GMRES vs direct, measured on the same systems.
public struct RecyclingComparison: Sendable {
    public var systemCount: Int
    /// Wall seconds of each strategy over all systems.
    public var gmresSeconds: Double, recyclingSeconds: Double, directSeconds: Double
    /// Process CPU seconds of each strategy (all threads; the fair clock on a loaded machine).
    public var gmresCPUSeconds: Double = 0, recyclingCPUSeconds: Double = 0, directCPUSeconds: Double = 0
    public var gmresIterations: Int, recyclingIterations: Int
    /// Operator products (SpMV with A) of each Krylov strategy, including residuals and C = A Z recomputations.
    public var gmresProducts: Int = 0, recyclingProducts: Int = 0
    /// Why a strategy stopped early (a solve that missed the tolerance), nil when every system converged.
    public var gmresFailure: String?, recyclingFailure: String?
    public var timeSpeedup: Double { gmresSeconds / recyclingSeconds }
    public var cpuSpeedup: Double { gmresCPUSeconds / recyclingCPUSeconds }
    public var iterationRatio: Double { Double(gmresIterations) / Double(max(recyclingIterations, 1)) }
}

/// CPU time of the process (all threads), in seconds.
func processCPUTime() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// The SKR data-generation pipeline (Wang et al., ICLR 2024, "Accelerating Data Generation for
/// Neural Operators via Krylov Subspace Recycling"):
///
/// 1. sample N inputs; input i is drawn from a generator seeded by (seed, i) alone, so any sample
///    can be regenerated without the others;
/// 2. reduce each input to a low-frequency feature vector (block means on a ≤ 16 × 16 grid);
/// 3. order the samples with `SimilarityOrdering` (greedy nearest neighbour, partitioned for large N);
/// 4. solve in that order with `SequenceSolver` (GCRO-DR recycling or CHOLMOD with reused analysis);
/// 5. append shards of `shardSize` samples to an HDF5 file — datasets `coeff` [N, s, s], `sol`
///    [N, s, s] and `sample_index` [N] (original index), all in solve order — and after each shard
///    set the root attribute `pdekit.completed`.
///
/// Resuming: on an existing file with the same `contentKey`, rows beyond `pdekit.completed` (a shard
/// cut short by a kill) are dropped, the deterministic order is recomputed and solving continues at
/// row `completed`. Samples are neither lost nor duplicated. Direct solves resume bit for bit;
/// recycled solves restart with an empty recycle space, so resumed solutions agree with an
/// uninterrupted run to the solve tolerance, not bitwise. An `.auto` choice recorded in the file is
/// reused on resume.
public final class DatasetGenerator {
    public let configuration: GenerationConfiguration
    private let field: GaussianRandomField
    /// The samplers of a problem file's further random coefficients (after the first).
    private var furtherFields: [GaussianRandomField] = []
    private let grid2D: UniformGrid?
    private let discretization: EllipticBoxDiscretization?

    /// Whether ``run(output:shardLimit:progress:)`` refuses a file larger than the free disk space.
    public let checksDiskSpace: Bool

    /// - Parameters:
    ///   - budget: the memory the run may use (``MemoryBudget/unlimited`` for `--force`).
    ///   - checksDiskSpace: refuse to start when the samples still to write exceed the free space of
    ///     the output's file system (false for `--force`).
    public init(_ configuration: GenerationConfiguration, budget: MemoryBudget = MemoryBudget(), checksDiskSpace: Bool = true) throws {
        try configuration.validate(budget: budget)
        self.configuration = configuration
        self.checksDiskSpace = checksDiskSpace
        let s = configuration.resolution
        discretization = try configuration.problem?.discretization(resolution: s)
        switch configuration.family {
        case .problem:
            guard let discretization, let problem = configuration.problem else { throw GenerationError.invalidParameter(name: "problem", reason: "missing") }
            field = try problem.input.field(on: discretization.grid)
            furtherFields = try problem.inputs.dropFirst().map { try $0.field.field(on: discretization.grid) }
            grid2D = discretization.grid
        case .burgers:
            field = try .fnoBurgers(resolution: s)
            grid2D = nil
        case .darcy where configuration.coefficient == .fno:
            field = try .fnoDarcy(resolution: s)
            grid2D = try .unit(dimension: 2, size: s, layout: .vertexCentred)
        default:
            let grid = try UniformGrid.unit(dimension: 2, size: s, layout: .vertexCentred)
            field = try GaussianRandomField(grid: grid, alpha: 2, tau: 3, sigma: configuration.sigma)
            grid2D = grid
        }
    }

    /// Shape of one sample's output array (`sol`): s for Burgers, s^d for the others.
    public var sampleShape: [Int] {
        configuration.family == .burgers ? [configuration.resolution]
            : [Int](repeating: configuration.resolution, count: configuration.problem?.dimension ?? 2)
    }

    /// Shape of one sample's input array (`coeff`): the output's, with a leading channel axis
    /// when a problem file has more than one random coefficient.
    public var inputSampleShape: [Int] {
        let channels = configuration.problem?.inputs.count ?? 1
        return channels > 1 ? [channels] + sampleShape : sampleShape
    }

    /// Input i (the coefficient a at the s² nodes, or Burgers' u₀; a problem file's coefficients one
    /// after the other), a function of (seed, i) only.
    public func input(_ index: Int) -> [Double] {
        var generator = SeededRandomNumberGenerator(seed: configuration.seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(index + 1))
        let psi = field.sample(using: &generator)
        switch configuration.family {
        case .burgers: return psi
        case .darcy where configuration.coefficient == .fno: return psi.map { $0 >= 0 ? 12 : 3 }
        case .problem:
            // Upper periodic faces repeat the lower ones, as the solution does (the draws there play no role).
            let problem = configuration.problem!, repeated = discretization!.periodicallyRepeated
            var values = repeated(problem.input.map(psi))
            for (k, sampler) in furtherFields.enumerated() {
                let (name, coefficient) = problem.inputs[k + 1]
                var stream = SeededRandomNumberGenerator(seed: GenerationProblem.coefficientSeed(seed: configuration.seed, sample: index, name: name))
                values += repeated(coefficient.map(sampler.sample(using: &stream)))
            }
            return values
        default: return psi.map { Foundation.exp($0) }
        }
    }

    /// The discrete system of a 2-D sample.
    public func system(for coefficient: [Double]) throws -> LinearSystem {
        let s = configuration.resolution
        switch configuration.family {
        case .darcy:
            return try DarcyProblem(resolution: s, coefficient: coefficient).discretize()
        case .poisson:
            let grid = grid2D!
            return try PoissonProblem(grid: grid, coefficient: .gridField(coefficient, on: grid), source: .constant(1),
                                      boundaryConditions: .zeroDirichlet(dimension: 2)).discretize()
        case .helmholtz:
            let grid = grid2D!
            return try HelmholtzProblem(grid: grid, coefficient: .gridField(coefficient, on: grid), wavenumber: configuration.wavenumber,
                                        source: .constant(1), boundaryConditions: .zeroDirichlet(dimension: 2)).discretize()
        case .problem:
            let points = discretization!.grid.pointCount
            let channels = (0..<(coefficient.count / max(points, 1))).map { Array(coefficient[($0 * points)..<(($0 + 1) * points)]) }
            return try discretization!.system(randomCoefficients: channels)
        case .burgers:
            throw GenerationError.invalidParameter(name: "family", reason: "Burgers has no linear system")
        }
    }

    /// Low-frequency features: block means of the input on at most 16 points per axis (8 in 3-D),
    /// per input channel.
    public func features(of input: [Double]) -> [Double] {
        let s = configuration.resolution
        if configuration.family == .problem, inputSampleShape.count != 2 {
            return Self.blockMeans(input, size: s, dimension: sampleShape.count, blocks: min(sampleShape.count == 3 ? 8 : 16, s))
        }
        if configuration.family == .burgers {
            let blocks = min(16, s)
            return (0..<blocks).map { b in
                let range = (b * s / blocks)..<((b + 1) * s / blocks)
                return range.reduce(0) { $0 + input[$1] } / Double(range.count)
            }
        }
        let blocks = min(16, s)
        var result = [Double](repeating: 0, count: blocks * blocks)
        for bi in 0..<blocks {
            let rows = (bi * s / blocks)..<((bi + 1) * s / blocks)
            for bj in 0..<blocks {
                let columns = (bj * s / blocks)..<((bj + 1) * s / blocks)
                var sum = 0.0
                for i in rows { for j in columns { sum += input[i * s + j] } }
                result[bi * blocks + bj] = sum / Double(rows.count * columns.count)
            }
        }
        return result
    }

    /// Block means of channels of `s^d` values each (row-major), `blocks` per axis.
    static func blockMeans(_ values: [Double], size s: Int, dimension d: Int, blocks: Int) -> [Double] {
        let points = [Int](repeating: s, count: d).reduce(1, *), cells = [Int](repeating: blocks, count: d).reduce(1, *)
        var result: [Double] = []
        for channel in 0..<(values.count / points) {
            var sums = [Double](repeating: 0, count: cells), counts = [Double](repeating: 0, count: cells)
            for p in 0..<points {
                var rest = p, cell = 0
                for _ in 0..<d { cell = cell * blocks + (rest % s) * blocks / s; rest /= s }
                sums[cell] += values[channel * points + p]
                counts[cell] += 1
            }
            result += zip(sums, counts).map { $0 / $1 }
        }
        return result
    }

    /// The solve order (a permutation of 0..<N), and the mean neighbour distances before/after.
    public func solveOrder() -> (order: [Int], unsorted: Double, sorted: Double) {
        solveOrder(features: (0..<configuration.sampleCount).map { features(of: input($0)) })
    }

    /// Entries of one feature vector (``features(of:)``).
    var featureLength: Int {
        let blocks = min(16, configuration.resolution)
        return configuration.family == .burgers ? blocks : blocks * blocks
    }

    /// The solve order of samples with feature vectors `vectors` (sample i's at position i).
    func solveOrder(features vectors: [[Double]]) -> (order: [Int], unsorted: Double, sorted: Double) {
        let count = vectors.count
        let order = configuration.family == .burgers
            ? Array(0..<count)
            : SimilarityOrdering.order(vectors, strategy: .automatic(sampleCount: count))
        return (order, SimilarityOrdering.meanNeighborDistance(vectors, order: Array(0..<count)),
                SimilarityOrdering.meanNeighborDistance(vectors, order: order))
    }

    func makeSolver(_ strategy: SequenceSolveStrategy) throws -> SequenceSolver {
        try SequenceSolver(strategy: strategy, configuration: configuration.solverConfiguration)
    }

    static let completedAttribute = ShardedFileResumption.completedAttribute
    static let keyAttribute = ShardedFileResumption.keyAttribute

    /// Generates (or resumes) the dataset at `path`.
    /// - Parameters:
    ///   - shardLimit: stop after this many shards (for tests of resumption); nil runs to the end.
    ///   - progress: called after every sample with (samples in file, N).
    ///   - shard: the part of the solve order to solve (``Distributed/Shard/whole``: all of it, into
    ///     `path`); a part is written to its own file ``GenerationShardFile/path(of:shard:)`` that
    ///     `GenerationShardFile.merge` joins.
    ///   - communicator: under MPI, rank 0 draws and orders the samples and broadcasts the order; the
    ///     other ranks wait for it. ``Distributed/Communicator/single`` orders locally.
    public func run(output path: String, shard: Shard = .whole, communicator: Communicator = .single, shardLimit: Int? = nil,
                    progress: ((Int, Int) -> Void)? = nil) throws -> GenerationSummary {
        let start = DispatchTime.now().uptimeNanoseconds
        let configuration = self.configuration
        let positions = shard.range(of: configuration.sampleCount)
        let path = shard.isWhole ? path : GenerationShardFile.path(of: path, shard: shard)
        let contentKey = shard.isWhole ? configuration.contentKey : GenerationShardFile.contentKey(configuration.contentKey, shard: shard)
        let count = positions.count
        var completed = 0
        var recordedStrategy: (SequenceSolveStrategy, String)?
        ShardedFileResumption.removeStaleTemporaries(of: path)
        if FileManager.default.fileExists(atPath: path) {
            completed = try ShardedFileResumption.completedSamples(
                in: path, contentKey: contentKey, sampleCount: count, arrays: ["coeff", "sol", "sample_index"]) { file, names in
                if configuration.strategy == .auto, names.contains("pdekit.solver_strategy"),
                   let text = try file.attribute("pdekit.solver_strategy").stringValue, let strategy = SequenceSolveStrategy(rawValue: text),
                   strategy != .auto {
                    let reason = (try? file.attribute("pdekit.solver_reason").stringValue) ?? nil
                    recordedStrategy = (strategy, "resumed: " + (reason ?? "recorded choice"))
                }
            }
        }
        if checksDiskSpace {
            let what = "writing \(count - completed) samples at resolution \(configuration.resolution)"
            let bytes = try MemoryBudget.product([count - completed, try configuration.storedBytesPerSample()], what: what)
            try DiskSpace.require(bytes: bytes, in: URL(fileURLWithPath: path).deletingLastPathComponent().path, what: what)
        }
        if !FileManager.default.fileExists(atPath: path) {
            let manifest = DatasetManifest(pde: configuration.family.rawValue, parameters: configuration.manifestParameters,
                                           grid: sampleShape, solver: configuration.family.isLinear ? configuration.strategy.rawValue : "pseudo-spectral",
                                           tolerance: configuration.family.isLinear ? configuration.tolerance : nil,
                                           seed: configuration.seed, sampleCount: configuration.sampleCount)
            try HDF5File.writeAtomically(to: path) { file in
                try manifest.write(to: file)
                try file.setAttribute(Self.keyAttribute, .string(contentKey))
                if !shard.isWhole {
                    try file.setAttribute(GenerationShardFile.shardAttribute, .ints([shard.index, shard.count, positions.lowerBound, positions.count]))
                }
                try file.setAttribute(Self.completedAttribute, .int(0))
                try file.setAttribute("pdekit.precision", .string(configuration.precision.rawValue))
                if configuration.family == .darcy { try file.setAttribute("pdekit.coefficient", .string(configuration.coefficient.rawValue)) }
                if let problem = configuration.problem { try file.setAttribute("pdekit.problem_file", .string(problem.text)) }
                if configuration.family.isLinear {
                    try file.setAttribute("pdekit.preconditioner", .string(configuration.preconditioner.generationName))
                }
            }
        }

        let (order, unsorted, sorted) = try sharedSolveOrder(communicator)
        let orderedAt = GenerationTimeline.now(), orderedCPUSeconds = processCPUTime()
        let solver = configuration.family.isLinear ? try makeSolver(configuration.strategy) : nil
        if let (strategy, reason) = recordedStrategy { solver?.adopt(strategy, reason: reason) }
        let burgers = configuration.family == .burgers
            ? try BurgersSolver(resolution: configuration.resolution, viscosity: configuration.viscosity) : nil
        let resumedFrom = completed
        var solveSeconds = 0.0, iterations = 0, shards = 0
        var methods = Set<String>()
        progress?(completed, count)
        while completed < count, shardLimit.map({ shards < $0 }) ?? true {
            let rows = completed..<min(count, completed + configuration.shardSize)
            var inputs: [Double] = [], outputs: [Double] = []
            for t in rows {
                let a = input(order[positions.lowerBound + t])
                let solveStart = DispatchTime.now().uptimeNanoseconds
                let u: [Double]
                if let burgers {
                    u = try burgers.solve(initial: a, time: 1)
                } else {
                    let system = try system(for: a)
                    let result = try solver!.solve(system.matrix, rightHandSide: system.rightHandSide)
                    iterations += result.report.iterations
                    methods.insert(result.report.method)
                    u = try system.field(from: result.solution)
                }
                solveSeconds += Double(DispatchTime.now().uptimeNanoseconds - solveStart) / 1e9
                inputs += a
                outputs += u
                progress?(t + 1, count)
            }
            let shape = [rows.count] + sampleShape, inputShape = [rows.count] + inputSampleShape
            let file = try HDF5File(opening: path, mode: .readWrite)
            do {
                let chunk = HDF5DatasetOptions(chunkShape: [min(configuration.shardSize, 16)] + sampleShape, extendable: true)
                let inputChunk = HDF5DatasetOptions(chunkShape: [min(configuration.shardSize, 16)] + inputSampleShape, extendable: true)
                try file.appendSamples(Self.array(inputs, shape: inputShape, configuration.precision), to: "coeff", options: inputChunk)
                try file.appendSamples(Self.array(outputs, shape: shape, configuration.precision), to: "sol", options: chunk)
                try file.appendSamples(NumericArray(shape: [rows.count], storage: .int64(rows.map { Int64(order[positions.lowerBound + $0]) })),
                                       to: "sample_index", options: HDF5DatasetOptions(chunkShape: [1024], extendable: true))
                if let solver, let chosen = solver.chosenStrategy {
                    try file.setAttribute("pdekit.solver", .string(chosen.rawValue + " [" + methods.sorted().joined(separator: ", ") + "]"))
                    try file.setAttribute("pdekit.solver_strategy", .string(chosen.rawValue))
                    try file.setAttribute("pdekit.solver_reason", .string(solver.choiceReason))
                    // The direct solves' rounding depends on CHOLMOD's ordering and supernodes: record them.
                    if let analysis = solver.directAnalysisDescription { try file.setAttribute("pdekit.direct_analysis", .string(analysis)) }
                }
                try file.setAttribute(Self.completedAttribute, .int(rows.upperBound))
                try file.close()
            } catch {
                try? file.close()
                throw error
            }
            completed = rows.upperBound
            shards += 1
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return GenerationSummary(solvedCount: completed - resumedFrom, completedCount: completed, resumedFrom: resumedFrom,
                                 seconds: seconds, solveSeconds: solveSeconds, totalIterations: iterations,
                                 strategy: solver?.chosenStrategy, strategyReason: solver?.choiceReason ?? "time stepping (no linear solves)",
                                 solverDescription: burgers != nil ? "pseudo-spectral ETDRK4/IMEX" : methods.sorted().joined(separator: ", "),
                                 unsortedNeighborDistance: unsorted, sortedNeighborDistance: sorted, orderedAt: orderedAt,
                                 orderedCPUSeconds: orderedCPUSeconds)
    }

    /// ``solveOrder()`` on several ranks (computed locally for a single rank), so every rank cuts its
    /// chunk from the same sequence: drawing the N inputs for their features is most of the ordering's
    /// time, so rank r draws the features of its contiguous share of the sample indices
    /// (``Distributed/Shard``), rank 0 gathers them (one `MPI_Gather`, each share padded to ⌈N/R⌉
    /// rows), sorts, and broadcasts the order. The features are functions of (seed, i) alone, so the
    /// order is bitwise the one-process order.
    func sharedSolveOrder(_ communicator: Communicator) throws -> (order: [Int], unsorted: Double, sorted: Double) {
        guard communicator.usesMPI, communicator.size > 1 else { return solveOrder() }
        let count = configuration.sampleCount, width = featureLength
        let rowsPerRank = (count + communicator.size - 1) / communicator.size
        let (paddedCount, overflow) = rowsPerRank.multipliedReportingOverflow(by: width)
        guard !overflow else { throw DistributedError.tooLarge(rowsPerRank) }
        var local = [Double](repeating: 0, count: paddedCount)
        for (row, index) in Shard(of: communicator).range(of: count).enumerated() {
            local.replaceSubrange((row * width)..<((row + 1) * width), with: features(of: input(index)))
        }
        let gathered = try communicator.gather(local)
        var order = [Int64](repeating: 0, count: count)
        var distances = [Double](repeating: 0, count: 2)
        if let gathered {
            var vectors: [[Double]] = []
            vectors.reserveCapacity(count)
            for (rank, rows) in gathered.enumerated() {
                for row in 0..<(try Shard(index: rank, count: communicator.size).range(of: count).count) {
                    vectors.append(Array(rows[(row * width)..<((row + 1) * width)]))
                }
            }
            let computed = solveOrder(features: vectors)
            order = computed.order.map { Int64($0) }
            distances = [computed.unsorted, computed.sorted]
        }
        try communicator.broadcast(&order)
        try communicator.broadcast(&distances)
        return (order.map { Int($0) }, distances[0], distances[1])
    }

    static func array(_ values: [Double], shape: [Int], _ precision: GenerationPrecision) throws -> NumericArray {
        switch precision {
        case .float64: return try NumericArray(shape: shape, storage: .float64(values))
        case .float32: return try NumericArray(shape: shape, storage: .float32(values.map { Float($0) }))
        }
    }

    /// Solves the first `systemCount` systems of the solve order three ways — independent GMRES,
    /// GCRO-DR recycling, and direct — with the same tolerance and preconditioner.
    public func compareRecycling(systemCount: Int) throws -> RecyclingComparison {
        guard configuration.family.isLinear else {
            throw GenerationError.invalidParameter(name: "compare-gmres", reason: "\(configuration.family.rawValue) has no linear solves")
        }
        let order = solveOrder().order.prefix(max(1, systemCount))
        let systems = try order.map { try system(for: input($0)) }
        var result = RecyclingComparison(systemCount: systems.count, gmresSeconds: 0, recyclingSeconds: 0, directSeconds: 0,
                                         gmresIterations: 0, recyclingIterations: 0)
        for strategy in [SequenceSolveStrategy.gmres, .recycling, .direct] {
            let solver = try makeSolver(strategy)
            let start = DispatchTime.now().uptimeNanoseconds
            let cpuStart = processCPUTime()
            var iterations = 0, products = 0
            var failure: String?
            for system in systems {
                do {
                    let report = try solver.solve(system.matrix, rightHandSide: system.rightHandSide).report
                    iterations += report.iterations
                    products += report.operatorApplications
                } catch let error as SequenceSolverError where strategy != .direct {
                    failure = error.description
                    break
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let cpu = processCPUTime() - cpuStart
            switch strategy {
            case .gmres:
                result.gmresSeconds = seconds; result.gmresCPUSeconds = cpu; result.gmresIterations = iterations
                result.gmresProducts = products; result.gmresFailure = failure
            case .recycling:
                result.recyclingSeconds = seconds; result.recyclingCPUSeconds = cpu; result.recyclingIterations = iterations
                result.recyclingProducts = products; result.recyclingFailure = failure
            default: result.directSeconds = seconds; result.directCPUSeconds = cpu
            }
        }
        return result
    }
}
