import TestSupport
import Foundation
import Testing
import GaussianProcesses
import TensorCore
import NeuralLayers
import Training

/// GP-HM's Adam phase on the training loop: a run stopped after N Adam steps and resumed to 2N equals
/// the uninterrupted 2N-step run bit for bit, and the checkpoint loader refuses another problem,
/// another configuration or a damaged file before it changes anything.
@Suite struct GaussianProcessResumeTests {
    func configuration(adam: Int, lbfgs: Int = 3) -> GaussianProcessSolver.Configuration {
        var c = GaussianProcessSolver.Configuration()
        c.components = 4
        c.maximumFrequency = 5
        c.initialLengthscale = 0.5
        c.collocationPointsPerAxis = 40
        c.adamIterations = adam
        c.lbfgsIterations = lbfgs
        c.jeffreysWeight = 1
        c.innerIterations = 5          // 2-D only
        c.initialInnerIterations = 30  // 2-D only
        return c
    }

    static let problems: [GaussianProcessProblem] = [.poissonSine1D(frequency: 10, length: .pi), .allenCahnSine1D(frequency: 6, length: .pi),
                                                     .poissonSine2D(frequency: 3, length: .pi)]

    @Test(arguments: [0, 1, 2])
    func resumedRunEqualsTheUninterruptedOne(problemIndex: Int) throws {
        let problem = Self.problems[problemIndex]
        let configuration = { (adam: Int) in
            var c = self.configuration(adam: adam, lbfgs: problem.dimension == 2 ? 2 : 3)
            if problem.dimension == 2 { c.collocationPointsPerAxis = 16 }
            return c
        }
        let directory = try makeScratchDirectory("gp-resume")
        defer { try? FileManager.default.removeItem(at: directory) }
        let steps = 4
        let whole = try GaussianProcessSolver(problem: problem, configuration: configuration(2 * steps)).run()
        // N steps (a complete run, whose checkpoint is that of step N), then the same run extended to 2N.
        let first = try GaussianProcessSolver(problem: problem, configuration: configuration(steps))
            .run(runDirectory: directory, resume: false, checkpointEvery: 3)
        #expect(first.adamIterations == steps)
        let checkpoint = try SafetensorsArchive(contentsOf: directory.appendingPathComponent("checkpoint.safetensors"))
        // Checkpoints every 3 steps and at the last one: the file holds step N.
        #expect(checkpoint.metadata["training.epoch"] == String(steps))
        let resumed = try GaussianProcessSolver(problem: problem, configuration: configuration(2 * steps))
            .run(runDirectory: directory, resume: true)
        #expect(whole.adamIterations == 2 * steps && resumed.adamIterations == 2 * steps)
        #expect(resumed.values == whole.values, "grid values differ after resuming")
        #expect(resumed.lossHistory == whole.lossHistory, "\(resumed.lossHistory) vs \(whole.lossHistory)")
        #expect(resumed.log.map(\.phase) == whole.log.map(\.phase))
        #expect(resumed.lbfgsIterations == whole.lbfgsIterations && resumed.lbfgsOutcome == whole.lbfgsOutcome)
        for (a, b) in zip(resumed.kernels, whole.kernels) {
            #expect(a.logWeights == b.logWeights && a.frequencies == b.frequencies && a.logLengthscales == b.logLengthscales)
        }
        // Resuming the finished 2N run again repeats its L-BFGS phase from the Adam checkpoint: same result.
        let again = try GaussianProcessSolver(problem: problem, configuration: configuration(2 * steps))
            .run(runDirectory: directory, resume: true)
        #expect(again.values == whole.values)
    }

    @Test func theLoaderRefusesAnotherProblemConfigurationOrFileBeforeChangingAnything() throws {
        let directory = try makeScratchDirectory("gp-resume")
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try GaussianProcessSolver(problem: .poissonSine1D(frequency: 10, length: .pi), configuration: configuration(adam: 2, lbfgs: 0))
            .run(runDirectory: directory, resume: false)
        func expectRefused(_ problem: GaussianProcessProblem, _ c: GaussianProcessSolver.Configuration, _ fragment: String) throws {
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
        // Another source (frequency), another size (collocation points), another kernel setting.
        try expectRefused(.poissonSine1D(frequency: 9, length: .pi), configuration(adam: 4), "other samples")
        var larger = configuration(adam: 4)
        larger.collocationPointsPerAxis = 41
        try expectRefused(.poissonSine1D(frequency: 10, length: .pi), larger, "configuration")
        var otherKernel = configuration(adam: 4)
        otherKernel.components = 5
        try expectRefused(.poissonSine1D(frequency: 10, length: .pi), otherKernel, "configuration")
        // Fewer Adam steps than the checkpoint has.
        try expectRefused(.poissonSine1D(frequency: 10, length: .pi), configuration(adam: 1), "training.epoch")
        // A damaged checkpoint: a NaN in the grid values, then a file cut short.
        let url = directory.appendingPathComponent("checkpoint.safetensors")
        var archive = try SafetensorsArchive(contentsOf: url)
        let good = try archive.encoded()
        var values: Tensor<Double> = try archive.tensor(named: "values.whitened")
        values.scalars[3] = .nan
        archive.add(values, named: "values.whitened")
        try archive.encoded().write(to: url)
        try expectRefused(.poissonSine1D(frequency: 10, length: .pi), configuration(adam: 4), "values.whitened")
        try good.prefix(good.count / 2).write(to: url)
        try expectRefused(.poissonSine1D(frequency: 10, length: .pi), configuration(adam: 4), "checkpoint")
    }
}
