import Foundation
import PDEKit

/// HDF5 write/read throughput of `N × S × S` float32 samples (`pdekit bench datasets`; peer:
/// bench/peers/datasets_h5py.py).
public struct DatasetBenchmarks {
    public struct Record: Codable {
        public var benchmark: String
        public var implementation = "pdekit"
        public var shape: String
        public var dtype = "float32"
        public var seconds: Double
        public var megabytes_per_second: Double
    }

    public var samples: Int, size: Int, batch: Int, repetitions: Int
    /// Folder for the scratch files.
    public var directory: URL

    public init(samples: Int, size: Int, batch: Int, repetitions: Int, directory: URL) {
        self.samples = samples
        self.size = size
        self.batch = batch
        self.repetitions = repetitions
        self.directory = directory
    }

    public func run(_ output: BenchmarkOutput) throws {
        guard samples > 0, size > 0, batch > 0, repetitions > 0 else { throw BenchmarkError("samples, size, batch and repetitions must be positive") }
        // The array, its copy in batches and a read-back.
        let count = try MemoryBudget().requireArray(shape: [samples, size, size, 3], bytesPerElement: 4, what: "\(samples) samples of \(size)²") / 3
        let folder = directory.appendingPathComponent("pdekit-bench-datasets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = SeededRandomNumberGenerator(seed: 1)
        let tensor = Tensor<Float>.normal([samples, size, size], using: &generator)
        let array = NumericArray(tensor)
        let megabytes = Double(count) * 4 / 1e6
        func report(_ name: String, _ seconds: Double) throws {
            try output(Record(benchmark: name, shape: "\(samples)x\(size)x\(size)", seconds: seconds, megabytes_per_second: megabytes / seconds))
        }
        let contiguous = folder.appendingPathComponent("contiguous.h5").path
        let deflated = folder.appendingPathComponent("deflated.h5").path
        let appended = folder.appendingPathComponent("appended.h5").path
        try report("hdf5_write_contiguous", try Measurements.best(of: repetitions) {
            try HDF5File.writeAtomically(to: contiguous) { try $0.writeDataset("fields", array) }
        })
        try report("hdf5_write_chunked_deflate1", try Measurements.best(of: repetitions) {
            try HDF5File.writeAtomically(to: deflated) { file in
                try file.writeDataset("fields", array, options: HDF5DatasetOptions(chunkShape: [1, size, size], deflateLevel: 1))
            }
        })
        let batches = stride(from: 0, to: samples, by: batch).map { $0..<min(samples, $0 + batch) }
        let pieces = try batches.map { try array.samples($0) }
        try report("hdf5_append_batches", try Measurements.best(of: repetitions) {
            try? FileManager.default.removeItem(atPath: appended)
            let file = try HDF5File.create(appended)
            for piece in pieces {
                try file.appendSamples(piece, to: "fields", options: HDF5DatasetOptions(chunkShape: [batch, size, size], extendable: true))
            }
            try file.close()
        })
        let reader = try HDF5File(opening: contiguous)
        try report("hdf5_read_full", try Measurements.best(of: repetitions) { _ = try reader.readDataset("fields") })
        try report("hdf5_read_batches", try Measurements.best(of: repetitions) {
            for range in batches { _ = try reader.readSamples("fields", range) }
        })
        try report("hdf5_read_full_to_tensor", try Measurements.best(of: repetitions) { _ = try reader.readDataset("fields").tensor(as: Float.self) })
        let deflatedReader = try HDF5File(opening: deflated)
        try report("hdf5_read_full_deflate1", try Measurements.best(of: repetitions) { _ = try deflatedReader.readDataset("fields") })
        guard try reader.readSamples("fields", 0..<1) == array.samples(0..<1) else { throw BenchmarkError("read-back mismatch") }
    }
}
