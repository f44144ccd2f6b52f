import ArgumentParser
import Foundation
import PDEKit

/// `pdekit generate antiderivative`: DeepONet's antiderivative benchmark data (``AntiderivativeDatasetFile``).
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

    var file: AntiderivativeDatasetFile {
        AntiderivativeDatasetFile(trainCount: samples, testCount: testSamples, sensorCount: sensors, lengthScale: lengthScale, seed: seed, path: output)
    }

    func validate() throws { try validatingFlags(file.validate) }
    func run() throws { print(try file.write(budget: force ? .unlimited : MemoryBudget())) }
}
