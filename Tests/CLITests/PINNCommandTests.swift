import Foundation
import Testing
import PDEKit
import TestSupport

/// `pdekit pinn` end to end: a tiny run writes its log, summary and plots; bad input fails cleanly.
@Suite struct PINNCommandTests {
    func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try CommandLineTests().run(arguments)
    }

    @Test func smallPoissonRunWritesItsOutputs() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-pinn-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try run(["pinn", "poisson1d", "--iterations", "30", "--lbfgs-iterations", "5", "--width", "8", "--depth", "2",
                              "--constraints", "hard", "--log-every", "10", "--output", directory.path])
        #expect(result.status == 0, "\(result.error)")
        for name in ["loss.jsonl", "summary.json", "solution.csv", "poisson1d-solution.png", "poisson1d-error.png", "poisson1d-loss.png"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path), "\(name)")
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("summary.json"))) as? [String: Any]
        let error = try #require(summary?["relative_l2_error"] as? Double)
        #expect(error.isFinite && error > 0)
        // The CSV's error column is prediction − reference, and the reference is sin(πx).
        let rows = try String(contentsOf: directory.appendingPathComponent("solution.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        for row in rows.prefix(5) {
            let fields = row.split(separator: ",").compactMap { Double($0) }
            #expect(abs(fields[2] - sin(Double.pi * fields[0])) < 1e-12)
        }
    }

    @Test func poissonDefaultsUseTheTrialFunctionAndLBFGS() throws {
        // Without --constraints and --lbfgs-iterations, poisson1d is solved with the hard (trial-function)
        // boundary treatment followed by L-BFGS; a tiny network then already reaches 1e-3 against sin(πx).
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-pinn-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try run(["pinn", "poisson1d", "--iterations", "200", "--width", "10", "--depth", "2", "--no-plots",
                              "--output", directory.path])
        #expect(result.status == 0, "\(result.error)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("summary.json"))) as? [String: Any]
        #expect(summary?["constraints"] as? String == "hard")
        #expect((summary?["lbfgs_iterations"] as? Int ?? 0) > 0)
        let error = try #require(summary?["relative_l2_error"] as? Double)
        #expect(error < 1e-3, "relative L2 \(error)")
    }

    @Test func badInputFailsWithOneLine() throws {
        let missing = try run(["pinn", "burgers", "--iterations", "1", "--reference", "/nonexistent/Burgers.npz", "--output",
                               FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-pinn-bad").path])
        #expect(missing.status != 0 && missing.error.hasPrefix("error:") && !missing.error.contains("Fatal"))
        let invalid = try run(["pinn", "poisson1d", "--iterations", "0", "--lbfgs-iterations", "0"])
        #expect(invalid.status != 0)
    }

    /// `--resume`: a run extended from 20 to 40 Adam steps ends where one 40-step run ends (same solution
    /// file); a resume with another learning rate or a garbage checkpoint is one `error:` line.
    @Test func resumeContinuesAndRefusesOtherSettingsOrGarbage() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-pinn-resume-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let (whole, parts) = (base.appendingPathComponent("whole").path, base.appendingPathComponent("parts").path)
        func pinn(_ iterations: Int, _ output: String, _ extra: [String] = []) throws -> (status: Int32, output: String, error: String) {
            try run(["pinn", "poisson1d", "--iterations", "\(iterations)", "--lbfgs-iterations", "0", "--width", "8", "--depth", "1",
                     "--checkpoint-every", "7", "--no-plots", "--output", output] + extra)
        }
        #expect(try pinn(40, whole).status == 0)
        #expect(try pinn(20, parts).status == 0)
        let resumed = try pinn(40, parts, ["--resume"])
        #expect(resumed.status == 0, "\(resumed.error)")
        let solution = { (directory: String) in try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent("solution.csv")) }
        #expect(try solution(parts) == solution(whole))
        let other = try pinn(40, parts, ["--resume", "--learning-rate", "0.01"])
        #expect(other.status != 0 && other.error.hasPrefix("error:") && other.error.contains("learningRate"))
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: parts).appendingPathComponent("training/checkpoint.safetensors"))
        let garbage = try pinn(60, parts, ["--resume"])
        let lines = garbage.error.split(separator: "\n")
        #expect(garbage.status != 0 && lines.filter { $0.hasPrefix("error:") }.count == 1 && lines.last?.contains("checkpoint") == true
                && !garbage.error.contains("Fatal"), "\(garbage.error)")
    }

    /// A parameter whose true value is 0 has no relative error: the summary gives the absolute error and
    /// a null relative error, and is written (it used to fail on ∞ after the whole training).
    @Test func zeroTrueParameterStillWritesTheSummary() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-pinn-zero-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("problem.json")
        try """
        {"domain": {"box": [[0], [1]]}, "parameters": {"k": {"initial": 0.5, "true": 0}},
         "equation": "u_xx + k*u = 1", "boundary": [{"dirichlet": "0"}],
         "observations": {"points": [[0.25], [0.5]], "values": [-0.09, -0.12]}}
        """.write(to: file, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("out")
        let result = try run(["pinn", "--problem", file.path, "--iterations", "3", "--lbfgs-iterations", "0", "--width", "4", "--depth", "1",
                              "--domain-points", "8", "--no-plots", "--output", output.path])
        #expect(result.status == 0, "\(result.error)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("summary.json"))) as? [String: Any]
        let k = try #require((summary?["parameters"] as? [String: Any])?["k"] as? [String: Any])
        let identified = try #require(k["identified"] as? Double)
        #expect(k["relative_error"] is NSNull)
        #expect(abs((k["absolute_error"] as? Double ?? .nan) - abs(identified)) < 1e-15)
    }

    /// A system whose residuals need mixed derivatives of both fields on all three axis pairs: the
    /// pairs were once gathered through a `Set`, whose order (and with it the order of the jet
    /// directions, the summation order of the gradients and so the trained weights' last bits) changed
    /// from process to process. Three processes with the same seed must write the same bytes (before
    /// the fix, six runs of this kind wrote four different solution.csv files).
    @Test func problemFileSystemWithMixedDerivativesIsBitwiseReproducibleAcrossProcesses() throws {
        let directory = try makeScratchDirectory("pinn-mixed")
        defer { try? FileManager.default.removeItem(at: directory) }
        let problem = directory.appendingPathComponent("mixed.json")
        try Data("""
        {"domain": {"box": [[0, 0, 0], [1, 1, 1]]}, "fields": ["u", "v"],
         "equations": ["-lap(u) + u_xy + u_xz + u_yz + v = 1", "-lap(v) + v_xy + v_xz + v_yz - u = 0"],
         "boundary": [{"field": "u", "dirichlet": "0"}, {"field": "v", "dirichlet": "0"}]}
        """.utf8).write(to: problem)
        var outputs: [(solution: Data, losses: [String])] = []
        for k in 0..<3 {
            let output = directory.appendingPathComponent("run\(k)")
            let result = try run(["pinn", "--problem", problem.path, "--iterations", "3", "--lbfgs-iterations", "0", "--width", "8", "--depth", "2",
                                  "--domain-points", "40", "--boundary-points", "30", "--log-every", "1", "--no-plots", "--output", output.path])
            #expect(result.status == 0, "\(result.error)")
            // Every loss record without its wall time, as the exact text written.
            let losses = try String(contentsOf: output.appendingPathComponent("loss.jsonl"), encoding: .utf8).split(separator: "\n").map {
                $0.replacing(/"elapsed_seconds":[^,}]*/, with: "")
            }
            outputs.append((try Data(contentsOf: output.appendingPathComponent("solution.csv")), losses.map(String.init)))
        }
        #expect(outputs[0].losses.count == 3 && !outputs[0].solution.isEmpty)
        for k in 1..<3 {
            #expect(outputs[k].solution == outputs[0].solution, "solution.csv of process \(k + 1) differs from the first")
            #expect(outputs[k].losses == outputs[0].losses, "loss.jsonl of process \(k + 1) differs from the first")
        }
    }
}
