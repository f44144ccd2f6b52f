import ArgumentParser
import Foundation
import PDEKit

/// `pdekit generate navier-stokes …`: FNO's 2-D Navier–Stokes vorticity data into resumable sharded HDF5.
struct GenerateNavierStokes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "navier-stokes",
        abstract: "Generate 2-D Navier–Stokes vorticity trajectories (FNO recipe) into HDF5.",
        discussion: """
        ω_t + u·∇ω = νΔω + f on the unit torus, ω₀ ~ N(0, 7^{3/2}(−Δ + 49I)^{−2.5}), f = 0.1(sin 2π(x+y) + \
        cos 2π(x+y)) (Li et al., FNO, §5.3), pseudo-spectral with 2/3 dealiasing, Crank–Nicolson viscosity \
        and Heun advection. The file holds coeff [N, n, n] (ω₀), sol [N, n, n, T/interval] (ω at \
        interval, 2·interval, …, T; time last as FNO's u), times and sample_index, plus pdekit.* \
        provenance attributes. Rerunning the same command on a partial file resumes it; different \
        parameters are refused. FNO's ν = 1e-3 set: --samples 1200 --resolution 64 --final-time 50.
        Exit status: 0 on success, 1 on bad flags, an unusable output file, or a blow-up.
        """
    )

    @Option(help: "Number of trajectories N.")
    var samples: Int

    @Option(help: "Grid points per side n (periodic, even).")
    var resolution: Int = 64

    @Option(help: "Output HDF5 file (resumed if it exists with the same parameters).")
    var output: String

    @Option(help: "Viscosity ν (nondimensional; the box is [0, 1)², as in FNO's data).")
    var viscosity: Double = 1e-3

    @Option(help: "Final time T (nondimensional, with the box of side 1).")
    var finalTime: Double = 50

    @Option(help: "Time between recorded snapshots (T must be a whole multiple).")
    var recordInterval: Double = 1

    @Option(help: "Largest time step Δt (each record interval is split evenly).")
    var timeStep: Double = 1e-3

    @Flag(help: "No forcing (f = 0) instead of FNO's.")
    var unforced = false

    @Option(help: "Seed of the initial-vorticity sampler.")
    var seed: UInt64 = 0

    @Option(help: "Storage precision: float32 or float64.")
    var precision: GenerationPrecision = .float32

    @Option(help: "Trajectories per shard (appended and recorded together).")
    var shardSize: Int = 10

    @Option(name: .customLong("stop-after-shards"), help: ArgumentHelp("Stop after this many shards (testing resumption).", visibility: .hidden))
    var stopAfterShards: Int?

    @Flag(help: "No progress line.")
    var quiet = false

    @Flag(help: "Run even if the estimated memory exceeds the machine's.")
    var force = false

    func run() throws {
        let configuration = NavierStokesGenerationConfiguration(
            sampleCount: samples, resolution: resolution, viscosity: viscosity, finalTime: finalTime, recordInterval: recordInterval,
            timeStep: timeStep, forced: !unforced, seed: seed, precision: precision, shardSize: shardSize)
        let generator = try NavierStokesDatasetGenerator(configuration, budget: force ? .unlimited : MemoryBudget(), checksDiskSpace: !force)
        try generator.runReporting(output: output, shardLimit: stopAfterShards, quiet: quiet).forEach { print($0) }
    }
}
