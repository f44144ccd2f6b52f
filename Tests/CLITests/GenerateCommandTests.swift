import Foundation
import Testing
import PDEKit

/// End-to-end tests of `pdekit generate`: a tiny Darcy file read back, checked against its discrete
/// systems, resumed after a stop, and bad input refused with one line and a non-zero status.
@Suite struct GenerateCommandTests {
    let cli = CommandLineTests()

    func directory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-generate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func tinyDarcyFileSolvesItsSystemsAndResumes() throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let full = directory.appendingPathComponent("full.h5").path
        let common = ["generate", "darcy", "--samples", "6", "--resolution", "17", "--seed", "11", "--tolerance", "1e-8",
                      "--precision", "float64", "--shard-size", "2", "--quiet"]
        let run = try cli.run(common + ["--output", full, "--compare-gmres", "3"])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output.contains("wrote \(full): 6/6 samples") && run.output.contains("recycling speed-up over independent GMRES"))
        let inspect = try cli.run(["inspect", full])
        #expect(inspect.status == 0 && inspect.output.contains("coeff         float64  [6, 17, 17]"))
        #expect(inspect.output.contains("manifest: pde darcy, grid 17x17"))

        let file = try HDF5File(opening: full)
        let coeff = try file.readDataset("coeff").doubleValues, sol = try file.readDataset("sol").doubleValues
        let index = try file.readDataset("sample_index").doubleValues.map { Int($0) }
        try file.close()
        #expect(index.sorted() == Array(0..<6))
        for t in 0..<6 {
            let a = Array(coeff[(t * 289)..<((t + 1) * 289)])
            #expect(Set(a).isSubset(of: [3, 12]), "FNO coefficient takes the values 3 and 12")
            let system = try DarcyProblem(resolution: 17, coefficient: a).discretize()
            let x = try system.unknowns(from: Array(sol[(t * 289)..<((t + 1) * 289)]))
            let ax = system.matrix.applied(to: x)
            let r = zip(ax, system.rightHandSide).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            let b = system.rightHandSide.map { $0 * $0 }.reduce(0, +).squareRoot()
            #expect(r <= 1e-8 * b, "sample \(t): relative residual \(r / b)")
        }

        // Stop after one shard, resume with the same command: same data.
        let partial = directory.appendingPathComponent("partial.h5").path
        let first = try cli.run(common + ["--output", partial, "--solver", "direct", "--stop-after-shards", "1"])
        #expect(first.status == 0 && first.output.contains("2/6 samples"))
        let second = try cli.run(common + ["--output", partial, "--solver", "direct"])
        #expect(second.status == 0 && second.output.contains("6/6 samples (resumed at 2)"), "\(second.output) \(second.error)")
        let direct = directory.appendingPathComponent("direct.h5").path
        #expect(try cli.run(common + ["--output", direct, "--solver", "direct"]).status == 0)
        let p = try HDF5File(opening: partial), d = try HDF5File(opening: direct)
        #expect(try p.readDataset("sol") == d.readDataset("sol") && p.readDataset("sample_index") == d.readDataset("sample_index"))
        try p.close(); try d.close()

        // Different parameters on an existing file: refused.
        let mismatch = try cli.run(common.map { $0 == "11" ? "12" : $0 } + ["--output", partial, "--solver", "direct"])
        #expect(mismatch.status != 0 && mismatch.error.hasPrefix("error: ") && mismatch.error.contains("different parameters"))
    }

    /// The same command in two processes writes the same bytes: the manifest's parameters were set as
    /// attributes in a dictionary's order, which changes with each process's hash seed (three runs of
    /// this command wrote three different files).
    /// A supernodal (128²) direct generation records how CHOLMOD's OpenMP regions ran: inline by default,
    /// through libgomp when the process was started with `PDEKIT_CHOLMOD_REGIONS=libgomp` (a host that calls
    /// CHOLMOD itself keeps its libcholmod as loaded).
    @Test func cholmodRegionsCanBeLeftToLibgomp() throws {
        guard CommandLineTests.executable != nil else { return }
        let directory = try directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (environment, expected) in [([String: String](), "OpenMP regions inline"),
                                        (["PDEKIT_CHOLMOD_REGIONS": "libgomp"], "OpenMP regions through libgomp")] {
            let output = directory.appendingPathComponent("\(expected.count).h5").path
            let generated = try cli.run(["generate", "darcy", "--samples", "2", "--resolution", "128", "--solver", "direct",
                                         "--quiet", "--output", output], environment: environment)
            #expect(generated.status == 0, "\(generated.error)")
            let inspected = try cli.run(["inspect", output])
            #expect(inspected.output.contains("@pdekit.direct_analysis = \"CHOLMOD supernodal, AMD ordering, amalgamation 4/16/48, \(expected)\""),
                    "\(environment): \(inspected.output)")
        }
    }

    /// More than a second apart, too: libhdf5 stamped each dataset's header with the time to the second
    /// (two runs straddling a second differed in 3 bytes; CI failed on it once).
    @Test func twoProcessesWriteTheSameBytes() throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try (0..<2).map { k -> Data in
            if k == 1 { Thread.sleep(forTimeInterval: 1.1) }
            let path = directory.appendingPathComponent("run\(k).h5").path
            let run = try cli.run(["generate", "darcy", "--samples", "2", "--resolution", "9", "--seed", "1", "--quiet", "--output", path])
            #expect(run.status == 0, "\(run.error)")
            return try Data(contentsOf: URL(fileURLWithPath: path))
        }
        #expect(!files[0].isEmpty && files[0] == files[1])
    }

    @Test func badInputIsOneLine() throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases: [[String]] = [
            ["generate", "darcy", "--samples", "0", "--resolution", "9", "--output", directory.appendingPathComponent("a.h5").path],
            ["generate", "darcy", "--samples", "2", "--resolution", "9", "--tolerance", "0", "--output", directory.appendingPathComponent("b.h5").path],
            ["generate", "darcy", "--samples", "2", "--resolution", "9", "--output", "/nonexistent-dir/x.h5"],
        ]
        for arguments in cases {
            let run = try cli.run(arguments)
            #expect(run.status != 0 && run.error.hasPrefix("error: "), "\(arguments): \(run.error)")
            #expect(run.error.split(separator: "\n").count == 1)
        }
        let notHDF5 = directory.appendingPathComponent("text.h5")
        try Data("hello".utf8).write(to: notHDF5)
        let run = try cli.run(["generate", "darcy", "--samples", "2", "--resolution", "9", "--output", notHDF5.path])
        #expect(run.status != 0 && run.error.contains("cannot be resumed"))
        let badFamily = try cli.run(["generate", "maxwell", "--samples", "2", "--resolution", "9", "--output", notHDF5.path])
        #expect(badFamily.status != 0)
    }

    /// `generate --problem FILE`: the shipped Darcy file writes the same `sol` as `generate darcy`;
    /// a family together with --problem, neither, a file without a random coefficient and a bad key
    /// (pointing at its line and column) are one error line each.
    @Test func problemFile() throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let problems = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("datasets/problems")
        let darcyFile = problems.appendingPathComponent("darcy-generate.json").path
        let common = ["--samples", "4", "--resolution", "13", "--seed", "2", "--solver", "direct", "--quiet"]
        let a = directory.appendingPathComponent("a.h5").path, b = directory.appendingPathComponent("b.h5").path
        let family = try cli.run(["generate", "darcy"] + common + ["--output", a])
        let problem = try cli.run(["generate", "--problem", darcyFile] + common + ["--output", b])
        #expect(family.status == 0 && problem.status == 0 && problem.output.contains("wrote \(b): 4/4 samples"), "\(problem.error)")
        let fa = try HDF5File(opening: a), fb = try HDF5File(opening: b)
        #expect(try fa.readDataset("sol") == fb.readDataset("sol") && fa.readDataset("coeff") == fb.readDataset("coeff"))
        try fa.close(); try fb.close()
        let badKey = directory.appendingPathComponent("bad.json")
        try Data(#"{"domain": {"box": [[0, 0], [1, 1]]},\#n "coefficients": {"a": {"random": "gaussian", "spectrum": 2}},\#n "equation": "-div(a*grad(u)) = 1", "boundary": [{"dirichlet": "0"}]}"#.utf8).write(to: badKey)
        for (arguments, message) in [
            (["generate", "darcy", "--problem", darcyFile], "not both"),
            (["generate"], "--problem FILE"),
            (["generate", "--problem", problems.appendingPathComponent("poisson2d.json").path], "at least one random-field coefficient"),
            (["generate", "--problem", badKey.path], "bad.json:2:47: unknown key 'spectrum'"),
        ] {
            let run = try cli.run(arguments + common + ["--output", directory.appendingPathComponent("c.h5").path])
            #expect(run.status != 0 && run.error.hasPrefix("error: ") && run.error.contains(message), "\(arguments): \(run.error)")
            #expect(run.error.split(separator: "\n").count == 1)
        }
    }
}
