import NeuralLayers

/// The architecture of a Fourier neural operator: everything needed to rebuild it, stored as JSON
/// beside its weights.
///
/// Presets follow Li et al. 2021 (`darcy`, `burgers`); `neuraloperatorDefaults` follows the
/// `neuraloperator` package's `FNO` defaults (channel-MLP lifting and projection with ratio 2, a
/// channel MLP with expansion 0.5 and a soft-gating skip in every block).
public struct FNOConfiguration: Codable, Sendable, Equatable {
    /// Retained Fourier modes per spatial axis; its count is the number of spatial axes (1–3).
    public var modes: [Int]
    /// Channels of the input field (before grid coordinates are appended).
    public var inputChannels: Int
    /// Channels of the output field.
    public var outputChannels: Int
    /// Channels inside the Fourier blocks.
    public var width: Int
    /// Number of Fourier blocks.
    public var layerCount: Int
    /// Hidden channels of the lifting MLP; 0 lifts with a single 1×1 convolution (the paper's `fc0`).
    public var liftingChannels: Int
    /// Hidden channels of the projection MLP (the paper's 128); 0 projects with a single 1×1 convolution.
    public var projectionChannels: Int
    /// Nonlinearity between blocks and inside the MLPs.
    public var activation: Activation
    /// Adds a channel MLP with a soft-gating skip after each spectral convolution (neuraloperator's design).
    public var useChannelMLP: Bool
    /// Hidden width of the per-block channel MLP as a fraction of `width`.
    public var channelMLPExpansion: Double
    /// Appends the grid coordinates (`x_i = i/(n−1)` on `[0, 1]`) to the input channels.
    public var appendGrid: Bool
    /// Zero padding appended to every spatial axis inside the blocks, as a fraction of its size
    /// (non-periodic problems; 0 for periodic ones).
    public var domainPadding: Double
    /// Per-channel bias in the spectral convolutions.
    public var spectralBias: Bool

    public init(modes: [Int], inputChannels: Int = 1, outputChannels: Int = 1, width: Int, layerCount: Int = 4,
                liftingChannels: Int = 0, projectionChannels: Int = 128, activation: Activation = .gelu,
                useChannelMLP: Bool = false, channelMLPExpansion: Double = 0.5, appendGrid: Bool = true,
                domainPadding: Double = 0, spectralBias: Bool = false) {
        self.modes = modes
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.width = width
        self.layerCount = layerCount
        self.liftingChannels = liftingChannels
        self.projectionChannels = projectionChannels
        self.activation = activation
        self.useChannelMLP = useChannelMLP
        self.channelMLPExpansion = channelMLPExpansion
        self.appendGrid = appendGrid
        self.domainPadding = domainPadding
        self.spectralBias = spectralBias
    }

    /// Number of spatial axes.
    public var spatialDimensions: Int { modes.count }

    /// Li et al. 2021, 2-D Darcy flow: 12 modes, width 32, 4 layers, projection 128, domain padding
    /// (the reference code pads 9 points at s = 85, about 10%).
    public static let darcy = FNOConfiguration(modes: [12, 12], width: 32, layerCount: 4, domainPadding: 0.1)

    /// Li et al. 2021, 1-D Burgers: 16 modes, width 64, 4 layers, projection 128, periodic.
    public static let burgers = FNOConfiguration(modes: [16], width: 64, layerCount: 4)

    /// The `neuraloperator` package's `FNO` defaults for the given modes and width.
    public static func neuraloperatorDefaults(modes: [Int], width: Int, layerCount: Int = 4,
                                              inputChannels: Int = 1, outputChannels: Int = 1) -> FNOConfiguration {
        // 2·width saturates instead of trapping: an absurd width is then refused by `validate(budget:)`.
        let (doubled, overflow) = width.multipliedReportingOverflow(by: 2)
        let hidden = overflow ? Int.max : doubled
        return FNOConfiguration(modes: modes, inputChannels: inputChannels, outputChannels: outputChannels, width: width,
                         layerCount: layerCount, liftingChannels: hidden, projectionChannels: hidden,
                         useChannelMLP: true, channelMLPExpansion: 0.5, spectralBias: true)
    }

    /// Checks the values a user can set (from a file or flags).
    public func validate() throws(FNOError) {
        guard (1...3).contains(modes.count), modes.allSatisfy({ $0 > 0 }) else { throw .invalidConfiguration("modes \(modes): need 1 to 3 positive entries") }
        guard inputChannels > 0, outputChannels > 0, width > 0, layerCount > 0 else {
            throw .invalidConfiguration("channels, width and layer count must be positive")
        }
        guard liftingChannels >= 0, projectionChannels >= 0 else { throw .invalidConfiguration("negative hidden channels") }
        guard domainPadding >= 0, domainPadding < 1 else { throw .invalidConfiguration("domain padding \(domainPadding) not in [0, 1)") }
        guard channelMLPExpansion > 0, channelMLPExpansion <= 64 else { throw .invalidConfiguration("channel MLP expansion must lie in (0, 64]") }
    }
}
