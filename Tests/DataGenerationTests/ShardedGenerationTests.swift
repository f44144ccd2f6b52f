import Foundation
import Testing
import Datasets
import DataGeneration
import Distributed

/// `--shard I/N` and `pdekit merge` without MPI: the parts of the sorted sequence, merged, equal a
/// one-process run bit for bit (direct solves), parts resume, and merge refuses sets that are not one
/// complete run.
@Suite struct ShardedGenerationTests {
    func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-shards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// The three arrays as bit patterns (so -0 ≠ 0 and NaN = NaN: a bitwise comparison).
    func bits(_ path: String) throws -> (coeff: [UInt64], sol: [UInt64], index: [Int64], completed: Int) {
        let file = try HDF5File(opening: path)
        defer { try? file.close() }
        func pattern(_ array: NumericArray) -> [UInt64] {
            switch array.storage {
            case .float64(let values): return values.map(\.bitPattern)
            case .float32(let values): return values.map { UInt64($0.bitPattern) }
            default: return []
            }
        }
        guard case .int64(let index) = try file.readDataset("sample_index").storage else { return ([], [], [], -1) }
        return (pattern(try file.readDataset("coeff")), pattern(try file.readDataset("sol")), index,
                try file.attribute("pdekit.completed").intValue ?? -1)
    }

    let configuration = GenerationConfiguration(family: .darcy, sampleCount: 11, resolution: 11, seed: 9, strategy: .direct,
                                                precision: .float64, shardSize: 2)

    @Test func partsMergedEqualOneProcessBitwise() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let whole = directory.appendingPathComponent("whole.h5").path, merged = directory.appendingPathComponent("merged.h5").path
        let generator = try DatasetGenerator(configuration)
        try generator.run(output: whole)
        for parts in [2, 3] {
            for index in 0..<parts {
                let summary = try generator.run(output: merged, shard: try Shard(index: index, count: parts))
                #expect(summary.completedCount == (try Shard(index: index, count: parts)).range(of: 11).count)
            }
            #expect(!FileManager.default.fileExists(atPath: merged))
            #expect(try GenerationShardFile.merge(GenerationShardFile.paths(of: merged, count: parts).reversed(), into: merged) == 11)
            let a = try bits(whole), b = try bits(merged)
            #expect(a.coeff.count == 11 * 121 && a.coeff == b.coeff && a.sol == b.sol && a.index == b.index, "\(parts) parts")
            #expect(b.completed == 11 && Set(b.index).count == 11)
            // The merged file is a complete one-process file: rerunning generate on it solves nothing.
            #expect(try generator.run(output: merged).solvedCount == 0)
            try FileManager.default.removeItem(atPath: merged)
        }
    }

    @Test func aPartResumesAndMergeRefusesIncompleteOrForeignSets() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("data.h5").path
        let generator = try DatasetGenerator(configuration)
        let first = try Shard(index: 0, count: 2), second = try Shard(index: 1, count: 2)
        #expect(GenerationShardFile.path(of: output, shard: second) == directory.appendingPathComponent("data.shard-1-of-2.h5").path)
        try generator.run(output: output, shard: first)
        try generator.run(output: output, shard: second, shardLimit: 1)   // interrupted after one shard
        let paths = try GenerationShardFile.paths(of: output, count: 2)
        #expect(throws: GenerationError.self) { try GenerationShardFile.merge(paths, into: output) }          // incomplete
        #expect(throws: GenerationError.self) { try GenerationShardFile.merge([paths[0]], into: output) }     // a part missing
        #expect(throws: GenerationError.self) { try GenerationShardFile.merge([paths[0], paths[0]], into: output) }
        #expect(!FileManager.default.fileExists(atPath: output))
        let resumed = try generator.run(output: output, shard: second)
        #expect(resumed.resumedFrom == 2 && resumed.completedCount == 6)   // rows 5..<11
        // A part of another run (other seed) does not join.
        var other = configuration
        other.seed = 10
        let foreign = directory.appendingPathComponent("other.h5").path
        try DatasetGenerator(other).run(output: foreign, shard: second)
        #expect(throws: GenerationError.self) {
            try GenerationShardFile.merge([paths[0], GenerationShardFile.path(of: foreign, shard: second)], into: output)
        }
        #expect(try GenerationShardFile.merge(paths, into: output) == 11)
        let merged = try bits(output)
        #expect(merged.index.sorted() == (0..<11).map(Int64.init))
    }

    /// The `mpirun` path: the other parts appended to part 0, which becomes the output: bitwise the
    /// one-process file, with no part attribute left; a kill while appending leaves part 0 with extra
    /// rows past its count, which resuming it drops, and a stale temporary of part 0 is removed.
    @Test func partsMergedIntoTheFirstEqualOneProcessBitwiseAndResumeAfterAKill() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let whole = directory.appendingPathComponent("whole.h5").path, output = directory.appendingPathComponent("data.h5").path
        let generator = try DatasetGenerator(configuration)
        try generator.run(output: whole)
        for parts in [2, 3] {
            let shards = try (0..<parts).map { try Shard(index: $0, count: parts) }
            for shard in shards { try generator.run(output: output, shard: shard) }
            let paths = try GenerationShardFile.paths(of: output, count: parts)
            // A kill while appending: part 0 holds the next part's rows past its completed count.
            let part0 = try HDF5File(opening: paths[0], mode: .readWrite), part1 = try HDF5File(opening: paths[1])
            for name in ["coeff", "sol", "sample_index"] { try part0.appendSamples(try part1.readSamples(name, 0..<1), to: name) }
            try part0.close()
            try part1.close()
            #expect(throws: GenerationError.self) { try GenerationShardFile.mergeIntoFirstPart(paths, into: output) }
            let stale = directory.appendingPathComponent(".data.shard-0-of-\(parts).h5.tmp-killed").path
            #expect(FileManager.default.createFile(atPath: stale, contents: Data([1])))
            #expect(try generator.run(output: output, shard: shards[0]).solvedCount == 0)   // drops the extra row
            #expect(!FileManager.default.fileExists(atPath: stale))
            #expect(try GenerationShardFile.mergeIntoFirstPart(paths.reversed(), into: output) == 11)
            #expect(!FileManager.default.fileExists(atPath: paths[0]))
            let a = try bits(whole), b = try bits(output)
            #expect(a.coeff.count == 11 * 121 && a.coeff == b.coeff && a.sol == b.sol && a.index == b.index, "\(parts) parts")
            #expect(b.completed == 11)
            let file = try HDF5File(opening: output)
            #expect(try !file.attributeNames().contains(GenerationShardFile.shardAttribute))
            try file.close()
            #expect(try GenerationShardFile.isComplete(output, contentKey: configuration.contentKey, sampleCount: 11))
            #expect(try generator.run(output: output).solvedCount == 0)
            for path in paths.dropFirst() { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.removeItem(atPath: output)
        }
    }
}
