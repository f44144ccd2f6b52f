import TestSupport
import Foundation
import Testing
import PDEKit

/// `pdekit generate navier-stokes` end to end: file layout and attributes, snapshots equal to an
/// in-process integration of the stored ω₀ (time-last layout), zero-mean vorticity (the mean of ω is
/// conserved and ω₀, f have mean zero), and an interrupted run resuming into the uninterrupted file.
@Suite struct GenerateNavierStokesCLITests {
    let common = ["generate", "navier-stokes", "--samples", "3", "--resolution", "16", "--final-time", "0.02",
                  "--record-interval", "0.01", "--time-step", "0.005", "--shard-size", "2", "--precision", "float64",
                  "--seed", "4", "--quiet"]

    func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try CommandLineTests().run(arguments)
    }

    func read(_ path: String) throws -> (coeff: NumericArray, sol: NumericArray, times: [Double], index: [Double], completed: Int) {
        let file = try HDF5File(opening: path)
        defer { try? file.close() }
        return (try file.readDataset("coeff"), try file.readDataset("sol"), try file.readDataset("times").doubleValues,
                try file.readDataset("sample_index").doubleValues, try file.attribute("pdekit.completed").intValue ?? -1)
    }

    @Test func generatesLayoutAttributesAndSnapshots() throws {
        guard CommandLineTests.executable != nil else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-ns-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ns.h5").path
        let help = try run(["generate", "navier-stokes", "--help"])
        #expect(help.status == 0 && help.output.contains("--viscosity") && help.output.contains("--record-interval"))

        let result = try run(common + ["--output", path])
        #expect(result.status == 0, "\(result.error)")
        let data = try read(path)
        #expect(data.coeff.shape == [3, 16, 16] && data.sol.shape == [3, 16, 16, 2] && data.completed == 3)
        #expect(data.times.count == 2 && abs(data.times[0] - 0.01) < 1e-15 && abs(data.times[1] - 0.02) < 1e-15)
        #expect(data.index == [0, 1, 2])
        let manifest = try DatasetManifest(from: HDF5File(opening: path))
        #expect(manifest.pde == "navier-stokes" && manifest.seed == 4 && manifest.sampleCount == 3 && manifest.grid == [16, 16])
        #expect(manifest.parameters["viscosity"] == 1e-3 && manifest.parameters["snapshots"] == 2)

        // Sample 1 integrated here from its stored ω₀ must equal the file's snapshots (time last).
        let w0 = Array(data.coeff.doubleValues[256..<512])
        let solver = try NavierStokes2DSolver(resolution: 16, viscosity: 1e-3, forcing: .fno, timeStep: 0.005)
        let series = try solver.solve(initialVorticity: w0, time: 0.02, snapshotCount: 2)
        let sol = data.sol.doubleValues
        for t in 0..<2 {
            var worst = 0.0, mean = 0.0
            for c in 0..<256 {
                let stored = sol[512 + c * 2 + t]
                worst = maxOrNaN(worst, abs(stored - series.snapshots[t][c]))
                mean += stored / 256
            }
            #expect(worst <= 1e-12 * (series.snapshots[t].map(abs).maxOrNaN() ?? 1), "snapshot \(t): max difference \(worst)")
            #expect(abs(mean) < 1e-10, "snapshot \(t): mean vorticity \(mean)")
        }
        // ω₀ is a draw of FNO's GRF: zero mean and not constant.
        #expect(abs(w0.reduce(0, +) / 256) < 1e-10 && (w0.max()! - w0.min()!) > 0.1)
    }

    @Test func interruptedRunResumesToTheSameFile() throws {
        guard CommandLineTests.executable != nil else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-ns-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let full = directory.appendingPathComponent("full.h5").path, resumed = directory.appendingPathComponent("resumed.h5").path
        #expect(try run(common + ["--output", full]).status == 0)
        let first = try run(common + ["--output", resumed, "--stop-after-shards", "1"])
        #expect(first.status == 0 && first.output.contains("2/3"))
        #expect(try read(resumed).completed == 2)
        let rest = try run(common + ["--output", resumed])
        #expect(rest.status == 0 && rest.output.contains("resumed at 2"), "\(rest.output)")
        let a = try read(full), b = try read(resumed)
        #expect(a.coeff == b.coeff && a.sol == b.sol && a.index == b.index && b.completed == 3)
        // Different parameters on an existing file: one error line, exit 1.
        let mismatch = try run(common.map { $0 == "0.01" ? "0.005" : $0 } + ["--output", resumed])
        #expect(mismatch.status == 1 && mismatch.error.contains("different parameters"))
        let bad = try run(["generate", "navier-stokes", "--samples", "1", "--resolution", "15", "--output", resumed])
        #expect(bad.status == 1 && bad.error.contains("resolution"))
    }
}
