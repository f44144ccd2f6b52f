import Foundation
import Testing
import DataGeneration

/// The phases of a multi-rank generate, from known timestamps (the collective path runs under mpirun in
/// scripts/mpi-tests.sh and bench scaling).
@Suite struct GenerationTimelineTests {
    @Test func phasesAreTheDifferencesOfTheTimestamps() throws {
        // Rank 0 started at 100.0, rank 1 at 100.1; rank 1 solved last (at 104.0).
        let timeline = GenerationTimeline(ranks: 2, process_start: [100.0, 100.1], entered: [100.5, 100.4], ordered: [100.7, 100.7],
                                          solved: [103.5, 104.0], all_solved: [104.0, 104.0], done: [104.25, 104.25],
                                          solve_cpu_seconds: [2.75, 3.25])
        #expect(abs(timeline.startup_seconds - 0.5) < 1e-12)      // the slower start-up, rank 0's
        #expect(abs(timeline.ordering_seconds - 0.3) < 1e-12)     // rank 1 entered earlier and waited for the order
        #expect(zip(timeline.solve_seconds, [2.8, 3.3]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(abs(timeline.wait_seconds - 0.5) < 1e-12)         // rank 0 waited for rank 1
        #expect(abs(timeline.merge_seconds - 0.25) < 1e-12)
        #expect(abs(timeline.total_seconds - 4.25) < 1e-12)
        // One JSON object with the timestamps and the phases; it reads back to the same timeline.
        let data = try JSONEncoder().encode(timeline)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["measure"] as? String == "generation-timeline")
        #expect(abs((object["merge_seconds"] as? Double ?? .nan) - 0.25) < 1e-12)
        #expect(object["solve_cpu_seconds"] as? [Double] == [2.75, 3.25])
        #expect(try JSONDecoder().decode(GenerationTimeline.self, from: data) == timeline)
    }

    @Test func processStartIsBeforeNowAndAfterBoot() throws {
        let now = GenerationTimeline.now()
        let start = GenerationTimeline.processStart(fallback: .nan)
        #expect(start.isFinite, "no start time from /proc")
        #expect(start <= now + 0.02 && start > now - 86_400 * 30)   // within the clock tick, and not before a month ago
    }
}
