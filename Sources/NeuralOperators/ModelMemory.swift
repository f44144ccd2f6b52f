import RunSupport

/// Memory estimates of the three operator models, checked before any weight is allocated: a
/// configuration from a flag or a checkpoint (`width 1e7`, `modes 1e6`, a million layers) is one
/// error instead of an abort in the allocator.
///
/// Training needs four copies of every parameter (weights, gradients, Adam's two moments) and the
/// activations a backward pass keeps; each estimate below is an upper bound of those arrays in
/// `Float` (4 bytes), computed with overflow-checked arithmetic.
enum ModelMemory {
    /// Bytes per scalar and copies of each parameter during training (weight, gradient, Adam m and v).
    static let bytesPerScalar = 4, parameterCopies = 4

    /// `Σ terms`, each term a product of factors, refusing overflow.
    static func sum(_ terms: [[Int]], what: String) throws(MemoryBudgetError) -> Int {
        var total = 0
        for factors in terms {
            let (next, overflow) = total.addingReportingOverflow(try MemoryBudget.product(factors, what: what))
            guard !overflow else { throw .overflow(what: what, factors: factors) }
            total = next
        }
        return total
    }

    /// Bytes of `parameters` scalars during training plus `activations` scalars.
    static func trainingBytes(parameters: Int, activations: Int, what: String) throws(MemoryBudgetError) -> Int {
        try sum([[parameters, parameterCopies, bytesPerScalar], [activations, bytesPerScalar]], what: what)
    }
}

extension FNOConfiguration {
    /// Trainable scalars, overflow-checked: per block `width²·∏modes·2^(d−1)·2` spectral weights (complex,
    /// all sign combinations of the leading axes), a `width²` skip and the channel MLP, plus lifting and projection.
    public func checkedParameterCount() throws(MemoryBudgetError) -> Int {
        let what = "FNO of width \(width), modes \(modes), \(layerCount) layers"
        let d = modes.count
        let corners = 1 << max(d - 1, 0)
        guard let scaled = Int(exactly: (Double(width) * channelMLPExpansion).rounded()) else {
            throw .invalidSize(what: what, detail: "channel MLP width \(Double(width) * channelMLPExpansion) out of range")
        }
        let hidden = useChannelMLP ? max(1, scaled) : 0
        let lifted = inputChannels + (appendGrid ? d : 0)
        // Weights and biases (a bias is counted for every layer that may have one: an upper bound).
        let liftingTerms: [[Int]] = liftingChannels > 0
            ? [[lifted, liftingChannels], [liftingChannels], [liftingChannels, width], [width]] : [[lifted, width], [width]]
        let projectionTerms: [[Int]] = projectionChannels > 0
            ? [[width, projectionChannels], [projectionChannels], [projectionChannels, outputChannels], [outputChannels]]
            : [[width, outputChannels], [outputChannels]]
        // Spectral weights and bias, skip weights and bias, channel MLP, soft gate.
        let block: [[Int]] = [[width, width, corners, 2] + modes, [width], [width, width], [width],
                              [hidden, width, 2], [hidden], [width], [useChannelMLP ? width : 0]]
        let blocks = try ModelMemory.sum(block, what: what)
        return try ModelMemory.sum([[layerCount, blocks]] + liftingTerms + projectionTerms, what: what)
    }

    /// Bytes to train on `batch` fields of `grid` points (default: the smallest grid that holds the modes):
    /// the parameters four times, and `(8·layers + 4)` activations of the widest layer per point.
    public func estimatedTrainingBytes(grid: [Int]? = nil, batch: Int = 1) throws(MemoryBudgetError) -> Int {
        let what = "FNO of width \(width), modes \(modes), \(layerCount) layers"
        var smallestGrid: [Int] = []
        for mode in modes { smallestGrid.append(try MemoryBudget.product([2, mode], what: what)) }
        let points = try MemoryBudget.product([batch] + (grid ?? smallestGrid), what: what)
        let widest = Swift.max(width, liftingChannels, projectionChannels, inputChannels, outputChannels)
        let activations = try MemoryBudget.product([points, widest, ModelMemory.sum([[8, layerCount], [4]], what: what)], what: what)
        return try ModelMemory.trainingBytes(parameters: checkedParameterCount(), activations: activations, what: what)
    }

