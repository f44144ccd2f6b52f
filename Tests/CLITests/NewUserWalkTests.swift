import Foundation
import Testing
import PDEKit

/// What a new user meets first (session 11's walk through the README and every `--help`): a training
/// bar that says what it counts in a pipe, a rerun into the same directory that says it starts over and
/// how to continue instead, flags that are ignored unless given together refused, help paragraphs not
/// broken mid-sentence, and solve's times without a clock's noise digits.
@Suite struct NewUserWalkTests {
    let cli = CommandLineTests()

    func scratch() throws -> URL { try CommandLineTests.scratchDirectory("pdekit-walk") }

    /// `train fno` twice into one directory, in a pipe: plain lines `train k/N (p%)`, k never past N, the
    /// last at N/N; the second run says it starts over the checkpoint and names --resume; with --resume it
    /// does not.
    @Test func trainingProgressIsLabelledAndARerunSaysHowToResume() throws {
        guard CommandLineTests.executable != nil else { return }
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("darcy.h5").path, run = directory.appendingPathComponent("run").path
        let generated = try cli.run(["generate", "darcy", "--samples", "12", "--resolution", "9", "--output", data])
        try #require(generated.status == 0, "\(generated.error)")
        let train = ["train", "fno", "--data", data, "--train", "8", "--test", "4", "--modes", "2", "--width", "4", "--output", run]
        let first = try cli.run(train + ["--epochs", "3"])
        #expect(first.status == 0 && !first.error.contains("note:"), "\(first.error)")
        let bars = first.error.split(separator: "\n").filter { $0.hasPrefix("train ") }
        #expect(!bars.isEmpty && bars.allSatisfy { line in
            let counter = line.split(separator: " ")[1].split(separator: "/").compactMap { Int($0) }
            return counter.count == 2 && counter[0] <= counter[1]
        }, "\(first.error)")
        #expect(bars.last?.hasPrefix("train 3/3 (100%)") == true, "\(first.error)")   // 8 training rows (--validation: 10 % of 8 rounds to 0), one batch per epoch
        let rerun = try cli.run(train + ["--epochs", "2"])
        let notes = rerun.error.split(separator: "\n").filter { $0.hasPrefix("note: starting a new run over") }
        #expect(rerun.status == 0 && notes.count == 1 && notes[0].contains("checkpoint.safetensors") && notes[0].contains("--resume"), "\(rerun.error)")
        let resumed = try cli.run(train + ["--epochs", "4", "--resume"])
        #expect(resumed.status == 0 && !resumed.error.contains("note:"), "\(resumed.error)")
    }

    /// `train deeponet --input-key` without `--target-key` used to be ignored silently (DeepXDE's names were
    /// read instead): now one error line naming both.
    @Test func deepONetKeysAreGivenTogether() throws {
        guard CommandLineTests.executable != nil else { return }
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("datasets/fixtures/deeponet.npz").path
        for keys in [["--input-key", "X_train0"], ["--target-key", "y_train"], ["--trunk-key", "X_train1"]] {
            let result = try cli.run(["train", "deeponet", "--data", fixture, "--iterations", "1"] + keys)
            let errors = result.error.split(separator: "\n").filter { $0.hasPrefix("error:") }
            #expect(result.status != 0 && errors.count == 1 && errors[0].contains("--input-key and --target-key together"), "\(keys): \(result.error)")
        }
    }

    /// Help paragraphs are wrapped by the parser: no line of `solve`, `pinn` or `dcdm train`'s discussion
    /// ends mid-sentence after a short run of words (the source's own line breaks used to show through).
    @Test func helpParagraphsAreNotBrokenMidSentence() throws {
        guard CommandLineTests.executable != nil else { return }
        for command in [["solve"], ["pinn"], ["dcdm", "train"]] {
            let help = try cli.run(command + ["--help"])
            let discussion = help.output.components(separatedBy: "USAGE:")[0].split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2)
            // A wrapped line is full (over 60 columns) unless it ends its paragraph (a blank line or the end follows).
            let lines = Array(discussion)
            for (k, line) in lines.enumerated() where k + 1 < lines.count && !lines[k + 1].isEmpty && !line.isEmpty {
                #expect(line.count > 60, "\(command): short line inside a paragraph: \(line)")
            }
        }
    }

    /// Times to 4 significant digits (`setup time: 2.052e-05 s`), not `2.0521000000000002e-05 s`.
    @Test func solveTimesHaveNoClockNoise() throws {
        guard CommandLineTests.executable != nil else { return }
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let matrix = directory.appendingPathComponent("poisson.mtx").path
        try MatrixMarket.write(ModelProblems.poisson2D(n: 8), path: matrix)
        let result = try cli.run(["solve", matrix, "--method", "cg"])
        #expect(result.status == 0, "\(result.error)")
        for name in ["read time:", "setup time:", "solve time:"] {
            let line = try #require(result.output.split(separator: "\n").first { $0.hasPrefix(name) }, "\(result.output)")
            let value = line.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
            let digits = value.dropLast(2).split(separator: "e")[0].filter(\.isNumber)
            #expect(value.hasSuffix(" s") && Double(value.dropLast(2)) != nil && digits.drop { $0 == "0" }.count <= 4, "\(line)")
        }
    }
}
