import Foundation
import Testing
import PDEKit

/// Bad numeric flags of `pdekit pinn` and `pdekit gp`: each is one `error:` line and a non-zero exit
/// (never a trap, an allocation abort or a usage block); progress counters never pass their totals.
@Suite struct PINNGPFlagTests {
    func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try CommandLineTests().run(arguments)
    }

    static let badPINNFlags: [[String]] = [
        ["--boundary-weight", "nan"], ["--boundary-weight=-1"], ["--width", "100000000"], ["--width", "0"],
        ["--depth", "0"], ["--depth", "100000000"], ["--learning-rate", "nan"], ["--learning-rate", "inf"], ["--learning-rate", "0"],
        ["--iterations=-5"], ["--lbfgs-iterations=-1"], ["--iterations", "9223372036854775807", "--lbfgs-iterations", "1"],
        ["--log-every", "0"], ["--resample-every", "0"], ["--states", "0"], ["--domain-points=-3"], ["--domain-points", "1000000000000"],
        ["--boundary-points=-1"], ["--fourier-features=-1"], ["--fourier-features", "4611686018427387904"], ["--fourier-scale", "nan"],
        ["--edge-points=-1"], ["--normalization-weight", "inf"], ["--orthogonality-weight", "nan"],
        ["--energy-consistency-weight=-1"], ["--energy-guess", "nan"], ["--depth-v0", "nan"], ["--well-width", "0"], ["--half-domain=-inf"],
    ]

    static let badGPFlags: [[String]] = [
        ["--inner-iterations=-1"], ["--value-iterations=-1"], ["--hyperparameter-learning-rate", "nan"],
        ["--hyperparameter-learning-rate", "1e400"], ["--frequency", "1e300"], ["--frequency", "nan"], ["--frequency", "0"],
        ["--components", "100000000"], ["--components", "0"], ["--collocation", "2"], ["--collocation", "100000"],
        ["--iterations=-1"], ["--lbfgs-iterations=-1"], ["--maximum-frequency", "inf"], ["--maximum-frequency", "0"], ["--maximum-frequency=-1"],
        ["--maximum-frequency", "nan"], ["--hyperparameter-learning-rate", "0"], ["--equation-noise", "0"], ["--jeffreys-weight=-1"], ["--lengthscale", "0"], ["--lengthscale", "nan"],
        ["--jitter", "nan"], ["--jitter=-1"], ["--boundary-noise", "0"], ["--equation-noise", "inf"], ["--jeffreys-weight", "nan"],
        ["--test-points", "1"], ["--test-points", "100000000"],
    ]

    func expectOneErrorLine(_ arguments: [String]) throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-flags-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let result = try run(arguments + ["--output", output.path])
        let lines = result.error.split(separator: "\n")
        #expect(result.status == 1, "\(arguments): status \(result.status), stderr \(result.error)")
        #expect(lines.count == 1 && lines.first?.hasPrefix("error: ") == true, "\(arguments): stderr \(result.error)")
        // Refused before any work: no output directory written.
        #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("summary.json").path), "\(arguments)")
    }

    @Test(arguments: badPINNFlags)
    func badPINNFlagIsOneErrorLine(_ flag: [String]) throws {
        let setsIterations = flag.contains { $0.hasPrefix("--iterations") }
        try expectOneErrorLine(["pinn", "poisson1d"] + (setsIterations ? [] : ["--iterations", "1"]) + flag)
    }

    @Test(arguments: badGPFlags)
    func badGPFlagIsOneErrorLine(_ flag: [String]) throws {
        try expectOneErrorLine(["gp", "poisson1d"] + flag)
    }

    @Test func schrodingerFlagsAreCheckedToo() throws {
        try expectOneErrorLine(["pinn", "schrodinger", "--iterations", "1", "--potential", "finite-well", "--depth-v0", "inf"])
    }

    @Test func aDivergingPINNIsAnErrorNotAResult() throws {
        // Adam with a learning rate of 1e300 overflows the loss at the second step.
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-pinn-nan-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let result = try run(["pinn", "poisson1d", "--learning-rate", "1e300", "--iterations", "50", "--lbfgs-iterations", "10",
                              "--no-plots", "--output", output.path])
        #expect(result.status == 1)
        let last = result.error.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("error: ") && last.contains("non-finite"), "stderr \(result.error)")
        #expect(!result.output.contains("relative L2 error"), "no result may be printed: \(result.output)")
        #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("summary.json").path))
    }

    /// `label a/b (p%)` progress lines: `a ≤ b` even when L-BFGS takes more evaluations than iterations.
    func expectCountersWithinTotals(_ stderr: String) {
        var seen = 0
        for line in stderr.split(separator: "\n") {
            guard let slash = line.split(separator: " ").first(where: { $0.contains("/") && $0.first?.isNumber == true }) else { continue }
            let parts = slash.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2 else { continue }
            seen += 1
            #expect(parts[0] <= parts[1], "counter past its total: \(line)")
        }
        #expect(seen > 0, "no progress line in \(stderr)")
    }

    @Test func pinnProgressStaysWithinItsTotal() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-pinn-bar-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let result = try run(["pinn", "poisson1d", "--iterations", "10", "--lbfgs-iterations", "5", "--width", "8", "--depth", "2",
                              "--log-every", "1", "--no-plots", "--output", output.path])
        #expect(result.status == 0, "\(result.error)")
        expectCountersWithinTotals(result.error)
    }

    @Test func gpProgressStaysWithinItsTotal() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-gp-bar-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let result = try run(["gp", "poisson1d", "--frequency", "10", "--collocation", "40", "--components", "4", "--iterations", "3",
                              "--lbfgs-iterations", "3", "--test-points", "50", "--output", output.path])
        #expect(result.status == 0, "\(result.error)")
        expectCountersWithinTotals(result.error)
    }
}
