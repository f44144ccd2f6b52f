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
    /// Appends the grid coordinates (placed by `gridConvention`) to the input channels.
    public var appendGrid: Bool
    /// Where the appended grid coordinates lie (checkpoints written before this option decode as
    /// `.closedInterval`).
    public var gridConvention: FNOGridConvention
    /// Zero padding of every spatial axis inside the blocks, as a fraction of its size
    /// (non-periodic problems; 0 for periodic ones).
    public var domainPadding: Double
    /// Where the domain padding goes and how its width is rounded (checkpoints written before this
    /// option decode as `.endSmoothLength`).
    public var domainPaddingPlacement: FNODomainPaddingPlacement
    /// Per-channel bias in the spectral convolutions.
    public var spectralBias: Bool
    /// Where the spectral convolutions put their products on grids with an odd leading axis
    /// (`.neuraloperator` for imported neuraloperator models; checkpoints written before this option
    /// decode as `.pdekit`).
    public var modeConvention: SpectralModeConvention
    /// Which blocks apply the activation between `K v + W v` and their channel MLP (checkpoints
    /// written before this option decode as `.allButLastBlock`).
    public var channelMLPInputActivation: FNOChannelMLPInputActivation

    public init(modes: [Int], inputChannels: Int = 1, outputChannels: Int = 1, width: Int, layerCount: Int = 4,
                liftingChannels: Int = 0, projectionChannels: Int = 128, activation: Activation = .gelu,
                useChannelMLP: Bool = false, channelMLPExpansion: Double = 0.5, appendGrid: Bool = true,
                domainPadding: Double = 0, spectralBias: Bool = false, gridConvention: FNOGridConvention = .closedInterval,
                domainPaddingPlacement: FNODomainPaddingPlacement = .endSmoothLength,
                modeConvention: SpectralModeConvention = .pdekit,
                channelMLPInputActivation: FNOChannelMLPInputActivation = .allButLastBlock) {
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
        self.domainPaddingPlacement = domainPaddingPlacement
        self.spectralBias = spectralBias
        self.gridConvention = gridConvention
        self.modeConvention = modeConvention
        self.channelMLPInputActivation = channelMLPInputActivation
    }

    /// Number of spatial axes.
    public var spatialDimensions: Int { modes.count }

    /// Li et al. 2021, 2-D Darcy flow: 12 modes, width 32, 4 layers, projection 128, domain padding
    /// (the reference code pads 9 points at s = 85, about 10%).
    public static let darcy = FNOConfiguration(modes: [12, 12], width: 32, layerCount: 4, domainPadding: 0.1)

    /// Li et al. 2021, 1-D Burgers: 16 modes, width 64, 4 layers, projection 128, periodic.
    public static let burgers = FNOConfiguration(modes: [16], width: 64, layerCount: 4)

    /// The `neuraloperator` package's `FNO` defaults for the given modes and width; `modes` are
    /// PDEKit's (per axis kept frequencies, see `FNOConfiguration.modes(neuraloperatorModes:)` for
    /// neuraloperator's `n_modes`). The grid is neuraloperator's (`x_i = i/n`) and so is the mode
    /// convention (`SpectralModeConvention.neuraloperator`), so an exported model gives PyTorch's
    /// outputs on grids with odd leading axes too.
    public static func neuraloperatorDefaults(modes: [Int], width: Int, layerCount: Int = 4,
                                              inputChannels: Int = 1, outputChannels: Int = 1) -> FNOConfiguration {
        // 2·width saturates instead of trapping: an absurd width is then refused by `validate(budget:)`.
        let (doubled, overflow) = width.multipliedReportingOverflow(by: 2)
        let hidden = overflow ? Int.max : doubled
        return FNOConfiguration(modes: modes, inputChannels: inputChannels, outputChannels: outputChannels, width: width,
                         layerCount: layerCount, liftingChannels: hidden, projectionChannels: hidden,
                         useChannelMLP: true, channelMLPExpansion: 0.5, spectralBias: true, gridConvention: .periodic,
                         modeConvention: .neuraloperator)
    }

    /// PDEKit's `modes` for neuraloperator's `n_modes`.
    ///
    /// neuraloperator's `n_modes` counts both signs on every axis but the last (`n_modes = 16`
    /// keeps frequencies −8…7, the fftshifted centre), and on the last axis keeps `n_modes // 2 + 1`
    /// non-negative frequencies of the half spectrum. PDEKit's `m` keeps `0…m−1` and `−m…−1` on the
    /// leading axes and `0…m−1` on the last, so `n_modes = (16, 16)` is `modes = [8, 9]`.
    /// Odd counts on a leading axis keep an asymmetric set PDEKit's layout cannot hold; they are refused.
    public static func modes(neuraloperatorModes nModes: [Int]) throws(FNOError) -> [Int] {
        guard (1...3).contains(nModes.count), nModes.allSatisfy({ $0 > 0 }) else {
            throw .invalidConfiguration("n_modes \(nModes): need 1 to 3 positive entries")
        }
        var modes: [Int] = []
        for (axis, count) in nModes.enumerated() {
            if axis == nModes.count - 1 {
                modes.append(count / 2 + 1)
            } else {
                guard count % 2 == 0, count >= 2 else {
                    throw .invalidConfiguration("n_modes \(nModes): an odd count (\(count)) on a leading axis keeps an asymmetric set of frequencies, which PDEKit's FNO does not support")
                }
                modes.append(count / 2)
            }
        }
        return modes
    }

    /// neuraloperator's `n_modes` for these `modes` (the inverse of `modes(neuraloperatorModes:)`;
    /// on the last axis the even count `2(m − 1)`, or 1 for `m = 1`).
    public var neuraloperatorModes: [Int] {
        modes.enumerated().map { axis, m in axis == modes.count - 1 ? max(1, 2 * (m - 1)) : 2 * m }
    }

    /// Decodes configurations written before `gridConvention` existed as `.closedInterval`, before
    /// `domainPaddingPlacement` existed as `.endSmoothLength`, before `modeConvention` existed as `.pdekit`,
    /// and before `channelMLPInputActivation` existed as `.allButLastBlock`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        modes = try container.decode([Int].self, forKey: .modes)
        inputChannels = try container.decode(Int.self, forKey: .inputChannels)
        outputChannels = try container.decode(Int.self, forKey: .outputChannels)
        width = try container.decode(Int.self, forKey: .width)
        layerCount = try container.decode(Int.self, forKey: .layerCount)
        liftingChannels = try container.decode(Int.self, forKey: .liftingChannels)
        projectionChannels = try container.decode(Int.self, forKey: .projectionChannels)
        activation = try container.decode(Activation.self, forKey: .activation)
        useChannelMLP = try container.decode(Bool.self, forKey: .useChannelMLP)
        channelMLPExpansion = try container.decode(Double.self, forKey: .channelMLPExpansion)
        appendGrid = try container.decode(Bool.self, forKey: .appendGrid)
        domainPadding = try container.decode(Double.self, forKey: .domainPadding)
        domainPaddingPlacement = try container.decodeIfPresent(FNODomainPaddingPlacement.self, forKey: .domainPaddingPlacement) ?? .endSmoothLength
        spectralBias = try container.decode(Bool.self, forKey: .spectralBias)
        gridConvention = try container.decodeIfPresent(FNOGridConvention.self, forKey: .gridConvention) ?? .closedInterval
        modeConvention = try container.decodeIfPresent(SpectralModeConvention.self, forKey: .modeConvention) ?? .pdekit
        channelMLPInputActivation = try container.decodeIfPresent(FNOChannelMLPInputActivation.self, forKey: .channelMLPInputActivation) ?? .allButLastBlock
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

