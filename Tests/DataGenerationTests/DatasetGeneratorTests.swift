import Foundation
import Testing
import SparseSolvers
import PDEs
import Datasets
import DataGeneration

/// The generation pipeline end to end: solutions satisfy their discrete systems, sample i depends
/// on (seed, i) only, and an interrupted run resumes without losing or duplicating samples.
@Suite struct DatasetGeneratorTests {
    func temporaryPath(_ name: String) throws -> (directory: URL, path: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-gen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return (directory, directory.appendingPathComponent(name).path)
    }

    func read(_ path: String) throws -> (coeff: NumericArray, sol: NumericArray, index: [Int], completed: Int) {
        let file = try HDF5File(opening: path)
        defer { try? file.close() }
        return (try file.readDataset("coeff"), try file.readDataset("sol"),
                try file.readDataset("sample_index").doubleValues.map { Int($0) },
                try file.attribute("pdekit.completed").intValue ?? -1)
    }

    /// Every stored solution solves the system rebuilt from its stored coefficient (an independent
    /// DarcyProblem assembly), to the tolerance; sample_index is a permutation and coeff[t] equals
    /// the input regenerated from sample_index[t].
    @Test(arguments: [SequenceSolveStrategy.direct, .recycling])
    func solutionsSatisfyTheirSystems(strategy: SequenceSolveStrategy) throws {
        let (directory, path) = try temporaryPath("darcy.h5")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = GenerationConfiguration(family: .darcy, sampleCount: 7, resolution: 13, seed: 5, tolerance: 1e-9,
                                                    strategy: strategy, precision: .float64, shardSize: 3)
        let generator = try DatasetGenerator(configuration)
        let summary = try generator.run(output: path)
        #expect(summary.completedCount == 7 && summary.strategy == strategy)
        let data = try read(path)
        #expect(data.coeff.shape == [7, 13, 13] && data.sol.shape == [7, 13, 13] && data.completed == 7)
        #expect(data.index.sorted() == Array(0..<7))
        let a = data.coeff.doubleValues, u = data.sol.doubleValues
        for t in 0..<7 {
            let coefficient = Array(a[(t * 169)..<((t + 1) * 169)])
            #expect(coefficient == generator.input(data.index[t]))
            let system = try DarcyProblem(resolution: 13, coefficient: coefficient).discretize()
            let x = try system.unknowns(from: Array(u[(t * 169)..<((t + 1) * 169)]))
            let ax = system.matrix.applied(to: x)
            var r = 0.0, b = 0.0
            for i in 0..<x.count { r += (system.rightHandSide[i] - ax[i]) * (system.rightHandSide[i] - ax[i]); b += system.rightHandSide[i] * system.rightHandSide[i] }
            #expect(r.squareRoot() <= 1e-9 * b.squareRoot() * 1.0001, "sample \(t): relative residual \(r.squareRoot() / b.squareRoot())")
        }
        let manifest = try DatasetManifest(from: HDF5File(opening: path))
        #expect(manifest.pde == "darcy" && manifest.seed == 5 && manifest.sampleCount == 7 && manifest.tolerance == 1e-9)
        let file = try HDF5File(opening: path)
        defer { try? file.close() }
        let analysis = try? file.attribute("pdekit.direct_analysis").stringValue
        #expect(strategy == .direct ? analysis == "CHOLMOD simplicial, AMD ordering" : analysis == nil, "\(String(describing: analysis))")
    }

