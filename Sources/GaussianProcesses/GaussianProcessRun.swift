import Foundation
import RunSupport
import Training

/// A whole `pdekit gp` run: validate the configuration, solve (GP-HM or kernel collocation), measure
/// the relative L2 error against the exact solution, and write the outputs.
///
/// Files in the output directory: `log.jsonl` (one ``GaussianProcessRunSummary/LogLine`` per
/// recorded evaluation, GP-HM), `summary.json` (``GaussianProcessRunSummary``), `solution.csv`,
/// `spectrum.csv`, and the plots of ``GaussianProcessPlots``; GP-HM also keeps Training's run
/// directory `training/` (the checkpoint of the Adam and L-BFGS phases, and `metrics.jsonl`), from
/// which `resume` continues (see ``GaussianProcessSolver/run(progress:runDirectory:resume:checkpointEvery:)``).
public enum GaussianProcessRun {
    /// The name of the training run directory inside the output directory.
    public static let trainingDirectoryName = "training"

    /// Runs `configuration`; `status` receives the report lines (error, time, surviving frequencies).
    /// A progress bar over the Adam steps and L-BFGS iterations goes to stderr.
    @discardableResult
    public static func run(_ configuration: GaussianProcessRunConfiguration, budget: MemoryBudget = MemoryBudget(),
                           status: (String) -> Void) throws -> GaussianProcessRunSummary {
        let pde = try configuration.makeProblem()
        try configuration.validate(for: pde, budget: budget)
        let (iterations, lbfgsIterations, jeffreysWeight, maximumFrequency) = configuration.resolved(for: pde)
        let directory = URL(fileURLWithPath: configuration.output, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        let start = Date()
        let field: KernelField
        var summary: GaussianProcessRunSummary
        var lossLog: [GaussianProcessRunSummary.LogLine] = []
        let method = configuration.method
        switch method {
        case .collocation:
            let k = try StationaryKernel(family: configuration.kernel, components: configuration.components,
                                         maximumFrequency: maximumFrequency, lengthscale: configuration.lengthscale)
            field = try KernelCollocation.solve(pde, kernels: Array(repeating: k, count: pde.dimension), pointsPerAxis: configuration.collocation)
            summary = GaussianProcessRunSummary(
                problem: pde.name, method: method.rawValue, kernel: configuration.kernel.rawValue, collocationPointsPerAxis: configuration.collocation,
                components: k.componentCount, relativeL2Error: .nan, testPointsPerAxis: configuration.testPoints,
                seconds: Date().timeIntervalSince(start), adamIterations: 0, lbfgsIterations: 0, jeffreysWeight: nil,
                adamOutcome: "skipped", lbfgsOutcome: "skipped", finalLoss: nil, survivingFrequencies: [], outcome: .noBetterThanZero)
        case .gpHM:
            var solverConfiguration = GaussianProcessSolver.Configuration()
            solverConfiguration.kernel = configuration.kernel
            solverConfiguration.components = configuration.components
            solverConfiguration.maximumFrequency = maximumFrequency
            solverConfiguration.initialLengthscale = configuration.lengthscale
            solverConfiguration.collocationPointsPerAxis = configuration.collocation
            solverConfiguration.jitter = configuration.jitter
            solverConfiguration.boundaryNoise = configuration.boundaryNoise
            solverConfiguration.equationNoise = configuration.equationNoise
            solverConfiguration.jeffreysWeight = jeffreysWeight
            solverConfiguration.learnFrequencies = !configuration.fixedFrequencies
            solverConfiguration.learnLengthscales = !configuration.fixedLengthscales
            solverConfiguration.learnWeights = !configuration.fixedWeights
            solverConfiguration.adamIterations = iterations
            solverConfiguration.hyperparameterLearningRate = configuration.hyperparameterLearningRate
            solverConfiguration.lbfgsIterations = lbfgsIterations
            solverConfiguration.preconditioner = configuration.preconditioner
            solverConfiguration.innerIterations = configuration.innerIterations
            solverConfiguration.initialInnerIterations = configuration.valueIterations
            let solver = try GaussianProcessSolver(problem: pde, configuration: solverConfiguration)
            // One bar over the outer steps: Adam steps, then L-BFGS iterations. The solver resumes inside
            // (Adam or L-BFGS) and reports each step it finishes, so its first report is this process's first.
            let progressBar = ProgressBar(total: iterations + lbfgsIterations, label: "gp",
                                          start: configuration.resume ? .beforeFirstReport : .count(0))
            defer { progressBar.finish() }
            let runDirectory = directory.appendingPathComponent(trainingDirectoryName, isDirectory: true)
            if configuration.resume {
                let checkpoint = runDirectory.appendingPathComponent(TrainingLoop<GaussianProcessHyperparameterTask>.checkpointName)
                status(FileManager.default.fileExists(atPath: checkpoint.path) ? "resuming from \(checkpoint.path)"
                       : "note: no checkpoint at \(checkpoint.path); starting a new run")
            }
            let result = try solver.run(progress: { step in
                progressBar.advance(to: progressPosition(of: step, adamIterations: iterations, current: progressBar.completed),
                                    status: String(format: "%@ %ld/%ld  loss %.6e", step.phase, step.iteration, step.totalIterations, step.loss))
            }, runDirectory: runDirectory, resume: configuration.resume, checkpointEvery: configuration.checkpointEvery)
            progressBar.finish()
            lossLog = result.log.map { .init(phase: $0.phase, iteration: $0.iteration, loss: $0.loss, seconds: $0.elapsedSeconds) }
            try AtomicFile.write(JSONOutput.lines(lossLog), to: directory.appendingPathComponent("log.jsonl"))
            field = result.field
            summary = GaussianProcessRunSummary(
                problem: pde.name, method: method.rawValue, kernel: configuration.kernel.rawValue, collocationPointsPerAxis: configuration.collocation,
                components: result.kernels[0].componentCount, relativeL2Error: .nan, testPointsPerAxis: configuration.testPoints,
                seconds: result.seconds, adamIterations: result.adamIterations, lbfgsIterations: result.lbfgsIterations,
                jeffreysWeight: jeffreysWeight, adamOutcome: result.adamOutcome, lbfgsOutcome: result.lbfgsOutcome, finalLoss: result.lossHistory.last,
                survivingFrequencies: result.kernels.map { k in
                    k.survivingComponents().map { .init(frequency: $0.frequency, weight: $0.weight, lengthscale: $0.lengthscale) }
                }, outcome: .noBetterThanZero)
        }
        summary.relativeL2Error = field.relativeError(against: pde, testPointsPerAxis: configuration.testPoints)
        summary.outcome = .init(relativeL2Error: summary.relativeL2Error)
        guard summary.relativeL2Error.isFinite else {
            throw GaussianProcessRunConfiguration.SettingError(
                description: "the relative L2 error is \(summary.relativeL2Error): the solve produced non-finite values")
        }
        try AtomicFile.write(JSONOutput.document(summary), to: directory.appendingPathComponent("summary.json"))
        try writeOutputs(field: field, problem: pde, lossLog: lossLog, testPoints: configuration.testPoints, directory: directory)
        status(String(format: "%@ %@ %@: relative L2 error %.3e on %ld^%ld test points, %.2f s", pde.name, method.rawValue,
                      configuration.kernel.rawValue, summary.relativeL2Error, configuration.testPoints, pde.dimension, summary.seconds))
        if summary.adamOutcome.hasPrefix("stopped") { status("Adam phase \(summary.adamOutcome)") }
        for (axis, list) in summary.survivingFrequencies.enumerated() {
            status("axis \(axis): \(list.count) surviving components: "
                   + list.prefix(8).map { String(format: "f=%.3f w=%.2e", $0.frequency, $0.weight) }.joined(separator: ", "))
        }
        return summary
    }

    /// The progress bar's count after `step`: Adam steps, then `adamIterations` plus the L-BFGS iteration
    /// (a record's iteration never passes its total); a "values" record leaves it at `current`.
    public static func progressPosition(of step: GaussianProcessSolver.Progress, adamIterations: Int, current: Int) -> Int {
        switch step.phase {
        case "adam": return step.iteration
        case "lbfgs": return adamIterations + step.iteration
        default: return current
        }
    }

    /// Solution/error tables and the learned spectrum (CSV), and PNG plots.
    static func writeOutputs(field: KernelField, problem: GaussianProcessProblem, lossLog: [GaussianProcessRunSummary.LogLine],
                             testPoints: Int, directory: URL) throws {
        let plotPoints = problem.dimension == 1 ? testPoints : min(testPoints, 200)
        let axes = (0..<problem.dimension).map { problem.axisPoints($0, count: plotPoints) }
        let predicted = field.evaluate(onAxes: axes)
        let exact = problem.tabulate(problem.solution, axes: axes)
        var csv = problem.dimension == 1 ? "x,u,exact,error\n" : "x,y,u,exact,error\n"
        for k in 0..<predicted.count {
            let coordinates = problem.dimension == 1 ? "\(axes[0][k])" : "\(axes[0][k / plotPoints]),\(axes[1][k % plotPoints])"
            csv += "\(coordinates),\(predicted[k]),\(exact[k]),\(predicted[k] - exact[k])\n"
        }
        try AtomicFile.write(csv, to: directory.appendingPathComponent("solution.csv"))
        var spectrum = "axis,frequency,weight,lengthscale\n"
        for (axis, k) in field.kernels.enumerated() {
            for q in 0..<k.componentCount { spectrum += "\(axis),\(k.frequencies[q]),\(k.weights[q]),\(k.lengthscales[q])\n" }
        }
        try AtomicFile.write(spectrum, to: directory.appendingPathComponent("spectrum.csv"))
        try GaussianProcessPlots.write(axes: axes, predicted: predicted, exact: exact, kernels: field.kernels,
                                       losses: lossLog.map(\.loss), directory: directory)
    }
}
