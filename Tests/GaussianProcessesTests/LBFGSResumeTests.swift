import Foundation
import Testing
import GaussianProcesses
import TensorCore
import NeuralLayers
import Training

/// GP-HM's L-BFGS phase has its own checkpoint: a run killed in L-BFGS resumes there (not from the
/// Adam checkpoint) and ends bitwise as the uninterrupted run; a finished run resumed is not run
/// again; a run stopped at its L-BFGS iteration limit extends; the loader refuses a damaged state or
/// fewer planned iterations than done, before it changes anything. The progress records never count
/// past their totals.
@Suite struct GaussianProcessLBFGSResumeTests {
    func configuration(adam: Int = 3, lbfgs: Int) -> GaussianProcessSolver.Configuration {
        var c = GaussianProcessSolver.Configuration()
        c.components = 4
        c.maximumFrequency = 5
        c.initialLengthscale = 0.5
        c.collocationPointsPerAxis = 40
        c.adamIterations = adam
        c.lbfgsIterations = lbfgs
        c.jeffreysWeight = 1
        return c
    }

    func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gp-lbfgs-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static let problems: [GaussianProcessProblem] = [.poissonSine1D(frequency: 10, length: .pi), .allenCahnSine1D(frequency: 6, length: .pi)]

    func expectSame(_ a: GaussianProcessSolver.Result, _ b: GaussianProcessSolver.Result) {
        #expect(a.values == b.values, "grid values differ")
        #expect(a.lossHistory == b.lossHistory, "\(a.lossHistory) vs \(b.lossHistory)")
        #expect(a.log.map(\.phase) == b.log.map(\.phase) && a.log.map(\.iteration) == b.log.map(\.iteration))
        #expect(a.adamIterations == b.adamIterations && a.lbfgsIterations == b.lbfgsIterations && a.lbfgsOutcome == b.lbfgsOutcome)
        for (x, y) in zip(a.kernels, b.kernels) {
            #expect(x.logWeights == y.logWeights && x.frequencies == y.frequencies && x.logLengthscales == y.logLengthscales)
        }
    }

    /// The checkpoint as it was on disk during L-BFGS iteration `k + 1` (a kill -9 then leaves it so).
    @Test(arguments: [0, 1])
    func aRunKilledInLBFGSResumesThereAndEqualsTheUninterruptedOne(problemIndex: Int) throws {
        let problem = Self.problems[problemIndex], k = 2
        let whole = try scratch(), killed = try scratch()
        defer { for url in [whole, killed] { try? FileManager.default.removeItem(at: url) } }
        let checkpoint = "checkpoint.safetensors"
        var copied = false
        let uninterrupted = try GaussianProcessSolver(problem: problem, configuration: configuration(lbfgs: 6)).run(progress: { record in
            guard record.phase == "lbfgs", record.iteration == k + 1, !copied else { return }
            copied = (try? FileManager.default.copyItem(at: whole.appendingPathComponent(checkpoint),
                                                        to: killed.appendingPathComponent(checkpoint))) != nil
        }, runDirectory: whole, checkpointEvery: 1)
        try #require(copied, "L-BFGS stopped before iteration \(k + 1) (\(uninterrupted.lbfgsOutcome))")
        let state = try SafetensorsArchive(contentsOf: killed.appendingPathComponent(checkpoint))
        #expect(state.metadata[LBFGSCheckpointState.iterationsKey] == String(k) && state.metadata["gp.lbfgs.outcome"] == nil)
        // The killed run resumes in L-BFGS after iteration k: no Adam step, no initial value solve, and only
        // the evaluations of iterations k + 1… again (a restart of L-BFGS would repeat iterations 1…k).
        var records: [GaussianProcessSolver.Progress] = []
        let resumed = try GaussianProcessSolver(problem: problem, configuration: configuration(lbfgs: 6))
            .run(progress: { records.append($0) }, runDirectory: killed, resume: true, checkpointEvery: 1)
        let rerun = records.filter { $0.phase == "lbfgs" }.map(\.iteration)
        #expect(records.first?.phase == "lbfgs" && !records.contains { $0.phase == "adam" })
        #expect(rerun == uninterrupted.log.filter { $0.phase == "lbfgs" && $0.iteration > k }.map(\.iteration), "\(rerun)")
        expectSame(resumed, uninterrupted)
        // Without a checkpoint of its own, the whole run (checkpoint-free) gives the same numbers too.
        expectSame(try GaussianProcessSolver(problem: problem, configuration: configuration(lbfgs: 6)).run(), uninterrupted)
        // The finished run resumed does not run L-BFGS again and reports the same result.
        var phases: [String] = []
        let again = try GaussianProcessSolver(problem: problem, configuration: configuration(lbfgs: 6))
            .run(progress: { phases.append($0.phase) }, runDirectory: whole, resume: true)
        #expect(phases == ["values"], "\(phases)")
        expectSame(again, uninterrupted)
    }