/// Where an FNO's appended grid coordinates lie on `[0, 1]` along an axis of `n` points.
public enum FNOGridConvention: String, Codable, Sendable, CaseIterable {
    /// `x_i = i/(n − 1)`: both ends included (Li et al.'s reference code; PDEKit's default).
    case closedInterval
    /// `x_i = i/n`: the periodic cell without its right end (neuraloperator's `GridEmbeddingND`,
    /// `linspace(0, 1, n + 1)[:-1]`).
    case periodic
}

/// Where an FNO's domain padding (a fraction `p` of an axis of `n` points) goes, and its width.
public enum FNODomainPaddingPlacement: String, Codable, Sendable, CaseIterable {
    /// At the end of the axis, at least `round(p·n)` points, widened until the padded length has no
    /// prime factor above 7 (fast FFT lengths; PDEKit's default).
    case endSmoothLength
    /// Exactly `round_half_even(p·n)` points at the end of the axis (neuraloperator 0.x and 1.0's
    /// `domain_padding_mode="one-sided"`, Python's `round`).
    case end
    /// `round_half_even(p·n)` points before and as many after (neuraloperator ≥ 1.1's `DomainPadding`,
    /// `domain_padding_mode="symmetric"`).
    case symmetric
}

/// Which Fourier blocks of an FNO with channel MLPs apply the activation to `K v + W v` before the MLP.
///
/// ```
/// allButLastBlock:  v ← MLP(σ(K v + W v)) + g ⊙ v  in blocks 1…L−1,   v ← MLP(K v + W v) + g ⊙ v  in block L
/// everyBlock:       v ← MLP(σ(K v + W v)) + g ⊙ v  in every block
/// ```
/// (σ is applied after the gated sum in every block but the last, in both.) neuraloperator ≥ 1.0 and
/// PDEKit use `allButLastBlock`; neuraloperator 0.x's `FNOBlocks` with `use_mlp=True` uses `everyBlock`.
public enum FNOChannelMLPInputActivation: String, Codable, Sendable, CaseIterable {
    /// No activation before the last block's channel MLP (neuraloperator ≥ 1.0; PDEKit's default).
    case allButLastBlock
    /// The activation before every block's channel MLP, the last one's too (neuraloperator 0.x).
    case everyBlock
}