    /// At 128² CHOLMOD factors supernodally (its OpenMP regions run as plain calls, see
    /// `CholmodParallelRegions`): the file records the analysis, and every stored Float64 solution
    /// has a relative residual ≤ 1e-10 in the system rebuilt from its stored coefficient.
    @Test func supernodalDirectSolvesRecordTheirAnalysis() throws {
        let (directory, path) = try temporaryPath("darcy128.h5")
        defer { try? FileManager.default.removeItem(at: directory) }
        let s = 128, points = s * s
        let configuration = GenerationConfiguration(family: .darcy, sampleCount: 3, resolution: s, seed: 2, tolerance: 1e-8,
                                                    strategy: .direct, precision: .float64, shardSize: 2)
        _ = try DatasetGenerator(configuration).run(output: path)
        let data = try read(path)
        let a = data.coeff.doubleValues, u = data.sol.doubleValues
        for t in 0..<3 {
            let system = try DarcyProblem(resolution: s, coefficient: Array(a[(t * points)..<((t + 1) * points)])).discretize()
            let x = try system.unknowns(from: Array(u[(t * points)..<((t + 1) * points)]))
            let residual = VectorOperations.norm(VectorOperations.residual(system.matrix, x, system.rightHandSide))
                / VectorOperations.norm(system.rightHandSide)
            #expect(residual.isFinite && residual <= 1e-10, "sample \(t): relative residual \(residual)")
        }
        let file = try HDF5File(opening: path)
        defer { try? file.close() }
        #expect(try file.attribute("pdekit.direct_analysis").stringValue == "CHOLMOD supernodal, AMD ordering, amalgamation 4/16/48, OpenMP regions inline")
    }

    /// Stop after 2 shards, corrupt the tail with a half-written extra row, resume: the file equals
    /// an uninterrupted run bit for bit (direct solves are deterministic).
    @Test func resumeMatchesUninterruptedRun() throws {
        let (directory, path) = try temporaryPath("full.h5")
        defer { try? FileManager.default.removeItem(at: directory) }
        let resumed = directory.appendingPathComponent("resumed.h5").path
        let configuration = GenerationConfiguration(family: .darcy, sampleCount: 8, resolution: 11, seed: 3,
                                                    strategy: .direct, shardSize: 3)
        _ = try DatasetGenerator(configuration).run(output: path)
        let partial = try DatasetGenerator(configuration).run(output: resumed, shardLimit: 2)
        #expect(partial.completedCount == 6)
        // A shard cut short: rows written but `completed` not advanced.
        do {
            let file = try HDF5File(opening: resumed, mode: .readWrite)
            try file.appendSamples(NumericArray(shape: [1, 11, 11], storage: .float32(.init(repeating: 9, count: 121))), to: "coeff")
            try file.close()
        }
        let rest = try DatasetGenerator(configuration).run(output: resumed)
        #expect(rest.resumedFrom == 6 && rest.solvedCount == 2 && rest.completedCount == 8)
        let a = try read(path), b = try read(resumed)
        #expect(a.coeff == b.coeff && a.sol == b.sol && a.index == b.index && b.completed == 8)
        // Rerunning a finished file solves nothing.
        #expect(try DatasetGenerator(configuration).run(output: resumed).solvedCount == 0)
    }

    /// A different configuration is refused instead of mixing data.
    @Test func resumeRefusesDifferentParameters() throws {
        let (directory, path) = try temporaryPath("x.h5")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = GenerationConfiguration(family: .darcy, sampleCount: 4, resolution: 9, strategy: .direct, shardSize: 2)
        _ = try DatasetGenerator(configuration).run(output: path, shardLimit: 1)
        configuration.seed = 1
        #expect(throws: GenerationError.self) { try DatasetGenerator(configuration).run(output: path) }
        #expect(throws: GenerationError.self) { try DatasetGenerator(GenerationConfiguration(family: .darcy, sampleCount: 0, resolution: 9)) }
    }

