import TensorCore

/// The official MgNO runs by name (`pdekit train mgno --preset`), and how a data set and the
/// command line's overrides turn one into a configuration.
public enum MgNOPreset: String, Codable, Sendable, CaseIterable {
    case darcy
    case darcySmooth = "darcy-smooth"
    case navierStokes = "navier-stokes"
    case helmholtz

    /// ``MgNOConfiguration/darcy``, ``MgNOConfiguration/darcySmooth``, ``MgNOConfiguration/navierStokes``
    /// or ``MgNOConfiguration/helmholtz``.
    public var configuration: MgNOConfiguration {
        switch self {
        case .darcy: return .darcy
        case .darcySmooth: return .darcySmooth
        case .navierStokes: return .navierStokes
        case .helmholtz: return .helmholtz
        }
    }
}

/// Changes to a preset (nil: the preset's value), resolved against a data set's grid and channels.
public struct MgNOOverrides: Sendable, Equatable {
    public var channels: Int?
    public var layers: Int?
    public var levels: Int?
    public var smoothingSteps: [Int]?
    public var postSmoothingSteps: [Int]?
    public var paddingMode: PaddingMode?
    public var gridPolicy: MgNOGridPolicy?
    public var cycle: MgNOCycle?

    public init(channels: Int? = nil, layers: Int? = nil, levels: Int? = nil, smoothingSteps: [Int]? = nil,
                postSmoothingSteps: [Int]? = nil, paddingMode: PaddingMode? = nil, gridPolicy: MgNOGridPolicy? = nil,
                cycle: MgNOCycle? = nil) {
        self.channels = channels
        self.layers = layers
        self.levels = levels
        self.smoothingSteps = smoothingSteps
        self.postSmoothingSteps = postSmoothingSteps
        self.paddingMode = paddingMode
        self.gridPolicy = gridPolicy
        self.cycle = cycle
    }

    /// A comma-separated list of integers (`"1,1,2"`), for the step schedules.
    public static func integers(_ text: String, option: String) throws(MgNOError) -> [Int] {
        var values: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let value = Int(part.trimmingCharacters(in: .whitespaces)) else {
                throw .invalidConfiguration("\(option) '\(text)' is not a comma-separated list of integers")
            }
            values.append(value)
        }
        return values
    }

    /// The most levels `L` with `2^L ≤ n` on every axis, so the coarsest grid `⌈n / 2^(L−1)⌉` has at
    /// least two points.
    public static func maximumLevels(grid: [Int]) -> Int {
        var levels = 1
        while levels < 16, grid.allSatisfy({ $0 >= 1 << (levels + 1) }) { levels += 1 }
        return levels
    }

    /// The preset with these overrides for data of `grid` points and the given channels, validated
    /// (also against the grid). Without `levels`, a preset without per-level prolongation kernels gets
    /// fewer levels on a grid too small for them (`note` says so); the layer-norm grids follow the data.
    public func configuration(preset: MgNOPreset, grid: [Int], inputChannels: Int, outputChannels: Int)
    throws(MgNOError) -> (configuration: MgNOConfiguration, note: String?) {
        var c = preset.configuration
        if let cycle {
            guard cycle != .residualRestriction || preset == .darcy else {
                throw .invalidConfiguration("cycle residualRestriction goes with the darcy preset only")
            }
            guard (cycle == .helmholtz) == (preset == .helmholtz) else {
                throw .invalidConfiguration("cycle \(cycle.rawValue) does not go with the \(preset.rawValue) preset")
            }
            c.cycle = cycle
        }
        c.spatialDimensions = grid.count
        c.inputChannels = inputChannels
        c.outputChannels = outputChannels
        if let channels { c.channels = channels }
        if let layers { c.layers = layers }
        let presetLevels = c.levels
        let levelCount = levels ?? (c.prolongationKernelSizes == nil ? Swift.min(c.levels, Self.maximumLevels(grid: grid)) : c.levels)
        // Checked before the per-level lists below are built from it (2^30 points per axis is beyond
        // any grid; `validate(grid:)` then checks the count against the actual grid).
        guard (1...30).contains(levelCount) else {
            throw .invalidConfiguration("levels must be in 1…30 (got \(levelCount))")
        }
        let note = levels == nil && levelCount < presetLevels
            ? "grid \(grid) allows \(levelCount) multigrid levels (preset \(presetLevels))" : nil
        c.levels = levelCount
        if let smoothingSteps {
            c.smoothingSteps = smoothingSteps
        } else if levelCount != presetLevels {
            guard c.prolongationKernelSizes == nil else {
                throw .invalidConfiguration("levels cannot change the \(preset.rawValue) preset's level count (its prolongation kernels are per level)")
            }
            c.smoothingSteps = [Int](repeating: 1, count: Swift.max(levelCount - 1, 0)) + [levelCount > 1 ? 2 : 1]
        }
        c.postSmoothingSteps = postSmoothingSteps ?? [Int](repeating: 0, count: c.smoothingSteps.count)
        if c.layerNormalizationGrid != nil { c.layerNormalizationGrid = grid }
        if c.blockNormalizationGrid != nil { c.blockNormalizationGrid = grid }
        if let paddingMode { c.paddingMode = paddingMode }
        if let gridPolicy { c.gridPolicy = gridPolicy }
        try c.validate()
        try c.validate(grid: grid)
        return (c, note)
    }
}
