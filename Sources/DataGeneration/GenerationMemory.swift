import RunSupport

/// The memory a generation run needs, estimated before anything is allocated so that a request such
/// as `--resolution 3037000500` or `--samples 1000000000000` is one error line instead of an abort.
///
/// Every product is overflow-checked (``MemoryBudget/product(_:what:)``); the estimates are upper
/// bounds of the arrays that grow with the flags, not of the whole process.
extension GenerationConfiguration {
    /// Points of one sample's solution: `s²` for the 2-D families, `s` for Burgers, `s^d` for a
    /// d-dimensional problem file.
    public func pointsPerSample() throws(MemoryBudgetError) -> Int {
        try MemoryBudget.product([Int](repeating: resolution, count: family == .burgers ? 1 : problem?.dimension ?? 2), what: "a sample of resolution \(resolution)")
    }

    /// Values of one sample's input: the points times the number of random coefficients.
    public func inputValuesPerSample() throws(MemoryBudgetError) -> Int {
        try MemoryBudget.product([pointsPerSample(), problem?.inputs.count ?? 1], what: "a sample of resolution \(resolution)")
    }

    /// Values of one sample's input and solution together.
    func valuesPerSample() throws(MemoryBudgetError) -> Int {
        let (input, output) = (try inputValuesPerSample(), try pointsPerSample())
        let (total, overflow) = input.addingReportingOverflow(output)
        guard !overflow else { throw .overflow(what: "a sample of resolution \(resolution)", factors: [input, output]) }
        return total
    }

    /// Bytes of a run:
    /// ```
    /// N·16²·8                      (sorting features of all N inputs)
    /// + shard·p·8·4                (one shard of inputs and solutions, in float64 and the stored precision)
    /// + p·8·(m + k + 64)           (Krylov basis of GCRO-DR(m, k), recycled space, matrix, factor, preconditioner)
    /// ```
    /// with `p` the points of one sample.
    public func estimatedBytes() throws(MemoryBudgetError) -> Int {
        let what = "generating \(sampleCount) samples at resolution \(resolution)"
        let points = try pointsPerSample()
        let features = try MemoryBudget.product([sampleCount, 16 * 16, problem?.inputs.count ?? 1, problem?.dimension == 3 ? 2 : 1, 8], what: what)
        let shard = try MemoryBudget.product([min(shardSize, sampleCount), valuesPerSample(), 8, 2], what: what)
        let (vectors, overflow) = restart.addingReportingOverflow(recycledCount + 64)
        guard !overflow else { throw .overflow(what: what, factors: [restart, recycledCount]) }
        let solver = try MemoryBudget.product([points, 8, vectors], what: what)
        let (partial, o1) = features.addingReportingOverflow(shard)
        let (total, o2) = partial.addingReportingOverflow(solver)
        guard !o1, !o2 else { throw .overflow(what: what, factors: [features, shard, solver]) }
        return total
    }

    /// ``validate()`` and the check of ``estimatedBytes()`` against `budget`.
    public func validate(budget: MemoryBudget) throws {
        try validate()
        try budget.require(bytes: estimatedBytes(), what: "generating \(sampleCount) samples at resolution \(resolution)")
    }

    /// Bytes one sample takes in the file: its input and its solution (`p` values each, in the stored
    /// precision) and its 8-byte `sample_index` (compression off).
    public func storedBytesPerSample() throws(MemoryBudgetError) -> Int {
        let what = "a sample of resolution \(resolution)"
        let values = try MemoryBudget.product([valuesPerSample(), precision == .float32 ? 4 : 8], what: what)
        let (total, overflow) = values.addingReportingOverflow(8)
        guard !overflow else { throw .overflow(what: what, factors: [values, 8]) }
        return total
    }
}

extension NavierStokesGenerationConfiguration {
    /// Bytes of a run:
    /// ```
    /// shard·n²·(T/interval + 1)·8·2   (one shard of trajectories, float64 and the stored precision)
    /// + cores·n²·16·24                (one pseudo-spectral solver per core: complex work arrays)
    /// ```
    public func estimatedBytes(cores: Int = 64) throws(MemoryBudgetError) -> Int {
        let what = "generating \(sampleCount) Navier–Stokes trajectories at resolution \(resolution)"
        let cells = try MemoryBudget.product([resolution, resolution], what: what)
        let (snapshotsPlusOne, overflow) = snapshotCount.addingReportingOverflow(1)
        guard !overflow else { throw .overflow(what: what, factors: [snapshotCount, 1]) }
        let shard = try MemoryBudget.product([min(shardSize, sampleCount), cells, snapshotsPlusOne, 16], what: what)
        let solvers = try MemoryBudget.product([cores, cells, 16, 24], what: what)
        let (total, o) = shard.addingReportingOverflow(solvers)
        guard !o else { throw .overflow(what: what, factors: [shard, solvers]) }
        return total
    }

    /// Bytes one trajectory takes in the file: `n²` values of ω₀ and `n²·T/interval` of the
    /// snapshots in the stored precision, and its 8-byte `sample_index` (compression off).
    public func storedBytesPerSample() throws(MemoryBudgetError) -> Int {
        let what = "a Navier–Stokes trajectory at resolution \(resolution)"
        let (snapshotsPlusOne, overflow) = snapshotCount.addingReportingOverflow(1)
        guard !overflow else { throw .overflow(what: what, factors: [snapshotCount, 1]) }
        let values = try MemoryBudget.product([resolution, resolution, snapshotsPlusOne, precision == .float32 ? 4 : 8], what: what)
        let (total, o) = values.addingReportingOverflow(8)
        guard !o else { throw .overflow(what: what, factors: [values, 8]) }
        return total
    }

    /// ``validate()`` and the check of ``estimatedBytes(cores:)`` against `budget`.
    public func validate(budget: MemoryBudget) throws {
        try validate()
        try budget.require(bytes: estimatedBytes(), what: "generating \(sampleCount) Navier–Stokes trajectories at resolution \(resolution)")
    }
}
