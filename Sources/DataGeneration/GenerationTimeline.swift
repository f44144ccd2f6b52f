import Distributed
import Foundation

/// Where the wall time of a multi-rank `generate` goes, from timestamps every rank takes (Unix seconds,
/// `CLOCK_REALTIME`, the same clock on every rank of one machine) and rank 0 gathers:
///
///     process start ─ start-up ─▶ entered ─ ordering ─▶ ordered ─ solve ─▶ solved ─ wait ─▶ all solved ─ merge ─▶ done
///
/// - start-up: `mpirun` starting the process, loading, `MPI_Init`, parsing and building the generator
///   (process start from `/proc/self/stat`, 10 ms resolution);
/// - ordering: rank 0 draws the inputs' features and sorts them; the order is broadcast;
/// - solve: this rank's part of the sorted sequence (draws, solves, appends to its part file);
/// - wait: until the slowest rank has solved its part;
/// - merge: rank 0 joins the parts into the output (the others wait in the final barrier).
///
/// `pdekit generate` under several ranks prints it as one JSON line (rank 0), so `bench scaling` and a
/// user can see which phase a short run spends its time in.
public struct GenerationTimeline: Codable, Sendable, Equatable {
    public var measure = "generation-timeline"
    public var ranks: Int
    /// Per rank, Unix seconds: process start, entered the run, order known, own part solved, every part
    /// solved, output merged.
    public var process_start: [Double], entered: [Double], ordered: [Double], solved: [Double], all_solved: [Double], done: [Double]
    /// Per rank, the process's CPU seconds in its solve phase: against `solve_seconds`, whether a rank
    /// that solved longer had more work (more CPU) or less of a core (the same CPU, more wall time).
    public var solve_cpu_seconds: [Double]

    /// The phases in seconds (slowest rank where the ranks differ).
    public var startup_seconds: Double { zip(entered, process_start).map { $0 - $1 }.max() ?? 0 }
    public var ordering_seconds: Double { zip(ordered, entered).map { $0 - $1 }.max() ?? 0 }
    public var solve_seconds: [Double] { zip(solved, ordered).map { $0 - $1 } }
    public var wait_seconds: Double { zip(all_solved, solved).map { $0 - $1 }.max() ?? 0 }
    public var merge_seconds: Double { zip(done, all_solved).map { $0 - $1 }.max() ?? 0 }
    /// First process start to the last rank done.
    public var total_seconds: Double { (done.max() ?? 0) - (process_start.min() ?? 0) }

    enum CodingKeys: String, CodingKey {
        case measure, ranks, process_start, entered, ordered, solved, all_solved, done, solve_cpu_seconds
        case startup_seconds, ordering_seconds, solve_seconds, wait_seconds, merge_seconds, total_seconds
    }

    public init(ranks: Int, process_start: [Double], entered: [Double], ordered: [Double], solved: [Double], all_solved: [Double], done: [Double],
                solve_cpu_seconds: [Double] = []) {
        self.ranks = ranks
        self.process_start = process_start
        self.entered = entered
        self.ordered = ordered
        self.solved = solved
        self.all_solved = all_solved
        self.done = done
        self.solve_cpu_seconds = solve_cpu_seconds
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(ranks: try c.decode(Int.self, forKey: .ranks), process_start: try c.decode([Double].self, forKey: .process_start),
                  entered: try c.decode([Double].self, forKey: .entered), ordered: try c.decode([Double].self, forKey: .ordered),
                  solved: try c.decode([Double].self, forKey: .solved), all_solved: try c.decode([Double].self, forKey: .all_solved),
                  done: try c.decode([Double].self, forKey: .done),
                  solve_cpu_seconds: try c.decodeIfPresent([Double].self, forKey: .solve_cpu_seconds) ?? [])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(measure, forKey: .measure)
        try c.encode(ranks, forKey: .ranks)
        for (key, values) in [(CodingKeys.process_start, process_start), (.entered, entered), (.ordered, ordered), (.solved, solved),
                              (.all_solved, all_solved), (.done, done), (.solve_cpu_seconds, solve_cpu_seconds)] {
            try c.encode(values, forKey: key)
        }
        for (key, value) in [(CodingKeys.startup_seconds, startup_seconds), (.ordering_seconds, ordering_seconds), (.wait_seconds, wait_seconds),
                             (.merge_seconds, merge_seconds), (.total_seconds, total_seconds)] {
            try c.encode(value, forKey: key)
        }
        try c.encode(solve_seconds, forKey: .solve_seconds)
    }

    /// Gathers every rank's six timestamps and its solve CPU seconds on rank 0 (nil on the others).
    static func gathered(_ local: [Double], communicator: Communicator) throws -> GenerationTimeline? {
        guard let all = try communicator.gather(local) else { return nil }
        func column(_ k: Int) -> [Double] { all.map { $0[k] } }
        return GenerationTimeline(ranks: all.count, process_start: column(0), entered: column(1), ordered: column(2), solved: column(3),
                                  all_solved: column(4), done: column(5), solve_cpu_seconds: column(6))
    }

    /// Now, in Unix seconds.
    public static func now() -> Double { Date().timeIntervalSince1970 }

    /// When this process started, in Unix seconds: `/proc/self/stat`'s start time (clock ticks after boot)
    /// against `/proc/uptime` (seconds since boot, read with the current time), both to 10 ms;
    /// `fallback` where /proc does not tell. (`/proc/stat`'s boot time is whole seconds, which put every
    /// start-up figure up to a second off.)
    public static func processStart(fallback: Double) -> Double {
        let current = now()
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let closing = stat.range(of: ")", options: .backwards),
              let uptime = (try? String(contentsOfFile: "/proc/uptime", encoding: .utf8))?.split(separator: " ").first.flatMap({ Double($0) })
        else { return fallback }
        // Fields after the command name start at field 3 (state); the start time is field 22.
        let fields = stat[closing.upperBound...].split(separator: " ")
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard fields.count > 19, let ticks = Double(fields[19]), ticksPerSecond > 0 else { return fallback }
        return current - (uptime - ticks / ticksPerSecond)
    }
}
