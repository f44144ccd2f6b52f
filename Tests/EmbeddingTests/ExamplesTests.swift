import TestSupport
import Foundation
import Testing
import PDEKit

/// The worked examples in `Examples/`, run in `--smoke` mode in the order they build on each other:
/// Poisson solve → Darcy dataset → FNO training → the C program (compiled with the system C compiler
/// against libPDEKitC.so) embedding the trained FNO and a recycling solver → the Fortran program.
/// The C program's operator output is compared with the Swift API's for the same input.
@Suite(.serialized) struct ExamplesTests {
    /// The release build directory holding the example executables and libPDEKitC.so.
    static var buildDirectory: URL? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            if FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("example-train-fno").path),
               FileManager.default.fileExists(atPath: directory.appendingPathComponent("libPDEKitC.so").path) {
                return directory
            }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    /// The repository root (this file is Tests/EmbeddingTests/ExamplesTests.swift).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func toolExists(_ name: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(name)")
        }
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
    }

    /// Runs the Swift examples in smoke mode and returns the trained run directory.
    static func trainedRun(in directory: URL, build: URL) throws -> URL {
        let data = directory.appendingPathComponent("darcy.h5"), run = directory.appendingPathComponent("run")
        let dataset = try Self.run(build.appendingPathComponent("example-darcy-dataset").path, [data.path, "--smoke"])
        try #require(dataset.status == 0, "example-darcy-dataset: \(dataset.error)")
        let training = try Self.run(build.appendingPathComponent("example-train-fno").path, [data.path, run.path, "--smoke"])
        try #require(training.status == 0, "example-train-fno: \(training.error)")
        try #require(FileManager.default.fileExists(atPath: run.appendingPathComponent("best.safetensors").path))
        return run
    }

    @Test func poissonExampleShowsSecondOrderConvergence() throws {
        let build = try #require(Self.buildDirectory, "examples not built (swift build -c release)")
        let result = try Self.run(build.appendingPathComponent("example-poisson-solve").path, ["--smoke"])
        #expect(result.status == 0, "\(result.error)")
        // The last column of the last two rows is the observed order of the 5-point scheme: 2.
        let orders = result.output.split(separator: "\n").dropFirst(2).compactMap { Double($0.split(separator: " ").last ?? "") }
        #expect(orders.count == 2 && orders.allSatisfy { abs($0 - 2) < 0.05 }, "\(result.output)")
        let bad = try Self.run(build.appendingPathComponent("example-poisson-solve").path, ["--bogus"])
        #expect(bad.status == 2 && bad.error.hasPrefix("error:"))
    }

    /// Examples/c-amg-mpi: AMG and ILUT are refused with PDEKIT_ERROR_MPI_NOT_INITIALIZED before the
    /// host's MPI_Init (the library never initializes MPI), then agree with the direct solve after it.
    @Test(.enabled(if: toolExists("make") && toolExists("mpicc")))
    func cAMGExampleNeedsTheHostsMPI() throws {
        let build = try #require(Self.buildDirectory, "examples not built (swift build -c release)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-amg-example-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let make = try Self.run("make", ["-s", "-C", Self.repositoryRoot.appendingPathComponent("Examples/c-amg-mpi").path,
                                         "BUILD_DIR=\(build.path)", "OUT_DIR=\(directory.path)"])
        try #require(make.status == 0, "make: \(make.output) \(make.error)")
        let run = try Self.run(directory.appendingPathComponent("pdekit-c-amg-mpi-example").path, ["24"])
        #expect(run.status == 0 && run.output.contains("c amg mpi example: ok"), "\(run.output) \(run.error)")
        #expect(run.output.contains("before MPI_Init: AMG -> MPI not initialized: MPI is not initialized"), "\(run.output)")
    }

    @Test(.enabled(if: toolExists("make") && toolExists("cc")))
    func cEmbeddingMatchesTheSwiftAPIAndHandlesBadInput() throws {
        let build = try #require(Self.buildDirectory, "examples not built (swift build -c release)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-examples-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try Self.trainedRun(in: directory, build: build)

        // Compile the C example with the Makefile a user would use.
        let make = try Self.run("make", ["-C", Self.repositoryRoot.appendingPathComponent("Examples/c-embedding").path,
                                         "BUILD_DIR=\(build.path)", "OUT_DIR=\(directory.path)"])
        try #require(make.status == 0, "make: \(make.output) \(make.error)")
        let program = directory.appendingPathComponent("pdekit-c-example").path

        // The demo: FNO vs direct solve, recycling sequence, error paths; exit 0 only if all behaved.
        let demo = try Self.run(program, [run.path, "--smoke"])
        #expect(demo.status == 0, "\(demo.output)\n\(demo.error)")
        #expect(demo.output.contains("smoke run: ok"))
        #expect(demo.output.contains("relative L2 error"))

        // Raw float32 fields through the C API vs TrainedModel.predict, at the training grid and at 2x.
        let (model, _) = try TrainedModel.load(from: run.appendingPathComponent("best.safetensors"))
        let s = try #require(model.trainingGrid?.first)
        for n in [s, 2 * s - 1] {
            var generator = SeededRandomNumberGenerator(seed: UInt64(n))
            let input = Tensor<Float>(uncheckedShape: [3, 1, n, n],
                                      scalars: (0..<(3 * n * n)).map { _ in Float.random(in: 0..<1, using: &generator) < 0.5 ? 3 : 12 })
            let inputURL = directory.appendingPathComponent("in-\(n).f32"), outputURL = directory.appendingPathComponent("out-\(n).f32")
            try input.scalars.withUnsafeBytes { try Data($0).write(to: inputURL) }
            let applied = try Self.run(program, [run.path, "--apply", inputURL.path, outputURL.path, "--batch", "3", "--grid", "\(n)", "\(n)"])
            try #require(applied.status == 0, "\(applied.error)")
            let data = try Data(contentsOf: outputURL)
            let fromC = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let fromSwift = try model.predict(input).scalars
            try #require(fromC.count == fromSwift.count)
            let scale = fromSwift.map { abs($0) }.maxOrNaN() ?? 1
            let worst = zip(fromC, fromSwift).map { abs($0 - $1) }.maxOrNaN() ?? .infinity
            #expect(worst <= 1e-6 * scale, "grid \(n): max difference \(worst) (scale \(scale))")
        }

        // Bad input to the C program: a missing model and a wrong grid end with a message, not a crash.
        let missing = try Self.run(program, [directory.appendingPathComponent("nothing").path])
        #expect(missing.status == 1 && missing.error.contains("no checkpoint"))
        let inputURL = directory.appendingPathComponent("in-\(s).f32")
        let wrongGrid = try Self.run(program, [run.path, "--apply", inputURL.path, "/dev/null", "--batch", "1", "--grid", "\(s)", "\(s)", "\(s)"])
        #expect(wrongGrid.status != 0 && wrongGrid.status < 128 && wrongGrid.error.contains("error"))
    }

    @Test(.enabled(if: toolExists("make") && toolExists("gfortran")))
    func fortranEmbeddingRunsThroughISOCBinding() throws {
        let build = try #require(Self.buildDirectory, "examples not built (swift build -c release)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-fortran-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try Self.trainedRun(in: directory, build: build)
        let make = try Self.run("make", ["-C", Self.repositoryRoot.appendingPathComponent("Examples/fortran-embedding").path,
                                         "BUILD_DIR=\(build.path)", "OUT_DIR=\(directory.path)"])
        try #require(make.status == 0, "make: \(make.output) \(make.error)")
        let result = try Self.run(directory.appendingPathComponent("pdekit-fortran-example").path, [run.path, "--smoke"])
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        #expect(result.output.contains("fortran example: ok"))
        // The CG solve through the C API converged to its tolerance.
        let line = try #require(result.output.split(separator: "\n").first { $0.hasPrefix("IC(0)-CG") })
        let residual = try #require(Double(line.split(separator: " ").last ?? ""))
        #expect(residual < 1e-9)
    }
}