    /// ``validate()`` and the check of ``estimatedTrainingBytes(grid:batch:)`` against `budget`.
    public func validate(budget: MemoryBudget, grid: [Int]? = nil, batch: Int = 1) throws(FNOError) {
        try validate()
        do throws(MemoryBudgetError) {
            try budget.require(bytes: estimatedTrainingBytes(grid: grid, batch: batch), what: "training this FNO")
        } catch { throw .invalidConfiguration(error.description) }
    }
}

extension MgNOConfiguration {
    /// ``parameterCount`` with overflow-checked arithmetic (the one home of the count; see
    /// ``multigridParameterCount(inputChannels:outputChannels:)`` for the terms of one cycle).
    public func checkedParameterCount() throws(MemoryBudgetError) -> Int {
        let what = "MgNO of \(channels) channels, \(layers) layers, \(levels) levels"
        let k3 = try MemoryBudget.product([Int](repeating: 3, count: spatialDimensions), what: what)
        let k4 = try MemoryBudget.product([Int](repeating: 4, count: spatialDimensions), what: what)
        let smoothing = try ModelMemory.sum(smoothingSteps.map { [$0] }, what: what)
        let transfers = Swift.max(levels - 1, 0)
        var terms: [[Int]] = []
        switch cycle {
        case .residualRestriction:
            let blocks = layers == 1 ? [(inputChannels, outputChannels, 1)]
                : [(inputChannels, channels, 1), (channels, channels, Swift.max(layers - 2, 0)), (channels, outputChannels, 1)]
            for (cin, cout, count) in blocks {
                terms += [[count, levels, cout, cin, k3], [count, smoothing, cin, cout, k3], [count, transfers, cin, cin, k3],
                          [count, transfers, cout, cout, k3], [count, transfers, cout, cout, k4], [count, cin, cout], [count, cout]]
            }
        case .paper:
            let steps = try ModelMemory.sum([[smoothing]] + postSmoothingSteps.map { [$0] }, what: what)
            var prolongationVolumes: [Int] = [], normalizationSizes: [Int] = []
            for transfer in 0..<transfers {
                let k = prolongationKernelSize(transfer: transfer)
                prolongationVolumes.append(try MemoryBudget.product([Int](repeating: k, count: spatialDimensions), what: what))
                if let grid = layerNormalizationGrid {
                    normalizationSizes.append(try MemoryBudget.product(grid.map { $0 / (1 << transfer) + ($0 % (1 << transfer) == 0 ? 0 : 1) },
                                                                       what: what))
                }
            }
            if head == .projection { terms.append([channels, outputChannels]) }
            for (cin, count) in [(inputChannels, 1), (channels, layers - 1)] {
                let cout = channels
                terms += [[count, steps, cin, cout, k3], [count, steps - 1, cout, cin, k3],
                          [count, transfers, cin, cin, k3], [count, transfers, cout, cout, k3]]
                if convolutionBias { terms += [[count, steps, cout], [count, steps - 1, cin]] }
                terms += prolongationVolumes.map { [count, cout, cout, $0] }
                terms += normalizationSizes.map { [count, 2, cout, $0] }
                if pointwiseSkip { terms += [[count, cin, cout], [count, cout]] }
            }
        case .helmholtz:
            if head == .projection { terms.append([channels, outputChannels]) }
            var cycles = [(inputChannels, channels, 1, true), (channels, channels, layers - 1, true)]
            if head == .multigrid { cycles.append((channels, outputChannels, 1, false)) }
            for (cin, cout, count, isBlock) in cycles {
                for level in 0..<levels {           // level ℓ: (ℓ+1)-fold channels, A and S with biases per step
                    let m = level + 1
                    terms += [[count, smoothingSteps[level], 2, m, cin, m, cout, k3], [count, smoothingSteps[level], m, cin + cout]]
                    if level > 0 { terms += [[count, m - 1, m, cin, cin, k3], [count, m - 1, m, cout, cout, k3]] }
                }
                for transfer in 0..<transfers {
                    let volume = try MemoryBudget.product([Int](repeating: prolongationKernelSize(transfer: transfer), count: spatialDimensions),
                                                          what: what)
                    terms.append([count, transfer + 2, cout, transfer + 1, cout, volume])
                }
                if pointwiseSkip && isBlock { terms += [[count, cin, cout], [count, cout]] }
            }
        }
        if let grid = blockNormalizationGrid { terms.append([layers, 2, channels] + grid) }
        return try ModelMemory.sum(terms, what: what)
    }

