import Foundation
import Testing
import PDEKit

/// `pdekit dcdm` end to end: train a tiny network, write a problem, solve it with the network and
/// check the residual of the written solution directly against the written matrix.
@Suite struct DCDMCommandTests {
    func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try CommandLineTests().run(arguments)
    }

    @Test func trainedNetworkSolvesToTheTolerance() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-dcdm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        let train = try run(["dcdm", "train", "--grid", "16", "--dimensions", "2", "--krylov-dimension", "32", "--steps", "30",
                             "--batch-size", "4", "--channels", "4", "--coarse-channels", "8", "--levels", "2",
                             "--learning-rate", "3e-3", "--seed", "1", "--output", path("model.safetensors")])
        #expect(train.status == 0, "\(train.error)")
        #expect(FileManager.default.fileExists(atPath: path("model.safetensors")))
        let problem = try run(["dcdm", "problem", "--grid", "16", "--dimensions", "2", "--output", path("a.mtx"), "--rhs", path("b.mtx")])
        #expect(problem.status == 0, "\(problem.error)")

        let tolerance = 1e-6
        let solve = try run(["solve", path("a.mtx"), "--rhs", path("b.mtx"), "--method", "dcdm", "--model", path("model.safetensors"),
                             "--grid", "16x16", "--relative-tolerance", "\(tolerance)", "--max-iterations", "500",
                             "--format", "json", "--solution", path("x.mtx")])
        #expect(solve.status == 0, "\(solve.error)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(solve.output.utf8)) as? [String: Any])
        #expect(report["outcome"] as? String == "converged")

        // ‖b − A x‖ / ‖b‖ from the files, with the product written out (independent of the solver).
        let a = try MatrixMarket.readMatrix(path: path("a.mtx"))
        let b = try MatrixMarket.readVector(path: path("b.mtx"))
        let x = try MatrixMarket.readVector(path: path("x.mtx"))
        #expect(a.rowCount == 256 && b.count == 256 && x.count == 256)
        var residual = 0.0, norm = 0.0
        for row in 0..<a.rowCount {
            var product = 0.0
            for k in a.rowOffsets[row]..<a.rowOffsets[row + 1] { product += a.values[k] * x[a.columnIndices[k]] }
            residual += (b[row] - product) * (b[row] - product)
            norm += b[row] * b[row]
        }
        let relative = (residual / norm).squareRoot()
        #expect(relative <= tolerance, "relative residual of the written solution \(relative)")

        // `bench dcdm` on the same model and grid reports convergence to the same tolerance.
        let bench = try run(["bench", "dcdm", "--model", path("model.safetensors"), "--sizes", "16", "--tolerances", "\(tolerance)",
                             "--methods", "dcdm"])
        #expect(bench.status == 0, "\(bench.error)")
        let line = try #require(bench.output.split(separator: "\n").first { $0.contains("\"method\":\"dcdm\"") })
        let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(row["converged"] as? Bool == true)
        let benchResidual = try #require(row["relative_residual"] as? Double)
        #expect(benchResidual <= tolerance, "bench relative residual \(benchResidual)")
    }
}
