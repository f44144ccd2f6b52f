import Foundation
import TensorCore

/// Reads an epoch's chunks of rows from a ``FieldPairStream`` (or any reader of rows: a
/// ``TrajectoryStream``'s trajectories) one chunk ahead on a background thread, so the next chunk comes
/// from disk while the current one trains.
///
/// An epoch plan is a list of chunks (lists of stream rows, in training order). At most two chunks are
/// held: the one batches are taken from and the next, being read. ``rows(_:)`` waits for the chunk
/// holding the requested rows (a row in several chunks: its first one not before the last batch's) and
/// evicts the chunks before it; rows outside the plan (or without one)
/// are read directly. A read error is kept and thrown by ``rows(_:)`` on the training thread as the
/// `DatasetError` it was. `transform` runs on the prefetch thread on each loaded chunk (e.g. encoding
/// the inputs with a normalizer).
public final class ChunkPrefetcher: @unchecked Sendable {
    public typealias Chunk = (inputs: Tensor<Float>, targets: Tensor<Float>)
    /// The file read (named in errors).
    public let path: String
    /// Reads rows (in the order given) from disk; the prefetch thread and direct reads call it.
    let read: @Sendable ([Int]) throws -> Chunk
    let transform: @Sendable (Chunk) -> Chunk
    let condition = NSCondition()
    // Guarded by `condition`:
    var plan: [[Int]] = []
    /// Stream row → every (chunk, position in the chunk) holding it in the current plan, by chunk (a row
    /// may be in several chunks: a trajectory whose windows are spread over an epoch).
    var location: [Int: [(chunk: Int, position: Int)]] = [:]
    /// The first chunk of the last batch served: a row is taken from its first chunk at or after it, so
    /// the reads never run ahead of the batches.
    var current = 0
    var loaded: [Int: Result<Chunk, Error>] = [:]
    /// Chunks of the current plan the thread has finished (read, or failed).
    var readCount = 0
    /// The highest chunk a batch asked for; the thread reads up to one past it.
    var requested = -1
    var generation = 0

    public convenience init(stream: any PairRowSource, transform: @escaping @Sendable (Chunk) -> Chunk = { $0 }) {
        self.init(path: stream.path, read: { try stream.read($0) }, transform: transform)
    }

    /// Chunks of the rows `read` returns (each `[n, …]` along axis 0 for n rows asked, inputs and
    /// targets), transformed by `transform` on the prefetch thread.
    public init(path: String, read: @escaping @Sendable ([Int]) throws -> Chunk, transform: @escaping @Sendable (Chunk) -> Chunk = { $0 }) {
        self.path = path
        self.read = read
        self.transform = transform
    }

    deinit { cancel() }

    /// Starts reading the chunks of `plan` in order (the previous plan's thread stops after its
    /// current read).
    public func start(plan newPlan: [[Int]]) {
        condition.lock()
        generation += 1
        let myGeneration = generation
        plan = newPlan
        location = [:]
        current = 0
        for (k, chunk) in newPlan.enumerated() { for (p, row) in chunk.enumerated() { location[row, default: []].append((k, p)) } }
        loaded = [:]
        readCount = 0
        requested = -1
        condition.broadcast()
        condition.unlock()
        let thread = Thread { [weak self] in self?.readAhead(generation: myGeneration, plan: newPlan) }
        thread.name = "pdekit.prefetch"
        thread.start()
    }

    /// Stops the prefetch thread after its current read.
    public func cancel() {
        condition.lock()
        generation += 1
        loaded = [:]
        condition.broadcast()
        condition.unlock()
    }

    func readAhead(generation myGeneration: Int, plan chunks: [[Int]]) {
        for k in chunks.indices {
            condition.lock()
            while generation == myGeneration && k > requested + 1 { condition.wait() }
            let current = generation == myGeneration
            condition.unlock()
            guard current else { return }
            let result = Result { () throws -> Chunk in transform(try read(chunks[k])) }
            condition.lock()
            guard generation == myGeneration else { condition.unlock(); return }
            loaded[k] = result
            readCount = k + 1
            condition.broadcast()
            condition.unlock()
            if case .failure = result { return }
        }
    }

