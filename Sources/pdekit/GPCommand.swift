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
        Problems: poisson1d (u = sin(ax) on [0, 2π]), poisson1d-multiscale (u = sin x + 0.1 sin 20x + \
        0.05 cos 100x on [0, 1]), allen-cahn (u'' + u(u² − 1) = f, u = sin(ax) on [0, 2π]), \
        poisson2d (u = sin(ax) sin(ay) on [0, 2π]²), or --problem FILE: one field on a 1-D or 2-D box \
        with Dirichlet data, Σ c_i u_(x_i x_i) + N(u, x) = f (datasets/problems/gp-*.json).

        Writes log.jsonl, summary.json, solution.csv, spectrum.csv and PNG plots to --output, and (gp-hm) \
        the checkpoint of the Adam and L-BFGS phases to --output/training/, which --resume continues.

        Exit status: 0 when the relative L2 error against the exact solution is below 1; 2 when it is not \
        (no better than u = 0: the outputs are still written, summary.json has "outcome": "noBetterThanZero", \
        and one 'warning:' line says so); 1 on bad input (one line starting with 'error:').
        """
    )
    typealias Run = GaussianProcessRunConfiguration

    @Argument(help: "Problem: \(Run.BundledProblem.allCases.map(\.rawValue).joined(separator: ", ")) (or --problem FILE).") var problem: Run.BundledProblem?
    @Option(name: .customLong("problem"), help: ArgumentHelp("A problem file (datasets/problems/gp-*.json; one field on a 1-D or 2-D box, Dirichlet).", valueName: "file")) var problemFile: String?
    @Option(help: "Method: gp-hm (optimize values and kernel) or collocation (one dense solve, linear PDEs, ≤ 6400 points).") var method: Run.Method = .gpHM
    @Option(help: "Kernel per axis: \(KernelFamily.allCases.map(\.rawValue).joined(separator: ", ")).") var kernel: KernelFamily = .spectralMixture
    @Option(help: "Mixture components (frequencies) per axis.") var components: Int = 30
    @Option(help: "Collocation points per axis (endpoints included).") var collocation: Int = 400
    @Option(help: "Adam (outer hyperparameter) steps (default per problem: poisson1d 50, poisson1d-multiscale 20, allen-cahn 10, poisson2d 10).") var iterations: Int?
    @Option(help: "L-BFGS iterations after Adam (default per problem: poisson1d 50, poisson1d-multiscale 20, allen-cahn 10, poisson2d 0).") var lbfgsIterations: Int?
    @Option(help: "Solution frequency a in sin(ax) (poisson1d, allen-cahn, poisson2d).") var frequency: Double = 100
    @Option(help: "Initial frequencies are spread on [0, this] cycles per unit length, > 0 (default: a/2π · 1.25, 20 for poisson1d-multiscale, the grid's Nyquist frequency for --problem; a tiny value starts every component near frequency 0: squared-exponential kernels).") var maximumFrequency: Double?
    @Option(help: "Initial lengthscale of every component.") var lengthscale: Double = 0.3
    @Option(help: "Nugget relative to k(0).") var jitter: Double = 1e-10
    @Option(help: "Boundary noise σ_b.") var boundaryNoise: Double = 1e-6
    @Option(help: "Equation noise σ_r relative to the RMS source.") var equationNoise: Double = 1e-6
    @Option(help: "Jeffreys-prior weight c_J on the mixture log-weights (default: 1-D Poisson 20 · collocation/400, which prunes the spectrum; allen-cahn and poisson2d 1).") var jeffreysWeight: Double?
    @Option(help: "Adam learning rate of the kernel hyperparameters.") var hyperparameterLearningRate: Double = 1e-2
    @Flag(help: "Keep the frequencies at their initial grid (learn only weights, lengthscales and values).") var fixedFrequencies = false
    @Flag(help: "Keep the lengthscales fixed.") var fixedLengthscales = false
    @Flag(help: "Keep the weights fixed.") var fixedWeights = false
    @Option(help: "Change of variables for the grid values: gauss-newton (1-D) or kronecker (prior whitening).") var preconditioner: GaussianProcessSolver.PreconditionerKind = .gaussNewton
    @Option(help: "2-D: L-BFGS iterations over the grid values between hyperparameter steps.") var innerIterations: Int = 20
    @Option(help: "2-D: L-BFGS iterations over the grid values at the start and the end.") var valueIterations: Int = 300
    @Option(help: "Test points per axis for the relative L2 error.") var testPoints: Int = 300
    @Option(help: "Output directory.") var output: String = "gp-output"
    @Flag(help: "Continue the run in --output from its checkpoint (training/checkpoint.safetensors); --iterations may grow.") var resume = false
    @Option(help: "Adam steps, and L-BFGS iterations, between checkpoints (the last of each phase always writes one).") var checkpointEvery = 10

    func run() throws {
        var c = GaussianProcessRunConfiguration()
        (c.problem, c.problemFile, c.method, c.kernel, c.components, c.collocation) = (problem, problemFile, method, kernel, components, collocation)
        (c.iterations, c.lbfgsIterations, c.frequency, c.maximumFrequency) = (iterations, lbfgsIterations, frequency, maximumFrequency)
        (c.lengthscale, c.jitter, c.boundaryNoise, c.equationNoise) = (lengthscale, jitter, boundaryNoise, equationNoise)
        (c.jeffreysWeight, c.hyperparameterLearningRate, c.preconditioner) = (jeffreysWeight, hyperparameterLearningRate, preconditioner)
        (c.fixedFrequencies, c.fixedLengthscales, c.fixedWeights) = (fixedFrequencies, fixedLengthscales, fixedWeights)
        (c.innerIterations, c.valueIterations, c.testPoints, c.output) = (innerIterations, valueIterations, testPoints, output)
        (c.resume, c.checkpointEvery) = (resume, checkpointEvery)
        let summary: GaussianProcessRunSummary
        do { summary = try GaussianProcessRun.run(c) { print($0) } } catch {
            StatusLine.printError(error)
            throw ExitCode.failure
        }
        if let warning = summary.warning {
            StatusLine.printLine(warning)
            throw ExitCode(2)
        }
    }
}

extension KernelFamily: ExpressibleByArgument {}
extension GaussianProcessSolver.PreconditionerKind: ExpressibleByArgument {}
extension GaussianProcessRunConfiguration.BundledProblem: ExpressibleByArgument {}
extension GaussianProcessRunConfiguration.Method: ExpressibleByArgument {}
