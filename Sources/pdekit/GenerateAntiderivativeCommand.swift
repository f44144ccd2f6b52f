import ArgumentParser
import Foundation
import PDEKit

/// `pdekit generate antiderivative`: DeepONet's antiderivative benchmark data, `s(x) = ∫₀ˣ u(τ) dτ`
/// with `u` a Gaussian random field (squared exponential kernel, length scale ℓ) sampled at `m` sensors.
///
/// Writes DeepXDE's split layout, which `pdekit train deeponet` reads:
/// ```
/// X_train0 [N, m] (u at the sensors)   X_train1 [m, 1] (query points = sensors)   y_train [N, m] (s)
/// X_test0  [M, m]                      X_test1  [m, 1]                           y_test  [M, m]
/// ```
/// as NPZ (`.npz`, `np.load` reads it) or HDF5 (`.h5`/`.hdf5`, the same dataset names), written atomically.
/// Train and test functions come from independent random streams (`seed + 1`, `seed + 2`).
struct GenerateAntiderivative: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "antiderivative",
        abstract: "Generate antiderivative operator data (u ~ GRF on [0, 1], s = ∫u) for `pdekit train deeponet`.",
        discussion: """
        u is a zero-mean Gaussian random field with kernel exp(−(x − x')²/(2ℓ²)), drawn on a grid 10x finer than \
        the sensors (Cholesky factor of the covariance); s is its cumulative trapezoid integral from 0. Sensors and \
        query points are x_j = j/(m − 1). Arrays (float64): X_train0 [N, m], X_train1 [m, 1], y_train [N, m] and, \
        with --test-samples > 0, X_test0, X_test1, y_test (DeepXDE's layout). The format follows the extension: \
        .npz (NumPy) or .h5/.hdf5.
        Example: pdekit generate antiderivative --samples 150 --test-samples 1000 --output anti.npz && \
        pdekit train deeponet --data anti.npz
        """
    )

    @Option(help: "Training functions N.")
    var samples: Int = 150

    @Option(help: "Test functions M (0: no test arrays).")
    var testSamples: Int = 1000

    @Option(help: "Sensors m (also the query points).")
    var sensors: Int = 100

    @Option(help: "GRF length scale ℓ.")
    var lengthScale: Double = 0.2

    @Option(help: "Seed (train functions use seed+1, test functions seed+2).")
    var seed: UInt64 = 0

    @Option(help: "Output file, .npz or .h5/.hdf5 (written atomically).")
    var output: String

    @Flag(help: "Run even if the estimated memory exceeds the machine's.")
    var force = false

    func validate() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1") }
        guard testSamples >= 0 else { throw ValidationError("--test-samples must be ≥ 0") }
        guard sensors >= 2 && sensors <= 1000 else { throw ValidationError("--sensors must be in 2...1000") }
        guard lengthScale > 0 && lengthScale.isFinite else { throw ValidationError("--length-scale must be positive") }
        let ext = URL(fileURLWithPath: output).pathExtension.lowercased()
        guard ["npz", "h5", "hdf5"].contains(ext) else { throw ValidationError("--output must end in .npz, .h5 or .hdf5") }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: output).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory.isEmpty ? "." : directory) else {
            throw DeepONetCommandError(message: "output directory \(directory) does not exist")
        }
        let start = Date()
        let train = try AntiderivativeData.generate(sampleCount: samples, sensorCount: sensors, lengthScale: lengthScale, seed: seed &+ 1, budget: force ? .unlimited : MemoryBudget())
        var arrays: [(name: String, array: NumericArray)] = [
            ("X_train0", NumericArray(train.branchInputs)), ("X_train1", NumericArray(train.trunkInputs)), ("y_train", NumericArray(train.targets)),
        ]
        if testSamples > 0 {
            let test = try AntiderivativeData.generate(sampleCount: testSamples, sensorCount: sensors, lengthScale: lengthScale, seed: seed &+ 2, budget: force ? .unlimited : MemoryBudget())
            arrays += [("X_test0", NumericArray(test.branchInputs)), ("X_test1", NumericArray(test.trunkInputs)), ("y_test", NumericArray(test.targets))]
        }
        if URL(fileURLWithPath: output).pathExtension.lowercased() == "npz" {
            try NPZFile.write(arrays, to: output)
        } else {
            try HDF5File.writeAtomically(to: output) { file in
                for (name, array) in arrays { try file.writeDataset(name, array) }
            }
        }
        print(String(format: "wrote %@: %ld train + %ld test functions, %ld sensors, length scale %g, in %.2f s",
                     output, samples, testSamples, sensors, lengthScale, Date().timeIntervalSince(start)))
    }
}
