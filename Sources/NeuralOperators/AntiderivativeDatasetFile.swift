import Datasets
import Foundation
import RunSupport

/// A file of DeepONet's antiderivative benchmark data (``AntiderivativeData``) in DeepXDE's split layout,
/// which `pdekit train deeponet` reads:
/// ```
/// X_train0 [N, m] (u at the sensors)   X_train1 [m, 1] (query points = sensors)   y_train [N, m] (s)
/// X_test0  [M, m]                      X_test1  [m, 1]                           y_test  [M, m]
/// ```
/// as NPZ (`.npz`, `np.load` reads it) or HDF5 (`.h5`/`.hdf5`, the same dataset names), written atomically.
/// Train and test functions come from independent random streams (`seed + 1`, `seed + 2`).
public struct AntiderivativeDatasetFile: Sendable {
    /// Training functions N (≥ 1) and test functions M (0: no test arrays).
    public var trainCount: Int, testCount: Int
    /// Sensors m (also the query points), 2…1000.
    public var sensorCount: Int
    /// GRF length scale ℓ > 0.
    public var lengthScale: Double
    public var seed: UInt64
    /// Output path ending in .npz, .h5 or .hdf5.
    public var path: String

    public init(trainCount: Int, testCount: Int, sensorCount: Int, lengthScale: Double, seed: UInt64, path: String) {
        (self.trainCount, self.testCount, self.sensorCount) = (trainCount, testCount, sensorCount)
        (self.lengthScale, self.seed, self.path) = (lengthScale, seed, path)
    }

    /// A value the user chose that cannot make a file; the message names the CLI flag.
    public struct InvalidValue: Error, CustomStringConvertible, Sendable { public let description: String }

    /// Checks the sizes, the length scale and the extension (not the file system).
    public func validate() throws {
        func require(_ condition: Bool, _ message: String) throws { if !condition { throw InvalidValue(description: message) } }
        try require(trainCount >= 1, "--samples must be at least 1")
        try require(testCount >= 0, "--test-samples must be ≥ 0")
        try require(sensorCount >= 2 && sensorCount <= 1000, "--sensors must be in 2...1000")
        try require(lengthScale > 0 && lengthScale.isFinite, "--length-scale must be positive")
        try require(["npz", "h5", "hdf5"].contains(URL(fileURLWithPath: path).pathExtension.lowercased()), "--output must end in .npz, .h5 or .hdf5")
    }

    /// Draws the functions and writes the file atomically; returns the line `pdekit generate antiderivative` prints.
    public func write(budget: MemoryBudget = MemoryBudget()) throws -> String {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory.isEmpty ? "." : directory) else {
            throw InvalidValue(description: "output directory \(directory) does not exist")
        }
        let start = Date()
        var arrays: [(name: String, array: NumericArray)] = []
        for (count, suffix, offset) in [(trainCount, "train", UInt64(1)), (testCount, "test", UInt64(2))] where count > 0 {
            let data = try AntiderivativeData.generate(sampleCount: count, sensorCount: sensorCount, lengthScale: lengthScale,
                                                       seed: seed &+ offset, budget: budget)
            arrays += [("X_\(suffix)0", NumericArray(data.branchInputs)), ("X_\(suffix)1", NumericArray(data.trunkInputs)),
                       ("y_\(suffix)", NumericArray(data.targets))]
        }
        if URL(fileURLWithPath: path).pathExtension.lowercased() == "npz" {
            try NPZFile.write(arrays, to: path)
        } else {
            try HDF5File.writeAtomically(to: path) { file in
                for (name, array) in arrays { try file.writeDataset(name, array) }
            }
        }
        return String(format: "wrote %@: %ld train + %ld test functions, %ld sensors, length scale %g, in %.2f s",
                      path, trainCount, testCount, sensorCount, lengthScale, Date().timeIntervalSince(start))
    }
}
