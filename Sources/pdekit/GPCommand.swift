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
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    private func execute() throws {
        let defaults = ProblemDefaults(problem, collocation: collocation)
        let iterations = self.iterations ?? defaults.iterations
        let lbfgsIterations = self.lbfgsIterations ?? defaults.lbfgsIterations
        let jeffreysWeight = self.jeffreysWeight ?? defaults.jeffreysWeight
        guard jeffreysWeight.isFinite, jeffreysWeight >= 0 else { throw InputError(description: "--jeffreys-weight must be non-negative") }
        guard collocation >= 3 else { throw InputError(description: "--collocation must be at least 3") }
        guard components >= 1 else { throw InputError(description: "--components must be at least 1") }
        guard iterations >= 0, lbfgsIterations >= 0 else { throw InputError(description: "iteration counts must be non-negative") }
        guard testPoints >= 2 else { throw InputError(description: "--test-points must be at least 2") }
        guard frequency.isFinite, frequency > 0 else { throw InputError(description: "--frequency must be positive") }
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
                              lbfgsOutcome: "skipped", finalLoss: nil, survivingFrequencies: [])
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
            let total = Double(iterations + lbfgsIterations)
            var lastPrint = Date.distantPast
            let result = try solver.run { step in
                let line = LogLine(phase: step.phase, iteration: step.iteration, loss: step.loss, seconds: step.elapsedSeconds)
                lossLog.append(line)
                let now = Date()
                guard now.timeIntervalSince(lastPrint) > 0.5 else { return }
                lastPrint = now
                let done = Double(step.phase == "adam" ? step.iteration : step.phase == "lbfgs" ? iterations + step.iteration : 0)
                let eta = done > 0 ? step.elapsedSeconds * max(total - done, 0) / done : 0
                FileHandle.standardError.write(Data(String(
                    format: "\r%@ %d/%d  loss %.6e  %.1fs  ETA %.0fs   ", step.phase, step.iteration, step.totalIterations,
                    step.loss, step.elapsedSeconds, eta).utf8))
            }
            FileHandle.standardError.write(Data("\n".utf8))
            try Self.writeAtomically(lossLog.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n", to: logURL)
            field = result.field
            summary = Summary(problem: pde.name, method: method.rawValue, kernel: kernel.rawValue, collocationPointsPerAxis: collocation,
                              components: result.kernels[0].componentCount, relativeL2Error: .nan, testPointsPerAxis: testPoints,
                              seconds: result.seconds, adamIterations: result.adamIterations, lbfgsIterations: result.lbfgsIterations,
                              jeffreysWeight: jeffreysWeight, lbfgsOutcome: result.lbfgsOutcome, finalLoss: result.lossHistory.last,
                              survivingFrequencies: result.kernels.map { k in
                                  k.survivingComponents().map { SurvivingComponent(frequency: $0.frequency, weight: $0.weight, lengthscale: $0.lengthscale) }
                              })
        }
        summary.relativeL2Error = field.relativeError(against: pde, testPointsPerAxis: testPoints)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try Self.writeAtomically(String(decoding: try encoder.encode(summary), as: UTF8.self) + "\n", to: directory.appendingPathComponent("summary.json"))
        try writeOutputs(field: field, problem: pde, lossLog: lossLog, directory: directory)
        print(String(format: "%@ %@ %@: relative L2 error %.3e on %d^%d test points, %.2f s", pde.name, method.rawValue, kernel.rawValue,
                     summary.relativeL2Error, testPoints, pde.dimension, summary.seconds))
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
    /// Writes `text` to a temporary file beside `url`, then renames it into place.
    static func writeAtomically(_ text: String, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        try Data(text.utf8).write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw GaussianProcessCommand.InputError(description: "cannot write \(url.path)")
        }
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
