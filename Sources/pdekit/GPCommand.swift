import ArgumentParser
import Foundation
import PDEKit

/// `pdekit gp`: solve a high-frequency / multi-scale PDE with the GP-HM Gaussian-process solver
/// (or the one-shot kernel-collocation baseline) and report the error against the exact solution.
struct GaussianProcessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gp",
        abstract: "Solve a manufactured PDE with the GP-HM Gaussian-process solver (Fang et al., ICLR 2024).",
        discussion: """
        Problems: poisson1d (u = sin(ax) on [0, 2π]), poisson1d-multiscale (u = sin x + 0.1 sin 20x +
        0.05 cos 100x on [0, 1]), allen-cahn (u'' + u(u² − 1) = f, u = sin(ax) on [0, 2π]),
        poisson2d (u = sin(ax) sin(ay) on [0, 2π]²). Writes log.jsonl, summary.json, solution.csv,
        spectrum.csv and PNG plots to --output. Exit status 1 on bad input ('error:' line).
        """
    )

    enum ProblemName: String, ExpressibleByArgument, CaseIterable {
        case poisson1d, poisson1dMultiscale = "poisson1d-multiscale", poisson2d, allenCahn = "allen-cahn"
    }

    enum Method: String, ExpressibleByArgument, CaseIterable {
        case gpHM = "gp-hm", collocation
    }

    @Argument(help: "Problem: \(ProblemName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var problem: ProblemName

    @Option(help: "Method: gp-hm (optimize values and kernel) or collocation (one dense solve, linear PDEs, ≤ 6400 points).")
    var method: Method = .gpHM

    @Option(help: "Kernel per axis: \(KernelFamily.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kernel: KernelFamily = .spectralMixture

    @Option(help: "Mixture components (frequencies) per axis.")
    var components: Int = 30

    @Option(help: "Collocation points per axis (endpoints included).")
    var collocation: Int = 400

    @Option(help: "Adam (outer hyperparameter) steps (default per problem: poisson1d 50, poisson1d-multiscale 20, allen-cahn 10, poisson2d 10).")
    var iterations: Int?

    @Option(help: "L-BFGS iterations after Adam (default per problem: poisson1d 50, poisson1d-multiscale 20, allen-cahn 10, poisson2d 0).")
    var lbfgsIterations: Int?

    @Option(help: "Solution frequency a in sin(ax) (poisson1d, allen-cahn, poisson2d).")
    var frequency: Double = 100

    @Option(help: "Initial frequencies are spread on [0, this] cycles per unit length (default: a/2π · 1.25, or 20).")
    var maximumFrequency: Double?

    @Option(help: "Initial lengthscale of every component.")
    var lengthscale: Double = 0.3

    @Option(help: "Nugget relative to k(0).")
    var jitter: Double = 1e-10

    @Option(help: "Boundary noise σ_b.")
    var boundaryNoise: Double = 1e-6

    @Option(help: "Equation noise σ_r relative to the RMS source.")
    var equationNoise: Double = 1e-6

    @Option(help: "Jeffreys-prior weight c_J on the mixture log-weights (default: 1-D Poisson 20 · collocation/400, which prunes the spectrum; allen-cahn and poisson2d 1).")
    var jeffreysWeight: Double?

    @Option(help: "Adam learning rate of the kernel hyperparameters.")
    var hyperparameterLearningRate: Double = 1e-2

    @Flag(help: "Keep the frequencies at their initial grid (learn only weights, lengthscales and values).")
    var fixedFrequencies = false

    @Flag(help: "Keep the lengthscales fixed.")
    var fixedLengthscales = false

    @Flag(help: "Keep the weights fixed.")
    var fixedWeights = false

    @Option(help: "Change of variables for the grid values: gauss-newton (1-D) or kronecker (prior whitening).")
    var preconditioner: GaussianProcessSolver.PreconditionerKind = .gaussNewton

    @Option(help: "2-D: L-BFGS iterations over the grid values between hyperparameter steps.")
    var innerIterations: Int = 20

    @Option(help: "2-D: L-BFGS iterations over the grid values at the start and the end.")
    var valueIterations: Int = 300

    @Option(help: "Test points per axis for the relative L2 error.")
    var testPoints: Int = 300

    @Option(help: "Output directory.")
    var output: String = "gp-output"

    struct InputError: Error, CustomStringConvertible { let description: String }

    /// Settings that reach the targets on each problem at its default size (400 points per
    /// axis) without extra flags; measured in BENCHMARKS-gp.md. Explicit flags override them.
    struct ProblemDefaults {
        var iterations: Int
        var lbfgsIterations: Int
        var jeffreysWeight: Double

        /// In 1-D the Jeffreys weight grows with the number of collocation points `N`: the prior's
        /// quadratic and log-determinant terms grow like `N`, so a fixed `c_J` prunes less as `N`
        /// grows. `c_J = 20` at `N = 400` keeps the true frequency and prunes the rest (1-D Poisson
        /// 6e-8; `c_J = 1` stops near 1e-5); at `N = 120`, `c_J = 20` prunes everything (error ~1)
        /// and `c_J = 6` works; the multi-scale problem goes from 6e-6 (`c_J = 1`) to 8e-7 (`c_J = 20`).
        /// Allen–Cahn keeps `c_J = 1`: with 10 + 10 steps `c_J = 20` gave 1.9e-4 against 1.9e-5.
        /// In 2-D only ten outer steps are affordable and `c_J` barely acts.
        init(_ problem: ProblemName, collocation: Int) {
            let jeffreys1D = 20 * Double(collocation) / 400
            switch problem {
            case .poisson1d: (iterations, lbfgsIterations, jeffreysWeight) = (50, 50, jeffreys1D)
            case .poisson1dMultiscale: (iterations, lbfgsIterations, jeffreysWeight) = (20, 20, jeffreys1D)
            case .allenCahn: (iterations, lbfgsIterations, jeffreysWeight) = (10, 10, 1)
            case .poisson2d: (iterations, lbfgsIterations, jeffreysWeight) = (10, 0, 1)
            }
        }
    }

    struct Summary: Codable {
        var problem: String
        var method: String
        var kernel: String
        var collocationPointsPerAxis: Int
        var components: Int
        var relativeL2Error: Double
        var testPointsPerAxis: Int
        var seconds: Double
        var adamIterations: Int
        var lbfgsIterations: Int
        var jeffreysWeight: Double?
        /// `completed`, `skipped`, or `stopped at step k: …` (a step made a kernel LAPACK rejects).
        var adamOutcome: String
        var lbfgsOutcome: String
        var finalLoss: Double?
        var survivingFrequencies: [[SurvivingComponent]]
    }

    struct SurvivingComponent: Codable {
        var frequency: Double
        var weight: Double
        var lengthscale: Double
    }

    struct LogLine: Codable {
        var phase: String
        var iteration: Int
        var loss: Double
        var seconds: Double
    }

    func run() throws {
        do { try execute() } catch let exit as ExitCode { throw exit } catch {
            StatusLine.printError(error)
            throw ExitCode.failure
        }
    }

    /// Domain length of the problems with a `--frequency` (`[0, 2π]` per axis).
    static let sineDomainLength = 2 * Double.pi

    /// Checks every numeric flag (finite, in range) and the memory the run needs, before anything
    /// is allocated. `iterations`, `lbfgsIterations` and `jeffreysWeight` are after the defaults.
    func checkFlags(iterations: Int, lbfgsIterations: Int, jeffreysWeight: Double, budget: MemoryBudget = MemoryBudget()) throws {
        func require(_ condition: Bool, _ message: String) throws { if !condition { throw InputError(description: message) } }
        try require((3...4096).contains(collocation), "--collocation must be in 3…4096 (got \(collocation))")
        try require(components >= 1, "--components must be at least 1 (got \(components))")
        try require(iterations >= 0 && lbfgsIterations >= 0, "--iterations and --lbfgs-iterations must be ≥ 0")
        try require(!iterations.addingReportingOverflow(lbfgsIterations).overflow,
                    "--iterations + --lbfgs-iterations (\(iterations) + \(lbfgsIterations)) overflows a 64-bit count")
        try require(innerIterations >= 0 && valueIterations >= 0, "--inner-iterations and --value-iterations must be ≥ 0")
        try require(testPoints >= 2, "--test-points must be at least 2 (got \(testPoints))")
        // A sine needs at least two collocation points per period: a ≤ π (N − 1) / L.
        let resolvable = Double.pi * Double(collocation - 1) / Self.sineDomainLength
        try require(frequency.isFinite && frequency > 0 && (problem == .poisson1dMultiscale || frequency <= resolvable),
                    "--frequency must be positive and at most π (collocation − 1) / 2π = \(resolvable) (two points per period; got \(frequency))")
        try require(maximumFrequency.map { $0.isFinite && $0 >= 0 } ?? true, "--maximum-frequency must be finite and ≥ 0")
        try require(lengthscale.isFinite && lengthscale > 0, "--lengthscale must be finite and positive (got \(lengthscale))")
        try require(jitter.isFinite && jitter >= 0, "--jitter must be finite and ≥ 0 (got \(jitter))")
        try require(boundaryNoise.isFinite && boundaryNoise > 0 && equationNoise.isFinite && equationNoise > 0,
                    "--boundary-noise and --equation-noise must be finite and positive")
        try require(jeffreysWeight.isFinite && jeffreysWeight >= 0, "--jeffreys-weight must be finite and ≥ 0 (got \(jeffreysWeight))")
        try require(hyperparameterLearningRate.isFinite && hyperparameterLearningRate > 0,
                    "--hyperparameter-learning-rate must be finite and positive (got \(hyperparameterLearningRate))")
        try budget.require(bytes: try Self.estimatedBytes(collocation: collocation, dimension: problem == .poisson2d ? 2 : 1,
                                                          components: components, testPoints: testPoints, method: method),
                           what: "gp \(problem.rawValue) with \(components) components, \(collocation) points and \(testPoints) test points per axis")
    }

    /// An estimate of the peak memory of a run (bytes of `Double`s), from its largest arrays:
    /// the kernel tables on the `2N − 1` lags (values, second derivatives and their autodiff
    /// intermediates, about 16 arrays of `Q (2N − 1)` per axis), about 24 dense `N × N` factor
    /// matrices per axis, about 16 grid-sized arrays (`N^d`), the dense collocation system
    /// (`(N^d)²`, collocation method only) and the test-point evaluation (`T × N` per axis, `T^d`).
    static func estimatedBytes(collocation n: Int, dimension: Int, components: Int, testPoints: Int, method: Method) throws -> Int {
        let lags = 2 * n - 1
        let grid = try MemoryBudget.product(Array(repeating: n, count: dimension), what: "collocation grid")
        let test = try MemoryBudget.product(Array(repeating: testPoints, count: dimension), what: "test grid")
        var elements = [
            try MemoryBudget.product([16, components, lags, dimension], what: "kernel tables"),
            try MemoryBudget.product([24, n, n, dimension], what: "kernel factor matrices"),
            try MemoryBudget.product([16, grid], what: "grid values"),
            try MemoryBudget.product([testPoints, n, dimension], what: "test-point kernel matrix"),
            try MemoryBudget.product([4, test], what: "test-point values"),
        ]
        if method == .collocation { elements.append(try MemoryBudget.product([2, grid, grid], what: "collocation system")) }
        var total = 0
        for count in elements {
            let (sum, overflow) = total.addingReportingOverflow(count)
            guard !overflow else { throw MemoryBudgetError.overflow(what: "gp memory estimate", factors: elements) }
            total = sum
        }
        return try MemoryBudget.bytes(elements: total, bytesPerElement: MemoryLayout<Double>.size, what: "gp memory estimate")
    }

    private func execute() throws {
        let defaults = ProblemDefaults(problem, collocation: collocation)
        let iterations = self.iterations ?? defaults.iterations
        let lbfgsIterations = self.lbfgsIterations ?? defaults.lbfgsIterations
        let jeffreysWeight = self.jeffreysWeight ?? defaults.jeffreysWeight
        try checkFlags(iterations: iterations, lbfgsIterations: lbfgsIterations, jeffreysWeight: jeffreysWeight)
        let pde: GaussianProcessProblem
        switch problem {
        case .poisson1d: pde = .poissonSine1D(frequency: frequency)
        case .poisson1dMultiscale: pde = .poissonMultiscale1D()
        case .allenCahn: pde = .allenCahnSine1D(frequency: frequency)
        case .poisson2d: pde = .poissonSine2D(frequency: frequency)
        }
        let maxFrequency = maximumFrequency ?? (problem == .poisson1dMultiscale ? 20 : 1.25 * frequency / (2 * .pi))
        let directory = URL(fileURLWithPath: output, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        let start = Date()
        let field: KernelField
        var summary: Summary
        var lossLog: [LogLine] = []
        switch method {
        case .collocation:
            let k = try StationaryKernel(family: kernel, components: components, maximumFrequency: maxFrequency, lengthscale: lengthscale)
            field = try KernelCollocation.solve(pde, kernels: Array(repeating: k, count: pde.dimension), pointsPerAxis: collocation)
            summary = Summary(problem: pde.name, method: method.rawValue, kernel: kernel.rawValue, collocationPointsPerAxis: collocation,
                              components: k.componentCount, relativeL2Error: .nan, testPointsPerAxis: testPoints,
                              seconds: Date().timeIntervalSince(start), adamIterations: 0, lbfgsIterations: 0, jeffreysWeight: nil,
                              adamOutcome: "skipped", lbfgsOutcome: "skipped", finalLoss: nil, survivingFrequencies: [])
        case .gpHM:
            var configuration = GaussianProcessSolver.Configuration()
            configuration.kernel = kernel
            configuration.components = components
            configuration.maximumFrequency = maxFrequency
            configuration.initialLengthscale = lengthscale
            configuration.collocationPointsPerAxis = collocation
            configuration.jitter = jitter
            configuration.boundaryNoise = boundaryNoise
            configuration.equationNoise = equationNoise
            configuration.jeffreysWeight = jeffreysWeight
            configuration.learnFrequencies = !fixedFrequencies
            configuration.learnLengthscales = !fixedLengthscales
            configuration.learnWeights = !fixedWeights
            configuration.adamIterations = iterations
            configuration.hyperparameterLearningRate = hyperparameterLearningRate
            configuration.lbfgsIterations = lbfgsIterations
            configuration.preconditioner = preconditioner
            configuration.innerIterations = innerIterations
            configuration.initialInnerIterations = valueIterations
            let solver = try GaussianProcessSolver(problem: pde, configuration: configuration)
            let logURL = directory.appendingPathComponent("log.jsonl")
            let encoder = JSONEncoder()
            // One bar over the outer steps: Adam steps, then L-BFGS evaluations (which may outnumber
            // the planned iterations: the bar stops at its total rather than showing 1167/1000).
            let progressBar = ProgressBar(total: iterations + lbfgsIterations, label: "gp")
            defer { progressBar.finish() }
            let result = try solver.run { step in
                let line = LogLine(phase: step.phase, iteration: step.iteration, loss: step.loss, seconds: step.elapsedSeconds)
                lossLog.append(line)
                let done = step.phase == "adam" ? step.iteration
                    : step.phase == "lbfgs" ? iterations + min(step.iteration, lbfgsIterations) : progressBar.completed
                progressBar.advance(to: done, status: String(format: "%@  loss %.6e", step.phase, step.loss))
            }
            progressBar.finish()
            try Self.writeAtomically(lossLog.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n", to: logURL)
            field = result.field
            summary = Summary(problem: pde.name, method: method.rawValue, kernel: kernel.rawValue, collocationPointsPerAxis: collocation,
                              components: result.kernels[0].componentCount, relativeL2Error: .nan, testPointsPerAxis: testPoints,
                              seconds: result.seconds, adamIterations: result.adamIterations, lbfgsIterations: result.lbfgsIterations,
                              jeffreysWeight: jeffreysWeight, adamOutcome: result.adamOutcome, lbfgsOutcome: result.lbfgsOutcome, finalLoss: result.lossHistory.last,
                              survivingFrequencies: result.kernels.map { k in
                                  k.survivingComponents().map { SurvivingComponent(frequency: $0.frequency, weight: $0.weight, lengthscale: $0.lengthscale) }
                              })
        }
        summary.relativeL2Error = field.relativeError(against: pde, testPointsPerAxis: testPoints)
        guard summary.relativeL2Error.isFinite else {
            throw InputError(description: "the relative L2 error is \(summary.relativeL2Error): the solve produced non-finite values")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try Self.writeAtomically(String(decoding: try encoder.encode(summary), as: UTF8.self) + "\n", to: directory.appendingPathComponent("summary.json"))
        try writeOutputs(field: field, problem: pde, lossLog: lossLog, directory: directory)
        print(String(format: "%@ %@ %@: relative L2 error %.3e on %ld^%ld test points, %.2f s", pde.name, method.rawValue, kernel.rawValue,
                     summary.relativeL2Error, testPoints, pde.dimension, summary.seconds))
        if summary.adamOutcome.hasPrefix("stopped") { print("Adam phase \(summary.adamOutcome)") }
        for (axis, list) in summary.survivingFrequencies.enumerated() {
            print("axis \(axis): \(list.count) surviving components: " + list.prefix(8).map { String(format: "f=%.3f w=%.2e", $0.frequency, $0.weight) }.joined(separator: ", "))
        }
    }

    /// Solution/error tables and the learned spectrum (CSV), and PNG plots.
    private func writeOutputs(field: KernelField, problem: GaussianProcessProblem, lossLog: [LogLine], directory: URL) throws {
        let plotPoints = problem.dimension == 1 ? testPoints : min(testPoints, 200)
        let axes = (0..<problem.dimension).map { problem.axisPoints($0, count: plotPoints) }
        let predicted = field.evaluate(onAxes: axes)
        let exact = problem.tabulate(problem.solution, axes: axes)
        var csv = problem.dimension == 1 ? "x,u,exact,error\n" : "x,y,u,exact,error\n"
        for k in 0..<predicted.count {
            let coordinates = problem.dimension == 1 ? "\(axes[0][k])" : "\(axes[0][k / plotPoints]),\(axes[1][k % plotPoints])"
            csv += "\(coordinates),\(predicted[k]),\(exact[k]),\(predicted[k] - exact[k])\n"
        }
        try Self.writeAtomically(csv, to: directory.appendingPathComponent("solution.csv"))
        var spectrum = "axis,frequency,weight,lengthscale\n"
        for (axis, k) in field.kernels.enumerated() {
            for q in 0..<k.componentCount { spectrum += "\(axis),\(k.frequencies[q]),\(k.weights[q]),\(k.lengthscales[q])\n" }
        }
        try Self.writeAtomically(spectrum, to: directory.appendingPathComponent("spectrum.csv"))
        try GaussianProcessPlots.write(axes: axes, predicted: predicted, exact: exact, kernels: field.kernels,
                                       losses: lossLog.map(\.loss), directory: directory)
    }
}

extension GaussianProcessCommand {
    /// Writes `text` atomically (RunSupport's `AtomicFile`: unique temporary beside `url`, then rename).
    static func writeAtomically(_ text: String, to url: URL) throws {
        try AtomicFile.write(text, to: url)
    }
}

extension KernelFamily: ExpressibleByArgument {}
extension GaussianProcessSolver.PreconditionerKind: ExpressibleByArgument {}

/// PNG plots of a GP run: solution, error, learned spectrum (weights vs frequency) and loss.
enum GaussianProcessPlots {
    static func write(axes: [[Double]], predicted: [Double], exact: [Double], kernels: [StationaryKernel],
                      losses: [Double], directory: URL) throws {
        let error = zip(predicted, exact).map { $0 - $1 }
        if axes.count == 1 {
            try LinePlot(title: "solution", xLabel: "x", yLabel: "u", series: [
                LineSeries(label: "exact", x: axes[0], y: exact),
                LineSeries(label: "GP", x: axes[0], y: predicted),
            ]).write(to: directory.appendingPathComponent("solution.png"))
            try LinePlot(title: "absolute error", xLabel: "x", yLabel: "|u - exact|", logScaleY: true, series: [
                LineSeries(label: "error", x: axes[0], y: error.map { abs($0) }),
            ]).write(to: directory.appendingPathComponent("error.png"))
        } else {
            let rows = axes[0].count, columns = axes[1].count
            try HeatmapFigure(panels: [
                HeatmapPanel(title: "GP", rows: rows, columns: columns, values: predicted),
                HeatmapPanel(title: "exact", rows: rows, columns: columns, values: exact),
                HeatmapPanel(title: "error", rows: rows, columns: columns, values: error, colorMap: .diverging),
            ], columns: 3).write(to: directory.appendingPathComponent("solution.png"))
        }
        try LinePlot(title: "learned spectrum", xLabel: "frequency (cycles per unit)", yLabel: "weight", logScaleY: true,
                     series: kernels.enumerated().map { axis, k in
                         LineSeries(label: "axis \(axis)", x: k.frequencies.map { abs($0) }, y: k.weights, markersOnly: true)
                     }).write(to: directory.appendingPathComponent("spectrum.png"))
        if losses.count > 1 {
            let shift = max(0, -(losses.min() ?? 0)) + 1
            try LinePlot(title: "objective (+ shift to positive)", xLabel: "evaluation", yLabel: "loss", logScaleY: true, series: [
                LineSeries(label: "loss + \(shift)", x: (0..<losses.count).map(Double.init), y: losses.map { $0 + shift }),
            ]).write(to: directory.appendingPathComponent("loss.png"))
        }
    }
}
