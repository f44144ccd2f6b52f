import ArgumentParser
import PDEKit

extension ConstraintMode: ExpressibleByArgument {}
extension PINNRunConfiguration.Problem: ExpressibleByArgument {}
extension PINNRunConfiguration.Precision: ExpressibleByArgument {}
extension PINNRunConfiguration.Sampling: ExpressibleByArgument {}
extension PINNRunConfiguration.Resampling: ExpressibleByArgument {}
extension PINNRunConfiguration.Potential: ExpressibleByArgument {}
extension PINNRunConfiguration.EnergyMode: ExpressibleByArgument {}
extension PINNRunConfiguration.Normalization: ExpressibleByArgument {}
extension PINNRunConfiguration.Activation: ExpressibleByArgument {}

/// `pdekit pinn`: train a physics-informed network on a bundled problem or a problem file and report its
/// error. The flags map one to one onto `PINNRunConfiguration`; `PINNRun` does the rest.
struct PINN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pinn",
        abstract: "Train a physics-informed neural network (PINN) on a bundled problem or a problem file (--problem FILE).",
        discussion: """
        Problems: poisson1d (−u'' = π² sin πx on [−1,1]), poisson2d (−Δu = 2π² sin πx sin πy on [0,1]²), \
        burgers (u_t + u u_x = (0.01/π) u_xx, u(x,0) = −sin πx; --reference Burgers.npz for the error), \
        schrodinger (−ψ'' + Vψ = Eψ: --potential, --energy fixed|learned, --states for excited states).

        Writes DIR/loss.jsonl (one record per --log-every steps), DIR/summary.json, DIR/solution.csv \
        and PNG plots (solution, error, loss); DIR/training holds the checkpoint that --resume continues. \
        Exit status 0 on success, 1 on bad input.
        """
    )
    typealias Run = PINNRunConfiguration

    @Argument(help: "Problem: \(Run.Problem.allCases.map(\.rawValue).joined(separator: ", ")) (or --problem FILE).") var bundledProblem: Run.Problem?
    @Option(name: .customLong("problem"), help: "A problem file (JSON: domain, equations, boundary and initial conditions; see the README) instead of a bundled problem.") var problemFile: String?
    @Option(help: "Adam iterations (default 10000; 15000 for burgers, as DeepXDE's example; 3000 for schrodinger).") var iterations: Int?
    @Option(help: "L-BFGS iterations after Adam (0: none; default 1000 for poisson1d and poisson2d; 15000 for burgers, DeepXDE's maxiter; 2000 for schrodinger).") var lbfgsIterations: Int?
    @Option(help: "Adam learning rate.") var learningRate: Double = 1e-3
    @Option(help: "Hidden width (default: 50; 20 for burgers).") var width: Int?
    @Option(help: "Hidden layers.") var depth: Int = 3
    @Option(help: "Hidden activation.") var activation: Run.Activation = .tanh
    @Option(help: "Interior collocation points (0: the problem's default).") var domainPoints: Int = 0
    @Option(help: "Boundary points (0: the problem's default).") var boundaryPoints: Int = 0
    @Option(help: "Boundary/initial conditions: soft (penalty) or hard (trial function). Default: hard for poisson1d and poisson2d (their Dirichlet data are built into the trial function), soft otherwise.") var constraints: ConstraintMode?
    @Option(help: "Weight of the boundary/initial penalty terms.") var boundaryWeight: Double = 1
    @Option(help: "Collocation sampling (sobol is quasi-random like DeepXDE's default Hammersley points).") var sampling: Run.Sampling = .sobol
    @Option(help: "Point resampling during Adam: none, redraw (fresh points) or rar (residual-based refinement: every period, the worst 2% of 10x candidates are added). Default: rar for burgers (it makes the shock reliable across seeds), none otherwise.") var resampling: Run.Resampling?
    @Option(help: "Steps between resamplings.") var resampleEvery: Int = 1000
    @Option(help: "Random Fourier features (0: none).") var fourierFeatures: Int = 0
    @Option(help: "Scale σ of the Fourier feature frequencies.") var fourierScale: Double = 1
    @Option(help: "Arithmetic precision.") var precision: Run.Precision = .float64
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Steps between log records.") var logEvery: Int = 100
    @Option(help: "Adam steps and L-BFGS iterations between checkpoints (DIR/training).") var checkpointEvery: Int = 1000
    @Flag(help: "Continue from the output directory's checkpoint (DIR/training; the settings must match DIR/configuration.json, the step counts may grow).") var resume = false
    @Option(help: "Output directory.") var output: String = "pinn-output"
    @Option(help: "Burgers reference solution (npz with t, x, usol as in DeepXDE's Burgers.npz).") var reference: String?
    @Option(help: "Schrödinger potential.") var potential: Run.Potential = .infiniteWell
    @Option(help: "Schrödinger: fixed E (the reference energy) or learned E.") var energy: Run.EnergyMode = .learned
    @Option(help: "Schrödinger: initial guess of a learned E (default: 0.8 × the reference energy).") var energyGuess: Double?
    @Option(help: "Schrödinger: number of states to find (ground state, then excited states by orthogonality).") var states: Int = 1
    @Option(help: "Schrödinger: finite well depth V0 / barrier height.") var depthV0: Double = 20
    @Option(help: "Schrödinger: well or barrier width.") var wellWidth: Double = 1
    @Option(help: "Schrödinger: half-width L of the finite-well box [−L, L].") var halfDomain: Double = 3
    @Option(help: "Schrödinger: normalization exact (ψ = u/‖u‖) or penalty (∫u² − 1)².") var normalization: Run.Normalization = .exact
    @Option(help: "Schrödinger: weight of the normalization penalty.") var normalizationWeight: Double = 10
    @Option(help: "Schrödinger: weight of the orthogonality terms (default max(100, 2 E_guess²): a collapse onto a found state must cost more than the residual of a wrong E).") var orthogonalityWeight: Double?
    @Option(help: "Schrödinger: extra collocation points around each jump of V (half on each side, within ±0.1).") var edgePoints: Int = 64
    @Option(help: "Schrödinger, learned E: weight of the consistency term (E − R[u])², R[u] = ∫(u'² + Vu²)/∫u² the Rayleigh quotient (0: none).") var energyConsistencyWeight: Double = 1
    @Flag(help: "Do not write PNG plots.") var noPlots = false
    @Flag(help: "Add the relative L2 error against the reference and the training CPU seconds (evaluation excluded) to every loss-log record (time-to-accuracy measurements).") var trackError = false

    var runConfiguration: Run {
        var c = Run()
        (c.bundledProblem, c.problemFile, c.iterations, c.lbfgsIterations, c.learningRate) = (bundledProblem, problemFile, iterations, lbfgsIterations, learningRate)
        (c.width, c.depth, c.activation, c.domainPoints, c.boundaryPoints) = (width, depth, activation, domainPoints, boundaryPoints)
        (c.constraints, c.boundaryWeight, c.sampling, c.resampling, c.resampleEvery) = (constraints, boundaryWeight, sampling, resampling, resampleEvery)
        (c.fourierFeatures, c.fourierScale, c.precision, c.seed, c.logEvery) = (fourierFeatures, fourierScale, precision, seed, logEvery)
        (c.checkpointEvery, c.output, c.reference, c.potential, c.energy, c.energyGuess) = (checkpointEvery, output, reference, potential, energy, energyGuess)
        (c.states, c.depthV0, c.wellWidth, c.halfDomain, c.normalization) = (states, depthV0, wellWidth, halfDomain, normalization)
        (c.normalizationWeight, c.orthogonalityWeight, c.edgePoints, c.energyConsistencyWeight) = (normalizationWeight, orthogonalityWeight, edgePoints, energyConsistencyWeight)
        (c.plots, c.trackError) = (!noPlots, trackError)
        return c
    }

    func run() throws {
        // (Freed buffers are kept for reuse process-wide: see AllocatorTuning, set up in Entry.main.)
        do {
            try PINNRun(configuration: runConfiguration, resume: resume).run()
        } catch {
            StatusLine.printError(error)
            throw ExitCode.failure
        }
    }
}
