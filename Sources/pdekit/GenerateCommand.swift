import ArgumentParser
import Foundation
import PDEKit

extension GenerationFamily: ExpressibleByArgument {}
extension GenerationPrecision: ExpressibleByArgument {}
extension GenerationCoefficient: ExpressibleByArgument {}
extension SequenceSolveStrategy: ExpressibleByArgument {}

/// `pdekit generate …`: PDE families (the default subcommand, `pdekit generate darcy …`) Navier–Stokes trajectories
/// (`pdekit generate navier-stokes …`) and operator-learning data sets (`pdekit generate antiderivative …`). A group, because a command with a positional argument
/// cannot also take subcommands in swift-argument-parser.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a data set: a PDE family (darcy, poisson, helmholtz, burgers), Navier–Stokes trajectories, or antiderivative operator data.",
        subcommands: [GeneratePDE.self, GenerateNavierStokes.self, GenerateAntiderivative.self],
        defaultSubcommand: GeneratePDE.self)
}

/// `pdekit generate FAMILY …`: SKR data generation (sample → sort → solve with recycling → HDF5).
struct GeneratePDE: ParsableCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "pde",
        abstract: "Generate a PDE dataset (sorted, solved with Krylov recycling or reused CHOLMOD analysis) into HDF5.",
        discussion: """
        Families: darcy (−∇·(a∇u) = 1, a FNO 12/3 or log-normal), poisson (a = exp(GRF)), helmholtz \
        (∇·(a∇u) + k²u = 1, a = exp(GRF)), burgers (u₀ ~ FNO GRF → u(·,1)).
        The file holds coeff [N, s, s] ([N, k, s…] for k random coefficients of a problem file), sol [N, s, s] and sample_index [N] (original index) in solve \
        order, plus pdekit.* provenance attributes. Rerunning the same command on a partial file \
        resumes it; different parameters are refused.
        Exit status: 0 on success, 1 on bad flags, an unusable output file, or a failed solve.
        """
    )

    @Argument(help: "Problem family: darcy, poisson, helmholtz, burgers (or --problem FILE).")
    var family: GenerationFamily?

    @Option(help: "A problem file: a linear elliptic problem on a 2-D or 3-D box with random coefficients (README).")
    var problem: String?

    @Option(help: "Number of samples N.")
    var samples: Int

    @Option(help: "Nodes per side s (boundary included) for 2-D families; grid points for burgers.")
    var resolution: Int

    @Option(help: "Output HDF5 file (resumed if it exists with the same parameters).")
    var output: String

    @Option(help: "Seed of the input sampler.")
    var seed: UInt64 = 0

    @Option(help: "Relative residual tolerance of the solves.")
    var tolerance: Double = 1e-8

    @Option(help: "Sequence solver: auto (probe direct vs recycling), direct, gmres, recycling.")
    var solver: SequenceSolveStrategy = .auto

    @Option(help: "Krylov preconditioner: none, ilu (ILU(0), also ilu0), ic0, ssor, jacobi, ilut (threshold ILU, hypre), amg (BoomerAMG, hypre).")
    var preconditioner: SolverConfiguration.Preconditioner = .incompleteLU

    @Option(help: "Samples per shard (appended and recorded together).")
    var shardSize: Int = 50

    @Option(help: "Storage precision: float32 or float64.")
    var precision: GenerationPrecision = .float32

    @Option(help: "Darcy coefficient: fno (12/3 thresholded GRF) or lognormal (exp GRF).")
    var coefficient: GenerationCoefficient = .fno

    @Option(help: "Helmholtz wavenumber k.")
    var wavenumber: Double = 10

    @Option(help: "Burgers viscosity ν.")
    var viscosity: Double = 0.1

    @Option(help: "Amplitude σ of the log-normal field ψ (a = exp ψ).")
    var sigma: Double = 1

    @Option(help: "GCRO-DR restart length m.")
    var restart = CountArgument(40)

    @Option(help: "GCRO-DR recycled dimension k.")
    var recycled = CountArgument(20)

    @Option(help: "Also measure recycling vs independent GMRES vs direct on the first K sorted systems.")
    var compareGmres: Int?

    @Option(help: ArgumentHelp("Solve only part I of N (0-based) of the sorted sequence into <stem>.shard-I-of-N.<ext>; join the N parts with 'pdekit merge'. For job arrays and loops without MPI (under mpirun each rank takes its part by itself).", valueName: "I/N"))
    var shard: String?

    @Option(name: .customLong("stop-after-shards"), help: ArgumentHelp("Stop after this many shards (testing resumption).", visibility: .hidden))
    var stopAfterShards: Int?

    @Flag(help: "No progress line.")
    var quiet = false

    @Flag(help: "Run even if the estimated memory exceeds the machine's or the file the free disk space.")
    var force = false

    func run() throws {
        let (family, problemFile) = try GenerationProblem.choose(family: family, problemPath: problem)
        let configuration = GenerationConfiguration(
            family: family, sampleCount: samples, resolution: resolution, seed: seed, tolerance: tolerance, strategy: solver,
            preconditioner: preconditioner, precision: precision, shardSize: shardSize, coefficient: coefficient,
            wavenumber: wavenumber, viscosity: viscosity, sigma: sigma, restart: try restart.value("restart"),
            recycledCount: try recycled.value("recycled"), problem: problemFile)
        var run = GenerationRun(configuration: configuration, output: output)
        (run.shard, run.shardLimit, run.comparedSystemCount, run.quiet, run.force) = (shard, stopAfterShards, compareGmres, quiet, force)
        try run.run(communicator: Job.communicator, print: { print($0) }, record: JSONLine.print, timeline: JSONLine.print)
    }
}