    /// A run that stopped at its L-BFGS iteration limit continues to a larger one, bitwise as a run
    /// planned that long.
    @Test func aRunAtItsLBFGSLimitExtends() throws {
        let problem = Self.problems[1]
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let short = try GaussianProcessSolver(problem: problem, configuration: configuration(lbfgs: 2)).run(runDirectory: directory)
        try #require(short.lbfgsOutcome == "iterationLimit", "\(short.lbfgsOutcome)")
        let extended = try GaussianProcessSolver(problem: problem, configuration: configuration(lbfgs: 5)).run(runDirectory: directory, resume: true)
        expectSame(extended, try GaussianProcessSolver(problem: problem, configuration: configuration(lbfgs: 5)).run())
    }

    @Test func theLoaderRefusesADamagedStateOrFewerIterationsBeforeChangingAnything() throws {
        let problem = Self.problems[1]
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let done = try GaussianProcessSolver(problem: problem, configuration: configuration(lbfgs: 4)).run(runDirectory: directory)
        try #require(done.lbfgsIterations >= 2)
        func expectRefused(_ c: GaussianProcessSolver.Configuration, _ fragment: String) throws {
            let solver = try GaussianProcessSolver(problem: problem, configuration: c)
            let before = solver.parameterVector
            do {
                _ = try solver.run(runDirectory: directory, resume: true)
                Issue.record("resumed a checkpoint that should be refused (\(fragment))")
            } catch {
                #expect("\(error)".contains(fragment), "\(error)")
                #expect(error is TrainingError, "\(type(of: error)): \(error)")
            }
            #expect(solver.parameterVector == before, "a refused checkpoint changed the solver")
        }
        try expectRefused(configuration(lbfgs: 1), "plan at least \(done.lbfgsIterations) L-BFGS iterations")
        let url = directory.appendingPathComponent("checkpoint.safetensors")
        var archive = try SafetensorsArchive(contentsOf: url)
        for name in [LBFGSCheckpointState.stepsName, "lbfgs.anchor.values.whitened", "lbfgs.final_iterate"] where archive.entry(named: name) != nil {
            var damaged = archive
            var tensor: Tensor<Double> = try damaged.tensor(named: name)
            tensor.scalars[0] = .nan
            damaged.add(tensor, named: name)
            try damaged.encoded().write(to: url)
            try expectRefused(configuration(lbfgs: 4), name)
        }
        archive.metadata[LBFGSCheckpointState.pairsKey] = "1000"
        try archive.encoded().write(to: url)
        try expectRefused(configuration(lbfgs: 4), LBFGSCheckpointState.pairsKey)
    }

    /// Counters never pass totals: every record's iteration is in 1…total (an L-BFGS line search
    /// evaluates several points per iteration), and the progress bar's position stays within its total.
    @Test func progressRecordsNeverCountPastTheirTotals() throws {
        var records: [GaussianProcessSolver.Progress] = []
        let c = configuration(adam: 3, lbfgs: 4)
        let result = try GaussianProcessSolver(problem: Self.problems[1], configuration: c).run(progress: { records.append($0) })
        let lbfgs = records.filter { $0.phase == "lbfgs" }
        #expect(lbfgs.count > result.lbfgsIterations, "the line search evaluated \(lbfgs.count) points in \(result.lbfgsIterations) iterations")
        for record in records {
            #expect((1...record.totalIterations).contains(record.iteration), "\(record.phase) \(record.iteration)/\(record.totalIterations)")
        }
        var position = 0
        for record in records {
            position = GaussianProcessRun.progressPosition(of: record, adamIterations: c.adamIterations, current: position)
            #expect((0...(c.adamIterations + c.lbfgsIterations)).contains(position), "\(record.phase) \(record.iteration): position \(position)")
        }
        #expect(lbfgs.map(\.iteration) == lbfgs.map(\.iteration).sorted())
    }
}
