import Foundation
import Testing
import PhysicsInformed

/// `pdekit pinn`'s run (``PINNRun``): a resumed run writes the loss log of an uninterrupted one, and
/// a resume with other settings or a damaged configuration is one error.
@Suite struct PINNRunTests {
    func configuration(output: URL) -> PINNRunConfiguration {
        var c = PINNRunConfiguration()
        c.bundledProblem = .poisson1d
        (c.iterations, c.lbfgsIterations, c.width, c.depth, c.domainPoints) = (20, 6, 6, 1, 16)
        (c.logEvery, c.checkpointEvery, c.plots, c.resampling, c.resampleEvery) = (2, 4, false, .rar, 5)
        c.output = output.path
        return c
    }

    func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("pinn-run-\(UUID().uuidString)")
    }

    /// `loss.jsonl` without the elapsed times.
    func lossLines(_ directory: URL) throws -> [String] {
        try String(contentsOf: directory.appendingPathComponent("loss.jsonl"), encoding: .utf8).split(separator: "\n").map {
            $0.replacingOccurrences(of: #""elapsed_seconds":[0-9.e+-]+,?"#, with: "", options: .regularExpression)
        }
    }

    func finalLoss(_ directory: URL) throws -> Double? {
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("summary.json"))) as? [String: Any]
        return summary?["final_loss"] as? Double
    }

    @Test func interruptedAndResumedRunWritesTheSameLog() throws {
        let (whole, parts) = (temporaryDirectory(), temporaryDirectory())
        defer { for url in [whole, parts] { try? FileManager.default.removeItem(at: url) } }
        try PINNRun(configuration: configuration(output: whole), emit: { _ in }).run()
        for stop in [PINNTrainingPoint.adamStep(8), .lbfgsIteration(3)] {
            let interrupted = PINNRun(configuration: configuration(output: parts), resume: stop != .adamStep(8), emit: { _ in })
            interrupted.stopAfter = stop
            #expect(throws: PINNRunError.self) { try interrupted.run() }
        }
        // Lines past the checkpoint (a killed run's) are dropped on resume.
        let log = parts.appendingPathComponent("loss.jsonl")
        try (String(contentsOf: log, encoding: .utf8) + #"{"loss":1,"run":"poisson1d","stage":"lbfgs","step":99,"terms":{}}"# + "\n").write(to: log, atomically: true, encoding: .utf8)
        try PINNRun(configuration: configuration(output: parts), resume: true, emit: { _ in }).run()
        let (expected, resumed) = (try lossLines(whole), try lossLines(parts))
        #expect(expected.count > 10)
        #expect(resumed == expected)
        #expect(try finalLoss(parts) == finalLoss(whole) && finalLoss(whole) != nil)
    }

    /// Schrödinger with two states: state 0 interrupted in L-BFGS, then state 1 interrupted in Adam (after
    /// state 0 resumed and finished), then the rest; the log, the state files and the summary's energies are the uninterrupted run's.
    @Test func schrodingerStatesResumeOneAfterAnother() throws {
        let (whole, parts) = (temporaryDirectory(), temporaryDirectory())
        defer { for url in [whole, parts] { try? FileManager.default.removeItem(at: url) } }
        func schrodinger(_ output: URL) -> PINNRunConfiguration {
            var c = configuration(output: output)
            (c.bundledProblem, c.states, c.resampling, c.domainPoints) = (.schrodinger, 2, PINNRunConfiguration.Resampling.none, 32)
            return c
        }
        try PINNRun(configuration: schrodinger(whole), emit: { _ in }).run()
        // The second stop point lies behind state 0's checkpoint (which then finishes) and inside state 1's Adam stage.
        for (resume, stop) in [(false, PINNTrainingPoint.lbfgsIteration(3)), (true, .adamStep(10))] {
            let interrupted = PINNRun(configuration: schrodinger(parts), resume: resume, emit: { _ in })
            interrupted.stopAfter = stop
            #expect(throws: PINNRunError.self) { try interrupted.run() }
        }
        #expect(PINNCheckpointing.loggedPoint(in: parts.appendingPathComponent("training/state1")).map { "\($0.stage) \($0.step)" } == "adam 10")
        try PINNRun(configuration: schrodinger(parts), resume: true, emit: { _ in }).run()
        #expect(try lossLines(parts) == lossLines(whole))
        for name in ["solution-state0.csv", "solution-state1.csv"] {
            #expect(try Data(contentsOf: parts.appendingPathComponent(name)) == Data(contentsOf: whole.appendingPathComponent(name)), "\(name)")
        }
        func energies(_ directory: URL) throws -> [Double] {
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("summary.json"))) as? [String: Any]
            return (summary?["states"] as? [[String: Any]] ?? []).compactMap { $0["energy"] as? Double }
        }
        #expect(try energies(whole).count == 2 && energies(parts) == energies(whole))
    }

    @Test func resumeWithOtherSettingsOrADamagedConfigurationIsAnError() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var c = configuration(output: directory)
        c.lbfgsIterations = 0
        try PINNRun(configuration: c, emit: { _ in }).run()
        var other = c
        other.learningRate = 2e-3
        let settings = #expect(throws: PINNRunError.self) { try PINNRun(configuration: other, resume: true, emit: { _ in }).run() }
        #expect(settings?.description.contains("learningRate") == true)
        other = c
        other.iterations = 10
        let fewer = #expect(throws: PINNRunError.self) { try PINNRun(configuration: other, resume: true, emit: { _ in }).run() }
        #expect(fewer?.description.contains("not fewer") == true)
        try Data("{ not json".utf8).write(to: directory.appendingPathComponent("configuration.json"))
        #expect(throws: PINNRunError.self) { try PINNRun(configuration: c, resume: true, emit: { _ in }).run() }
        c.checkpointEvery = 0
        #expect(throws: PINNRunError.self) { try c.validate() }
    }
}