    /// Bytes to train on `batch` fields of `grid` points (default: `gridDivisor` per axis): the
    /// parameters four times, and `2·(levels + smoothing steps)` activations of `channels` per point and block.
    public func estimatedTrainingBytes(grid: [Int]? = nil, batch: Int = 1) throws(MemoryBudgetError) -> Int {
        let what = "MgNO of \(channels) channels, \(layers) layers, \(levels) levels"
        let points = try MemoryBudget.product([batch] + (grid ?? [Int](repeating: gridDivisor, count: spatialDimensions)), what: what)
        let perPoint = try ModelMemory.sum([[2, levels]] + (smoothingSteps + postSmoothingSteps).map { [2, $0] }, what: what)
        let widest = Swift.max(channels, inputChannels, outputChannels)
        let activations = try MemoryBudget.product([points, widest, layers, perPoint], what: what)
        return try ModelMemory.trainingBytes(parameters: checkedParameterCount(), activations: activations, what: what)
    }

    /// ``validate()`` and the check of ``estimatedTrainingBytes(grid:batch:)`` against `budget`.
    public func validate(budget: MemoryBudget, grid: [Int]? = nil, batch: Int = 1) throws(MgNOError) {
        try validate()
        do throws(MemoryBudgetError) {
            try budget.require(bytes: estimatedTrainingBytes(grid: grid, batch: batch), what: "training this MgNO")
        } catch { throw .invalidConfiguration(error.description) }
    }
}

extension DeepONetConfiguration {
    /// Trainable scalars of the branch and (network) trunk MLPs: `Σ wᵢ·wᵢ₊₁ + wᵢ₊₁`, plus the output biases.
    public func checkedParameterCount() throws(MemoryBudgetError) -> Int {
        let what = "DeepONet with branch \(branchWidths), trunk \(trunkWidths)"
        var terms: [[Int]] = [[outputCount]]
        for widths in trunkKind == .network ? [branchWidths, trunkWidths] : [branchWidths] {
            for (a, b) in zip(widths, widths.dropFirst()) { terms += [[a, b], [b]] }
        }
        return try ModelMemory.sum(terms, what: what)
    }

    /// Bytes to train on `batch` rows: the parameters four times and two activations per unit and row.
    public func estimatedTrainingBytes(batch: Int = 1) throws(MemoryBudgetError) -> Int {
        let what = "DeepONet with branch \(branchWidths), trunk \(trunkWidths)"
        let units = try ModelMemory.sum((branchWidths + trunkWidths).map { [$0] }, what: what)
        let activations = try MemoryBudget.product([batch, units, 2], what: what)
        return try ModelMemory.trainingBytes(parameters: checkedParameterCount(), activations: activations, what: what)
    }

    /// ``validate()`` and the check of ``estimatedTrainingBytes(batch:)`` against `budget`.
    public func validate(budget: MemoryBudget, batch: Int = 1) throws {
        try validate()
        do throws(MemoryBudgetError) {
            try budget.require(bytes: estimatedTrainingBytes(batch: batch), what: "training this DeepONet")
        } catch { throw DeepONetError.invalidConfiguration(error.description) }
    }
}
