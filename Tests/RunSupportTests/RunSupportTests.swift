import Foundation
import Testing
import TestSupport
import RunSupport

@Suite struct AtomicFileTests {
    @Test func writeReplacesAndLeavesNoTemporary() throws {
        let directory = try makeScratchDirectory("runsupport")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("metrics.jsonl")
        try AtomicFile.write("first\n", to: file)
        try AtomicFile.write("second\n", to: file)
        #expect(try String(contentsOf: file, encoding: .utf8) == "second\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["metrics.jsonl"])
    }

    @Test func concurrentWritersNeverShareATemporaryName() throws {
        let directory = try makeScratchDirectory("runsupport")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("shared.bin")
        let payloads = (0..<16).map { Data(repeating: UInt8($0), count: 100_000) }
        DispatchQueue.concurrentPerform(iterations: payloads.count) { index in
            try? AtomicFile.write(payloads[index], to: file)
        }
        let result = try Data(contentsOf: file)
        // Whichever writer won, the file is one payload whole, never a mix.
        #expect(payloads.contains(result))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["shared.bin"])
    }

    @Test func missingDirectoryIsATypedError() {
        let file = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/x.bin")
        #expect(throws: AtomicWriteError.self) { try AtomicFile.write("x", to: file) }
    }

    @Test func staleTemporariesAreRemovedAndOthersKept() throws {
        let directory = try makeScratchDirectory("runsupport")
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in [".checkpoint.safetensors.partial-12-34", ".dat.nosync1a2b.XYZ", "checkpoint.safetensors", ".hidden"] {
            try Data("x".utf8).write(to: directory.appendingPathComponent(name))
        }
        let removed = AtomicFile.removeStaleTemporaries(in: directory)
        #expect(removed == [".checkpoint.safetensors.partial-12-34", ".dat.nosync1a2b.XYZ"])
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)) == [".hidden", "checkpoint.safetensors"])
    }
}

@Suite struct MemoryBudgetTests {
    @Test func productDetectsOverflowAndNegativeExtents() throws {
        #expect(try MemoryBudget.product([3, 4, 5], what: "grid") == 60)
        #expect(throws: MemoryBudgetError.overflow(what: "grid", factors: [3_037_000_500, 3_037_000_500, 8])) {
            try MemoryBudget.product([3_037_000_500, 3_037_000_500, 8], what: "grid")
        }
        #expect(throws: MemoryBudgetError.self) { try MemoryBudget.product([4, -1], what: "grid") }
    }

    @Test func requestsBeyondTheLimitAreRefusedWithOneLine() throws {
        let budget = MemoryBudget(limitBytes: 1 << 20)
        #expect(try budget.requireArray(shape: [256, 256], bytesPerElement: 4, what: "field") == 65536)
        do {
            try budget.requireArray(shape: [1024, 1024], bytesPerElement: 4, what: "field")
            Issue.record("a 4 MiB request passed a 1 MiB budget")
        } catch {
            #expect(error.description == "field needs 4.0 MiB but this machine has 1.0 MiB of memory (--force overrides where offered)")
        }
        #expect(MemoryBudget.physicalMemoryBytes > 1 << 26)
        try MemoryBudget.unlimited.require(bytes: .max, what: "anything")
    }
}

@Suite(.serialized) struct ProgressOutputTests {
    final class Collector: @unchecked Sendable { var text = "" }

    func capturing(_ body: () -> Void) -> String {
        let collector = Collector()
        let saved = StatusLine.sink
        StatusLine.sink = { collector.text += $0 }
        body()
        StatusLine.sink = saved
        return collector.text
    }

    @Test func plainLinesEveryStepAndCounterNeverPassesTotal() {
        let text = capturing {
            let bar = ProgressBar(total: 1000, label: "lbfgs", redrawsInPlace: false, plainStepPercent: 10)
            for _ in 0..<1167 { bar.advance(status: "loss 1") }
            bar.finish()
            #expect(bar.completed == 1000)
        }
        let lines = text.split(separator: "\n")
        #expect(!text.contains("\r"))
        #expect(lines.count == 11)   // the first unit (0 %), then 10 %, 20 %, …, 100 %
        #expect(lines.first?.hasPrefix("lbfgs 1/1000 (0%)") == true)
        #expect(lines.last?.hasPrefix("lbfgs 1000/1000 (100%)") == true)
        #expect(!text.contains("1001/"))
    }

