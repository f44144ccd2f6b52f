import ArgumentParser
import Foundation
import PDEKit

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

    func measure(_ body: () throws -> Void) throws -> Double {
        try body()
        var fastest = Double.infinity
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return fastest
    }

    func run() throws {
        let folder = URL(fileURLWithPath: directory ?? FileManager.default.temporaryDirectory.path)
            .appendingPathComponent("pdekit-bench-datasets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = SeededRandomNumberGenerator(seed: 1)
        let tensor = Tensor<Float>.normal([samples, size, size], using: &generator)
        let array = NumericArray(tensor)
        let megabytes = Double(samples * size * size * 4) / 1e6
        func report(_ name: String, _ seconds: Double) {
            emit(["benchmark": name, "implementation": "pdekit", "shape": "\(samples)x\(size)x\(size)", "dtype": "float32",
                  "seconds": seconds, "megabytes_per_second": megabytes / seconds])
        }
        let contiguous = folder.appendingPathComponent("contiguous.h5").path
        let deflated = folder.appendingPathComponent("deflated.h5").path
        let appended = folder.appendingPathComponent("appended.h5").path

        report("hdf5_write_contiguous", try measure {
            try HDF5File.writeAtomically(to: contiguous) { try $0.writeDataset("fields", array) }
        })
        report("hdf5_write_chunked_deflate1", try measure {
            try HDF5File.writeAtomically(to: deflated) { file in
                try file.writeDataset("fields", array, options: HDF5DatasetOptions(chunkShape: [1, size, size], deflateLevel: 1))
            }
        })
        let batches = stride(from: 0, to: samples, by: batch).map { $0..<min(samples, $0 + batch) }
        let pieces = try batches.map { try array.samples($0) }
        report("hdf5_append_batches", try measure {
            try? FileManager.default.removeItem(atPath: appended)
            let file = try HDF5File.create(appended)
            for piece in pieces {
                try file.appendSamples(piece, to: "fields", options: HDF5DatasetOptions(chunkShape: [batch, size, size], extendable: true))
            }
            try file.close()
        })
        let reader = try HDF5File(opening: contiguous)
        report("hdf5_read_full", try measure { _ = try reader.readDataset("fields") })
        report("hdf5_read_batches", try measure {
            for range in batches { _ = try reader.readSamples("fields", range) }
        })
        report("hdf5_read_full_to_tensor", try measure { _ = try reader.readDataset("fields").tensor(as: Float.self) })
        let deflatedReader = try HDF5File(opening: deflated)
        report("hdf5_read_full_deflate1", try measure { _ = try deflatedReader.readDataset("fields") })
        guard try reader.readSamples("fields", 0..<1) == array.samples(0..<1) else {
            throw ValidationError("read-back mismatch")
        }
    }
}
