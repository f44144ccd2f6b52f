import Foundation
import Testing
import PDEKit

/// The CLI's single error path: whatever goes wrong (a flag that does not parse, a value a command
/// refuses, a file that cannot be read, a size that does not fit in memory), stderr holds exactly one
/// line starting with a lowercase `error:` (optionally followed by a `see '… --help'` hint) and the
/// exit status is non-zero without being a signal.
@Suite struct ErrorReportingTests {
    /// Checks one invocation against the contract above; returns the error line.
    @discardableResult
    /// With `allowsStatusLines`, progress and status lines may come before the error line (which is then the last line).
    static func expectOneErrorLine(_ arguments: [String], allowsStatusLines: Bool = false,
                                   sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try CommandLineTests().run(arguments)
        #expect(result.status != 0 && result.status < 128, "\(arguments): status \(result.status) (≥128 means a crash)", sourceLocation: sourceLocation)
        let lines = result.error.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let errorLines = lines.filter { $0.lowercased().contains("error") }
        let index = allowsStatusLines ? lines.lastIndex { $0.hasPrefix("error: ") } : lines.indices.first
        #expect(errorLines.count == 1 && index.map { lines[$0].hasPrefix("error: ") } == true,
                "\(arguments): stderr is not one 'error:' line: \(result.error)", sourceLocation: sourceLocation)
        let after = index.map { lines[($0 + 1)...] } ?? []
        #expect(after.allSatisfy { $0.hasPrefix("see 'pdekit") && $0.hasSuffix("--help'") },
                "\(arguments): unexpected stderr lines after the error: \(result.error)", sourceLocation: sourceLocation)
        return index.map { lines[$0] } ?? ""
    }

    @Test func parseAndRunErrorsGiveOneLowercaseErrorLine() throws {
        guard CommandLineTests.executable != nil else { return }
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-missing-\(UUID().uuidString)")
        let cases: [[String]] = [
            ["no-such-command"],                                              // unknown subcommand
            ["generate", "darcy", "--samples", "x", "--resolution", "8", "--output", "x.h5"],   // not an integer
            ["generate", "darcy", "--resolution", "8", "--output", "x.h5"],   // missing option
            ["dcdm", "train", "--no-such-flag"],                               // unknown flag
            ["generate", "antiderivative", "--sensors", "1", "--output", "a.npz"],  // validate()
            ["inspect", missing.appendingPathComponent("a.h5").path],          // run-time error
            ["generate", "antiderivative", "--output", missing.appendingPathComponent("a.npz").path],
            ["dcdm", "problem", "--grid", "1", "--output", missing.appendingPathComponent("A.mtx").path],
            ["bench", "sparse", "--problems", "poisson9d-4"],
            ["bench", "fno", "--sizes", "64,abc"],                            // validate() through FNOBenchmarks.parsing
            ["bench", "pdes", "--darcy", "64,2"],                             // the one list parser, ≥ 3
        ]
        for arguments in cases { try Self.expectOneErrorLine(arguments) }
    }

    /// The flag values of issue 19 that crashed, aborted in the allocator or trapped on a Double→Int conversion.
    @Test func hostileFlagValuesGiveOneErrorLine() throws {
        guard CommandLineTests.executable != nil else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-flags-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let h5 = directory.appendingPathComponent("out.h5").path
        let cases: [([String], String)] = [
            (["generate", "darcy", "--samples", "2", "--resolution", "3037000500", "--output", h5], "overflows"),
            (["generate", "darcy", "--samples", "1000000000000", "--resolution", "9", "--output", h5], "memory"),
            (["generate", "darcy", "--samples", "1e12", "--resolution", "9", "--output", h5], "samples"),
            (["generate", "navier-stokes", "--samples", "1", "--resolution", "8", "--final-time", "1", "--time-step", "1e-300", "--output", h5], "time-step"),
            (["generate", "navier-stokes", "--samples", "1", "--resolution", "8", "--final-time", "1e300", "--record-interval", "1e-300", "--output", h5], "record-interval"),
            (["generate", "darcy", "--samples", "2", "--resolution", "9", "--coefficient", "lognormal", "--sigma", "1e10", "--output", h5], "sigma"),
            (["generate", "antiderivative", "--samples", "9223372036854775807", "--output", directory.appendingPathComponent("a.npz").path], "samples"),
            (["generate", "antiderivative", "--samples", "1000000000", "--output", directory.appendingPathComponent("a.npz").path], "memory"),
            (["dcdm", "train", "--grid", "100000", "--dimensions", "3", "--output", directory.appendingPathComponent("d.safetensors").path], "memory"),
            (["dcdm", "problem", "--grid", "3037000500", "--dimensions", "2", "--output", directory.appendingPathComponent("A.mtx").path], "overflows"),
        ]
        for (arguments, keyword) in cases {
            let line = try Self.expectOneErrorLine(arguments)
            #expect(line.contains(keyword), "\(arguments): '\(line)' does not mention \(keyword)")
        }
    }

    /// Model sizes from flags are checked by the model configurations before any weight is allocated.
    @Test func modelSizeFlagsGiveOneErrorLine() throws {
        guard CommandLineTests.executable != nil else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-model-flags-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("darcy.h5").path
        let generated = try CommandLineTests().run(["generate", "darcy", "--samples", "6", "--resolution", "33", "--output", data, "--quiet"])
        try #require(generated.status == 0, "\(generated.error)")
        let train = ["train", "fno", "--data", data, "--output", directory.appendingPathComponent("run").path, "--epochs", "1", "--quiet"]
        let cases: [([String], String)] = [
            (train + ["--train", "4", "--test", "2", "--width", "10000000"], "memory"),
            (train + ["--train", "4", "--test", "2", "--width", "3037000500"], "overflows"),
            (train + ["--train", "9223372036854775807", "--test", "2"], "--train"),
            // A batch larger than the training set is refused (it was silently full batch), alike in both trainers.
            (train + ["--train", "4", "--test", "2", "--batch-size", "9223372036854775807"], "larger than the 4 training samples"),
            // 10 generated functions: the last one validates (--validation defaults to 10%), 9 train.
            (["train", "deeponet", "--generate-antiderivative", "10", "--generate-test", "5", "--iterations", "1",
              "--batch-size", "9223372036854775807"], "larger than the 9 training functions"),
            (["train", "mgno", "--data", data, "--output", directory.appendingPathComponent("mgno").path, "--epochs", "1", "--quiet",
              "--train", "4", "--test", "2", "--channels", "10000000"], "memory"),
            (["bench", "fno", "--sizes", "24", "--width", "9223372036854775807", "--layers", "1"], "overflows"),
            (["dcdm", "train", "--grid", "8", "--dimensions", "2", "--steps", "2", "--krylov-dimension", "8", "--batch-size", "3037000500",
              "--output", directory.appendingPathComponent("d.safetensors").path], "memory"),
        ]
        for (arguments, keyword) in cases {
            let line = try Self.expectOneErrorLine(arguments, allowsStatusLines: true)
            #expect(line.contains(keyword), "\(arguments): '\(line)' does not mention \(keyword)")
        }
    }

    @Test func helpAndVersionStillSucceed() throws {
        guard CommandLineTests.executable != nil else { return }
        for arguments in [["--help"], ["generate", "--help"], ["bench"], ["dcdm", "train", "--help"]] {
            let result = try CommandLineTests().run(arguments)
            #expect(result.status == 0 && result.output.contains("USAGE:") && !result.error.contains("error:"), "\(arguments)")
        }
    }
}