    /// Counts past 2³¹ print in full (a `%d` prints an Int's low 32 bits), and counts near `Int.max`
    /// neither trap (`100 · completed` overflows there) nor print a wrong percentage.
    @Test func countsPastTwoToTheThirtyOnePrintInFull() {
        let total = 5_000_000_000, completed = 3_000_000_000
        let text = capturing {
            let bar = ProgressBar(total: total, label: "generate", redrawsInPlace: false, plainStepPercent: 5)
            bar.advance(to: completed, status: "sample")
        }
        #expect(text.hasPrefix("generate 3000000000/5000000000 (60%)  sample  elapsed "), "\(text)")
        let redrawn = ProgressBar.barLine(completed: completed, total: total, status: "s", timing: "t")
        #expect(redrawn == "[" + String(repeating: "#", count: 14) + String(repeating: ".", count: 10) + "] 3000000000/5000000000  s  t   ")
        // 24 · 3/5 = 14.4 → 14 filled; near Int.max the exact quotients are 99 % and 23 of 24.
        let nearEnd = Int.max - Int.max / 100
        #expect(ProgressBar.plainLine(label: "", completed: nearEnd, total: .max, status: "s", timing: "t")
                == "\(nearEnd)/\(Int.max) (99%)  s  t")
        #expect(ProgressBar.barLine(completed: .max, total: .max, status: "s", timing: "t").hasPrefix("[" + String(repeating: "#", count: 24) + "]"))
        #expect(ProgressBar.format(1e9) == "277777h46m")   // 1e9 s = 277,777 h 46 min 40 s
    }

    /// A run resumed at 34 of 100 that did one unit in 10 s needs 65 × 10 s more, not 65 × 10 / 35 s
    /// (the rate of the resumed count, which printed ETA 0m00s at 35 %); the expected values are the
    /// arithmetic of the rate, computed here independently of the bar.
    @Test func etaCountsOnlyTheUnitsOfThisProcess() {
        _ = capturing {
            let resumed = ProgressBar(total: 100, start: .count(34), redrawsInPlace: false)
            #expect(resumed.remainingSeconds(elapsed: 10).isNaN)   // no unit of this process yet: unknown
            resumed.advance(to: 35, status: "adam")
            #expect(resumed.remainingSeconds(elapsed: 10) == 10.0 / 1 * 65)
            resumed.advance(to: 44, status: "adam")
            #expect(resumed.remainingSeconds(elapsed: 10) == 10.0 / 10 * 56)
            // A solver that resumes inside: the first report (35) is the first unit of this process.
            let told = ProgressBar(total: 100, start: .beforeFirstReport, redrawsInPlace: false)
            told.advance(to: 35, status: "adam")
            #expect(told.startCount == 34)
            #expect(told.remainingSeconds(elapsed: 10) == 650)
            // A fresh run is unchanged: elapsed / completed × remaining, and 0 at the end.
            let fresh = ProgressBar(total: 100, redrawsInPlace: false)
            fresh.advance(to: 20, status: "adam")
            #expect(fresh.remainingSeconds(elapsed: 10) == 10.0 / 20 * 80)
            fresh.advance(to: 100, status: "adam")
            #expect(fresh.remainingSeconds(elapsed: 10) == 0)
        }
    }

    @Test func anErrorEndsAnOpenBarLineFirst() {
        let text = capturing {
            let bar = ProgressBar(total: 10, redrawsInPlace: true)
            bar.advance(status: "epoch 1/10")
            StatusLine.printError(NSError(domain: "x", code: 1, userInfo: [NSLocalizedDescriptionKey: "Error: bad\nvalue"]))
        }
        #expect(text.hasPrefix("\r["))
        let lastLine = text.split(separator: "\n").last.map(String.init)
        #expect(lastLine?.hasPrefix("error: ") == true)
        #expect(text.hasSuffix("\n"))
        #expect(StatusLine.oneLine("Error: bad\nvalue") == "bad; value")
    }

    /// An error quoting a 70 000-character name (an HDF5 link of a hostile file) prints as one line of
    /// about a thousand characters that keeps the start and the end and says how much was left out;
    /// a message at the limit prints whole.
    @Test func longErrorsKeepTheirStartAndEnd() {
        let name = String(repeating: "L", count: 70_000)
        let message = "data.h5: HDF5 error in listing attributes of 'wide/\(name)': bad heap"
        struct Failure: Error, CustomStringConvertible { let description: String }
        let text = capturing { StatusLine.printError(Failure(description: message)) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty)
        let line = String(lines[0])
        #expect(line.hasPrefix("error: data.h5: HDF5 error in listing attributes of 'wide/LLL"))
        #expect(line.hasSuffix("LLL': bad heap"))
        #expect(line.contains("[\(message.count - 900) characters left out]"))
        #expect(line.count < StatusLine.errorLengthLimit + 60)
        let atLimit = String(repeating: "x", count: StatusLine.errorLengthLimit)
        #expect(StatusLine.shortened(atLimit) == atLimit)
        #expect(StatusLine.shortened(atLimit + "y").count < atLimit.count)
    }
}

/// `DiskSpace` against `statvfs` as reported by `FileManager` (an independent reading of the same file system).
@Suite struct DiskSpaceTests {
    @Test func availableBytesMatchFileManagerAndRefuseMoreThanThat() throws {
        let directory = FileManager.default.temporaryDirectory.path
        let available = try #require(DiskSpace.availableBytes(in: directory))
        let attributes = try FileManager.default.attributesOfFileSystem(forPath: directory)
        let free = try #require((attributes[.systemFreeSize] as? NSNumber)?.int64Value)
        // f_bavail ≤ f_bfree (blocks reserved for root); both are positive on a working temporary directory.
        #expect(available > 0 && Int64(available) <= free, "statvfs \(available) vs FileManager \(free)")
        #expect(throws: DiskSpaceError.self) { try DiskSpace.require(bytes: .max, in: directory, what: "a test file") }
        try DiskSpace.require(bytes: 1, in: directory, what: "a test file")
        #expect(DiskSpace.availableBytes(in: "/no/such/directory-\(UUID().uuidString)") == nil)
    }
}
