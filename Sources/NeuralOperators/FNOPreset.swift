/// The architectures `pdekit train fno --preset` names, with the overrides of --modes, --width, --layers.
public enum FNOPreset: String, Codable, Sendable, CaseIterable {
    /// ``FNOConfiguration/darcy`` (Li et al. 2021's 2-D Darcy FNO).
    case darcy
    /// ``FNOConfiguration/burgers`` (the 1-D Burgers FNO).
    case burgers
    /// neuraloperator's `FNO` defaults (width 32) with its mode convention on odd grids; `modes` is
    /// neuraloperator's `n_modes`, both signs counted on every axis, so the same words build the same model.
    case neuraloperator
    /// Li et al.'s FNO-2D for Navier–Stokes: 12 modes, width 20, 4 blocks.
    case navierStokes = "navier-stokes"

    /// The preset on `spatialDimensions` axes with the given channels; nil overrides keep the preset's
    /// values (modes: PDEKit's count per sign, or n_modes for `.neuraloperator`; default 12 for darcy and
    /// navier-stokes, 16 for burgers and neuraloperator).
    public func configuration(spatialDimensions d: Int, inputChannels: Int, outputChannels: Int,
                              modes: Int? = nil, width: Int? = nil, layers: Int? = nil) throws -> FNOConfiguration {
        var c: FNOConfiguration
        switch self {
        case .darcy: c = .darcy
        case .burgers: c = .burgers
        case .neuraloperator:
            c = .neuraloperatorDefaults(modes: try FNOConfiguration.modes(neuraloperatorModes: [Int](repeating: modes ?? 16, count: d)), width: 32)
        case .navierStokes: c = FNOConfiguration(modes: [Int](repeating: 12, count: d), width: 20, layerCount: 4)
        }
        if self != .neuraloperator { c.modes = [Int](repeating: modes ?? c.modes[0], count: d) }
        if let width { c.width = width; if self == .neuraloperator { c.liftingChannels = 2 * width; c.projectionChannels = 2 * width } }
        if let layers { c.layerCount = layers }
        c.inputChannels = inputChannels
        c.outputChannels = outputChannels
        return c
    }
}
