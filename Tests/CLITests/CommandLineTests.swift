import Foundation
import Testing
import PDEKit

/// End-to-end tests of the `pdekit` executable: version and help, and user errors that must end
/// with one clear line and a non-zero exit status, never a crash.
@Suite struct CommandLineTests {
    /// The `pdekit` binary beside the test bundle (`scripts/test.sh` builds it first).
    static var executable: URL? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("pdekit")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    /// A new empty directory under the temporary directory, named `<prefix>-<UUID>`; the caller removes it.
    static func scratchDirectory(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `pdekit arguments` to its end; `environment` adds to (or overrides) this process's variables.
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String, error: String) {
        guard let executable = Self.executable else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "pdekit binary not built next to the tests"])
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
    }

    @Test func versionAndHelp() throws {
        let version = try run(["--version"])
        #expect(version.status == 0 && version.output.trimmingCharacters(in: .whitespacesAndNewlines) == PDEKitVersion.string)
        let help = try run(["--help"])
        #expect(help.status == 0)
        for subcommand in ["demo", "solve", "bench"] { #expect(help.output.contains(subcommand)) }
    }

    /// Every command's `--help` (found through the SUBCOMMANDS lists) gives defaults as a user types
    /// them: no Swift value dumps such as `method(SparseSolvers.SolverConfiguration.Method.gmres)`.
    @Test func everyHelpShowsDefaultsAsFlagValues() throws {
        var pending: [[String]] = [[]], visited = 0
        while let command = pending.popLast() {
            let help = try run(command + ["--help"])
            #expect(help.status == 0, "\(command): status \(help.status)")
            visited += 1
            // Wrapped help lines joined, so a default split over two lines is seen whole.
            let text = help.output.replacing(/\n\s+/, with: " ")
            for match in text.matches(of: /default: ([^;)]*\(?)/) {
                let value = String(match.output.1)
                #expect(value.firstMatch(of: /^[a-z][A-Za-z]*\(|[A-Z][A-Za-z]+\.[A-Z]/) == nil, "\(command): default \(value)")
            }
            if let list = help.output.split(separator: "SUBCOMMANDS:").dropFirst().first {
                for line in list.split(separator: "\n") {
                    guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first,
                          name.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) else { continue }
                    pending.append(command + [String(name)])
                }
            }
        }
        #expect(visited > 25, "only \(visited) commands found")
        let solve = try run(["solve", "--help"])
        #expect(solve.output.replacing(/\n\s+/, with: " ").contains("default: gmres)"), "\(solve.output)")
    }

    @Test func userErrorsEndWithOneLineAndNonZeroStatus() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let malformed = directory.appendingPathComponent("bad.mtx")
        try "%%MatrixMarket matrix coordinate real general\n3 3 2\n1 1 1.0\nnot a number\n".write(to: malformed, atomically: true, encoding: .utf8)
        let cases: [[String]] = [
            ["solve", directory.appendingPathComponent("missing.mtx").path],
            ["solve", malformed.path],
            ["demo", "--steps", "0"],
            ["bench", "core", "--repetitions", "-1"],
            ["no-such-command"],
        ]
        for arguments in cases {
            let result = try run(arguments)
            #expect(result.status != 0 && result.status < 128, "\(arguments): status \(result.status) (≥128 means a crash)")
            let lines = result.error.split(separator: "\n").filter { $0.lowercased().contains("error") }
            #expect(!lines.isEmpty, "\(arguments): no error line in \(result.error)")
        }
    }
}
