import Foundation
import Testing

/// The flag values the first merged fuzz run still let through (issue 19): each is one `error:` line
/// and a non-zero exit, and a refused generation leaves no output file behind.
@Suite struct FlagLeftoverTests {
    func scratch() throws -> URL { try CommandLineTests.scratchDirectory("pdekit-leftovers") }

    /// 3037000500 trajectories stream to disk shard by shard (little memory), so only the free disk
    /// space can refuse them: 1.4 TiB here, far beyond the test machine's disk.
    @Test func navierStokesSamplesThatCannotFitOnDiskAreRefusedBeforeWriting() throws {
        guard CommandLineTests.executable != nil else { return }
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("ns.h5").path
        let line = try ErrorReportingTests.expectOneErrorLine(
            ["generate", "navier-stokes", "--samples", "3037000500", "--resolution", "8", "--final-time", "0.1",
             "--record-interval", "0.1", "--output", output, "--quiet"])
        #expect(line.contains("of disk"), "\(line)")
        #expect(!FileManager.default.fileExists(atPath: output), "the refused run created \(output)")
    }

    /// `generate pde` checks the disk the same way: 2,000,000 samples at 1025² in float64 are 33.6 TB.
    @Test func pdeSamplesThatCannotFitOnDiskAreRefusedBeforeWriting() throws {
        guard CommandLineTests.executable != nil else { return }
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("darcy.h5").path
        let line = try ErrorReportingTests.expectOneErrorLine(
            ["generate", "darcy", "--samples", "2000000", "--resolution", "1025", "--precision", "float64", "--shard-size", "1",
             "--output", output, "--quiet"])
        #expect(line.contains("of disk"), "\(line)")
        #expect(!FileManager.default.fileExists(atPath: output), "the refused run created \(output)")
    }

    /// `--step-size` ≤ 0 was clamped to 1 silently (the rate halved every epoch); it is refused by
    /// `TrainingConfiguration.validate()` for every operator trainer. `--epochs 2^63-1` is refused by
    /// `TrainingLoop` (its step count would overflow).
    @Test func nonPositiveStepSizeAndOverflowingEpochsAreRefused() throws {
        guard CommandLineTests.executable != nil else { return }
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("darcy.h5").path
        let generated = try CommandLineTests().run(["generate", "darcy", "--samples", "12", "--resolution", "9", "--output", data, "--quiet"])
        #expect(generated.status == 0, "\(generated.error)")
        for (model, size) in [("fno", ["--width", "4", "--modes", "2"]), ("mgno", ["--channels", "4"])] {
            for value in ["0", "-5"] {
                let line = try ErrorReportingTests.expectOneErrorLine(
                    ["train", model, "--data", data, "--train", "8", "--test", "4", "--epochs", "1"] + size + ["--layers", "1",
                     "--batch-size", "4", "--output", directory.appendingPathComponent("run-\(model)").path, "--quiet", "--step-size=\(value)"],
                    allowsStatusLines: true)
                #expect(line.contains("step size") && line.contains("(got \(value))"), "\(model) \(value): \(line)")
            }
            // epochs × steps per epoch (2 here) trapped in the progress total (SIGILL, merged flag fuzz run).
            let line = try ErrorReportingTests.expectOneErrorLine(
                ["train", model, "--data", data, "--train", "8", "--test", "4", "--epochs", "9223372036854775807"] + size + [
                 "--layers", "1", "--batch-size", "4", "--output", directory.appendingPathComponent("epochs-\(model)").path, "--quiet"],
                allowsStatusLines: true)
            #expect(line.contains("overflow"), "\(model): \(line)")
        }
    }

    /// `--iterations + --lbfgs-iterations` overflowing said "must be ≥ 0 and not both 0"; the message
    /// now names the overflow.
    @Test func pinnStepCountOverflowIsNamed() throws {
        guard CommandLineTests.executable != nil else { return }
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let line = try ErrorReportingTests.expectOneErrorLine(
            ["pinn", "burgers", "--iterations", "2", "--lbfgs-iterations", "9223372036854775807", "--no-plots",
             "--output", directory.appendingPathComponent("p").path])
        #expect(line.contains("overflows"), "\(line)")
    }

    /// `gp --iterations 2^63-1` (and `--lbfgs-iterations`) trapped on the progress bar's total
    /// `iterations + lbfgsIterations` (SIGILL, found by the merged flag fuzz run).
    @Test func gpStepCountOverflowIsOneErrorLine() throws {
        guard CommandLineTests.executable != nil else { return }
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        for extra in [["--iterations", "9223372036854775807"], ["--iterations", "2", "--lbfgs-iterations", "9223372036854775807"]] {
            let line = try ErrorReportingTests.expectOneErrorLine(
                ["gp", "poisson1d", "--output", directory.appendingPathComponent("gp").path] + extra)
            #expect(line.contains("overflows"), "\(extra): \(line)")
        }
    }
}
