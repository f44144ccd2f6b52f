import ArgumentParser
import Benchmarks
import Foundation
import PDEKit

extension ScalingBenchmarks.Part: ExpressibleByArgument {}

/// `pdekit bench scaling`: generation and training on 2 ranks against 1 process, allreduce cost, and
/// the modelled efficiency on many nodes (JSON lines; the suite is `Benchmarks.ScalingBenchmarks`).
struct ScalingBenchmark: ParsableCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaling",
        abstract: "Measure multi-process scaling under mpirun (generation, training, allreduce) and model it at 8–256 nodes; print JSON lines.",
        discussion: """
            Run it without mpirun: it launches this pdekit with mpirun --oversubscribe -np 2 itself \
            (as root, export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 first). \
            See BENCHMARKS-scaling.md.
            """)

    @Option(help: "Work directory for the generated data and training runs.")
    var directory: String = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-bench-scaling").path

    @Option(help: "Darcy samples generated (direct solver).") var samples: Int = 64
    @Option(help: "Darcy nodes per side.") var resolution: Int = 128
    @Option(help: "Training samples of the FNO runs (the rest of --samples, up to 4, test).") var trainSamples: Int = 40
    @Option(help: "Global mini-batch of the FNO runs.") var batchSize: Int = 20
    @Option(help: "Epochs of the FNO runs.") var epochs: Int = 2
    @Option(help: "Keep every n-th grid point for training.") var subsample: Int = 1
    @Option(help: "Allreduce message sizes in MB; repeatable.") var allreduceMegabytes: [Double] = [1, 4, 16]
    @Option(help: "Repetitions of each allreduce (the fastest is reported).") var repetitions: Int = 5
    @Option(help: "Path of mpirun.") var mpirun: String = "mpirun"
    @Option(help: "Parts to run: generation, training (needs generation), allreduce; repeatable (default: all).")
    var part: [ScalingBenchmarks.Part] = ScalingBenchmarks.Part.allCases
    @Flag(help: ArgumentHelp("Only time allreduce in this mpirun job (used by the suite itself).", visibility: .hidden))
    var allreduceOnly = false
    @Option(help: ArgumentHelp("Transport name recorded with --allreduce-only.", visibility: .hidden))
    var transport: String = "default"

    var suite: ScalingBenchmarks {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var suite = ScalingBenchmarks(executable: executable, mpirun: mpirun, workDirectory: URL(fileURLWithPath: directory),
                                      generationSamples: samples, resolution: resolution, trainSamples: trainSamples, batchSize: batchSize,
                                      epochs: epochs, subsample: subsample, allreduceMegabytes: allreduceMegabytes, repetitions: repetitions)
        suite.parts = Set(part)
        return suite
    }

    func validate() throws { try validatingFlags(suite.validate) }

    func run() throws {
        if allreduceOnly {
            for record in try ScalingBenchmarks.allreduceRecords(communicator: Job.communicator, megabytes: allreduceMegabytes,
                                                                 repetitions: repetitions, transport: transport) {
                try JSONLine.print(record)
            }
            return
        }
        guard Job.communicator.size == 1 else {
            throw BenchmarkError("run 'pdekit bench scaling' without mpirun: it launches its own mpirun jobs")
        }
        try suite.run(JSONLine.print)
    }
}