    /// Inputs and targets of stream rows `indices`, in that order (transformed).
    /// - Throws: the `DatasetError` of a failed read.
    public func rows(_ indices: [Int]) throws -> Chunk {
        condition.lock()
        let places = indices.map { row in location[row].map { entries in entries.first { $0.chunk >= current } ?? entries[entries.count - 1] } }
        guard !indices.isEmpty, places.allSatisfy({ $0 != nil }) else {
            condition.unlock()
            return transform(try read(indices))
        }
        let chunks = Set(places.map { $0!.chunk })
        let first = chunks.min()!, last = chunks.max()!
        requested = max(requested, last)
        condition.broadcast()
        // Wait for chunks still to come; a chunk already evicted (asked again) is read directly.
        while !chunks.allSatisfy({ loaded[$0] != nil }) {
            let failed = loaded.values.contains { if case .failure = $0 { true } else { false } }
            if failed || chunks.contains(where: { loaded[$0] == nil && $0 < readCount }) { break }
            condition.wait()
        }
        let failure = loaded.values.lazy.compactMap { result -> Error? in if case .failure(let error) = result { error } else { nil } }.first
        guard failure != nil || chunks.allSatisfy({ loaded[$0] != nil }) else {
            condition.unlock()
            return transform(try read(indices))
        }
        if let failure { condition.unlock(); throw failure }
        for k in Array(loaded.keys) where k < first { loaded[k] = nil }
        current = max(current, first)
        let held = chunks.sorted().map { ($0, loaded[$0]) }
        condition.unlock()
        var parts: [Int: Chunk] = [:]
        for (k, result) in held {
            guard let result else { throw DatasetError.invalidSplit(path: path, detail: "chunk \(k) was not read") }
            parts[k] = try result.get()
        }
        if chunks.count == 1, let chunk = parts[first] {
            let positions = places.map { $0!.position }
            // A batch that is its chunk in the chunk's order (chunks of one batch) is handed out without a copy.
            if positions.count == chunk.inputs.shape.first, positions.elementsEqual(positions.indices) { return chunk }
            return (FieldPairs.rows(chunk.inputs, positions), FieldPairs.rows(chunk.targets, positions))
        }
        // A batch across two chunks: gather row by row.
        let inputs = try Tensor.concatenated(places.map { FieldPairs.rows(parts[$0!.chunk]!.inputs, [$0!.position]) }, alongAxis: 0)
        let targets = try Tensor.concatenated(places.map { FieldPairs.rows(parts[$0!.chunk]!.targets, [$0!.position]) }, alongAxis: 0)
        return (inputs, targets)
    }
}

extension ChunkPrefetcher {
    /// The streamed training order of an epoch, shuffled within chunks: rows `0..<count` are cut into
    /// chunks of `chunkRows` consecutive rows (the last may be shorter); with one generator seeded by
    /// `(seed, epoch)` as the in-memory shuffle is, the full chunks are put in a Fisher–Yates order, the
    /// short one stays last (so that batches of a size dividing `chunkRows` never straddle two chunks),
    /// then each chunk's rows are shuffled, chunk by chunk in that order. The same arguments give the
    /// same plan on every run and every rank.
    public static func chunkedOrder(count: Int, chunkRows: Int, seed: UInt64, epoch: Int) -> [[Int]] {
        guard count > 0 else { return [] }
        let size = max(chunkRows, 1)
        var generator = SeededRandomNumberGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: epoch) &+ 1)
        func shuffle(_ values: inout [Int]) {
            guard values.count > 1 else { return }
            for i in stride(from: values.count - 1, to: 0, by: -1) { values.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
        }
        let full = count / size
        var chunkOrder = Array(0..<full)
        shuffle(&chunkOrder)
        if count % size != 0 { chunkOrder.append(full) }
        return chunkOrder.map { k in
            var rows = Array((k * size)..<min(count, (k + 1) * size))
            shuffle(&rows)
            return rows
        }
    }
}
