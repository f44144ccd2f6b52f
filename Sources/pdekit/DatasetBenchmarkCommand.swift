import ArgumentParser
import Foundation
import Benchmarks

/// `pdekit bench datasets`: HDF5 write/read throughput as JSON lines (peer: bench/peers/datasets_h5py.py).
struct DatasetBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasets",
        abstract: "Time HDF5 writes and reads of N×S×S float32 samples; print one JSON object per line.")

    @Option(help: "Number of samples N.")
    var samples: Int = 1000

    @Option(help: "Sample side S (samples are S×S).")
    var size: Int = 128

    @Option(help: "Mini-batch size for hyperslab reads and appends.")
    var batch: Int = 20

    @Option(help: "Repetitions per measurement (the best is reported).")
    var repetitions: Int = 3

    @Option(help: "Folder for the scratch files (default: the system temporary folder).")
    var directory: String?

    func validate() throws {
        guard samples > 0, size > 0, batch > 0, repetitions > 0 else {
            throw ValidationError("--samples, --size, --batch and --repetitions must be positive")
        }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: directory ?? FileManager.default.temporaryDirectory.path)
        try DatasetBenchmarks(samples: samples, size: size, batch: batch, repetitions: repetitions, directory: folder).run(JSONLine.print)
    }
}