    /// A run killed while creating its file leaves `.<name>.tmp-<UUID>` behind (found by
    /// scripts/kill-resume-check.py); the next run on that output removes it, and only it.
    @Test func rerunRemovesOnlyItsOwnStaleTemporaries() throws {
        let (directory, path) = try temporaryPath("x.h5")
        defer { try? FileManager.default.removeItem(at: directory) }
        let own = directory.appendingPathComponent(".x.h5.tmp-\(UUID().uuidString)").path
        let other = directory.appendingPathComponent(".y.h5.tmp-\(UUID().uuidString)").path
        for stale in [own, other] { #expect(FileManager.default.createFile(atPath: stale, contents: Data(count: 64))) }
        let configuration = GenerationConfiguration(family: .darcy, sampleCount: 2, resolution: 9, strategy: .direct, shardSize: 2)
        let summary = try DatasetGenerator(configuration).run(output: path)
        #expect(summary.completedCount == 2)
        #expect(!FileManager.default.fileExists(atPath: own), "the output's stale temporary is still there")
        #expect(FileManager.default.fileExists(atPath: other), "another file's temporary was removed")
    }

    /// A Navier–Stokes request that streams more bytes than the output's file system has free is
    /// refused before the file is created (3037000500 trajectories of 8² × 2 float32 values = 1.4 TiB).
    @Test func navierStokesRunLargerThanTheDiskIsRefused() throws {
        let (directory, path) = try temporaryPath("ns.h5")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = NavierStokesGenerationConfiguration(sampleCount: 3_037_000_500, resolution: 8, finalTime: 0.1, recordInterval: 0.1,
                                                                timeStep: 0.01)
        #expect(try configuration.storedBytesPerSample() == 8 * 8 * 2 * 4 + 8)
        let generator = try NavierStokesDatasetGenerator(configuration)
        let error = #expect(throws: (any Error).self) { try generator.run(output: path) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("of disk"))
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// The same for the PDE families: 2,000,000 Darcy samples at 1025² in float64 store 33.6 TB, while the
    /// run is estimated at 5.2 GB of memory (sorting features and solver), so the memory check lets it through.
    @Test func pdeRunLargerThanTheDiskIsRefused() throws {
        let (directory, path) = try temporaryPath("darcy.h5")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = GenerationConfiguration(family: .darcy, sampleCount: 2_000_000, resolution: 1025, precision: .float64, shardSize: 1)
        #expect(try configuration.storedBytesPerSample() == 1025 * 1025 * 2 * 8 + 8)
        let generator = try DatasetGenerator(configuration)
        let error = #expect(throws: (any Error).self) { try generator.run(output: path) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("of disk"))
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// Sorting puts similar coefficients next to each other, and recycling on the sorted sequence
    /// needs fewer iterations than independent GMRES on the same systems (SKR's claim, small scale).
    @Test func recyclingSavesIterationsOnSortedSequence() throws {
        let configuration = GenerationConfiguration(family: .darcy, sampleCount: 12, resolution: 21, seed: 7, tolerance: 1e-8,
                                                    strategy: .recycling, coefficient: .lognormal)
        let generator = try DatasetGenerator(configuration)
        let order = generator.solveOrder()
        #expect(order.order.sorted() == Array(0..<12) && order.sorted < order.unsorted)
        let comparison = try generator.compareRecycling(systemCount: 12)
        #expect(comparison.recyclingIterations < comparison.gmresIterations)
    }

    /// Helmholtz past the first eigenvalue is indefinite: the direct path falls back to UMFPACK
    /// and the result solves the system. Burgers writes [N, n] arrays matching a direct solver call.
    @Test func helmholtzAndBurgers() throws {
        let (directory, path) = try temporaryPath("h.h5")
        defer { try? FileManager.default.removeItem(at: directory) }
        let helmholtz = GenerationConfiguration(family: .helmholtz, sampleCount: 3, resolution: 15, strategy: .direct,
                                                precision: .float64, wavenumber: 12)
        let summary = try DatasetGenerator(helmholtz).run(output: path)
        #expect(summary.solverDescription.contains("UMFPACK"))
        let burgersPath = directory.appendingPathComponent("b.h5").path
        let burgers = GenerationConfiguration(family: .burgers, sampleCount: 2, resolution: 64, precision: .float64)
        let generator = try DatasetGenerator(burgers)
        _ = try generator.run(output: burgersPath)
        let data = try read(burgersPath)
        #expect(data.sol.shape == [2, 64])
        let expected = try BurgersSolver(resolution: 64, viscosity: 0.1).solve(initial: generator.input(data.index[1]), time: 1)
        #expect(Array(data.sol.doubleValues[64...]) == expected)
    }
}
