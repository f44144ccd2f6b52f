import Foundation
import Testing
import DataGeneration
import Distributed

/// The lines `pdekit generate` prints, read from a real run: they name the files the run wrote.
@Suite struct GenerationReportTests {
    @Test func missingOutputDirectoryIsRefused() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-missing-\(UUID().uuidString)/out.h5").path
        let error = #expect(throws: GenerationError.self) { try GenerationReport.requireOutputDirectory(of: missing) }
        #expect(String(describing: error).contains("does not exist"))
        try GenerationReport.requireOutputDirectory(of: "relative.h5")   // the working directory exists
    }

    @Test func linesOfAPartRunNameTheWrittenFileAndTheMerge() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("darcy.h5").path
        let configuration = GenerationConfiguration(family: .darcy, sampleCount: 4, resolution: 9, strategy: .direct, shardSize: 2)
        let part = try Shard(index: 1, count: 2)
        let summary = try DatasetGenerator(configuration).run(output: output, shard: part)
        let written = GenerationReport.writtenLines(summary, output: output, sampleCount: 4, shard: part)
        let partPath = GenerationShardFile.path(of: output, shard: part)
        #expect(FileManager.default.fileExists(atPath: partPath))
        #expect(written.count == 2)
        #expect(written[0].contains(partPath) && written[0].contains("rows 2..<4") && written[0].hasSuffix("2/2 samples"))
        #expect(written[1] == "when all 2 parts are done: pdekit merge --output \(output) --parts 2")
        let summaryLines = GenerationReport.summaryLines(summary, configuration: configuration)
        #expect(summaryLines.count == 4 && summaryLines[2].hasPrefix("solver direct"))
    }

    @Test func generationRunPrintsInOrderAndRecordsTheComparison() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("darcy.h5").path
        var run = GenerationRun(configuration: GenerationConfiguration(family: .darcy, sampleCount: 5, resolution: 9, strategy: .gmres), output: output)
        (run.comparedSystemCount, run.quiet) = (3, true)
        var lines: [String] = [], records: [RecyclingComparisonRecord] = []
        try run.run(communicator: .single, print: { lines.append($0) }, record: { records.append($0) })
        #expect(FileManager.default.fileExists(atPath: output))
        #expect(lines.first == "wrote \(output): 5/5 samples")
        #expect(lines.contains { $0.hasPrefix("compare on first 3 sorted systems") })
        #expect(lines.last?.hasPrefix("recycling speed-up over independent GMRES") == true)
        #expect(records.count == 1 && records.first?.systems == 3)
        run.shard = "5/2"
        #expect(throws: (any Error).self) { try run.run(communicator: .single, print: { _ in }, record: { _ in }) }
    }
}
