import TensorCore
import NeuralLayers

/// What ``MgNO`` does with spatial sizes that are not divisible by `2^(levels − 1)`.
public enum MgNOGridPolicy: String, Codable, Sendable, CaseIterable {
    /// Pad each axis at its end (in the model's padding mode) up to the next multiple of
    /// `2^(levels − 1)`, run the network, and crop the output back to the input size. For
    /// `.circular` padding this breaks exact periodicity near the seam; for `.zero` it moves the
    /// Dirichlet boundary of the last row/column outward.
    case padAndCrop
    /// Throw ``MgNOError/gridNotDivisible(size:divisor:)``.
    case requireDivisible
}

/// Hyper-parameters of an ``MgNO`` (He, Liu & Xu, "MgNO: Efficient Parameterization of Linear
/// Operators via Multigrid", ICLR 2024).
///
/// The network is `layers` blocks `u ← σ(MgConv(u) + W u + b)`; the first block maps
/// `inputChannels → channels`, the last maps `channels → outputChannels` without activation, so
/// there is no separate lifting or projection. Each `MgConv` is one V-cycle over `levels` grids
/// with `smoothingSteps[ℓ]` smoothing steps on level `ℓ` (finest first).
public struct MgNOConfiguration: Codable, Sendable, Equatable {
    /// Number of spatial axes (1–3).
    public var spatialDimensions: Int
    public var inputChannels: Int
    public var outputChannels: Int
    /// Hidden channel count (the paper's `n`).
    public var channels: Int
    /// Number of `σ(MgConv + W + b)` blocks (at least 1).
    public var layers: Int
    /// Number of multigrid levels `J` (at least 1); the coarsest grid is `N / 2^(J−1)`.
    public var levels: Int
    /// Smoothing steps per level, finest first; `count == levels`, every entry ≥ 1.
    public var smoothingSteps: [Int]
    /// Boundary handling of every 3×3 convolution: `.zero` (homogeneous Dirichlet), `.circular`
    /// (periodic) or `.replicate`.
    public var paddingMode: PaddingMode
    public var activation: Activation
    public var gridPolicy: MgNOGridPolicy

    public init(spatialDimensions: Int = 2, inputChannels: Int = 1, outputChannels: Int = 1, channels: Int,
                layers: Int, levels: Int, smoothingSteps: [Int]? = nil, paddingMode: PaddingMode = .zero,
                activation: Activation = .gelu, gridPolicy: MgNOGridPolicy = .padAndCrop) {
        self.spatialDimensions = spatialDimensions
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.channels = channels
        self.layers = layers
        self.levels = levels
        self.smoothingSteps = smoothingSteps ?? [Int](repeating: 1, count: max(levels, 0))
        self.paddingMode = paddingMode
        self.activation = activation
        self.gridPolicy = gridPolicy
    }

    /// The paper's Darcy setting: 24 channels, 6 levels, one pre-smoothing step per level and two on
    /// the coarsest, zero (Dirichlet) padding, GELU, 5 blocks. (The block count is our choice; the
    /// paper's per-level settings are what the V-cycle reproduces.)
    public static let darcy = MgNOConfiguration(channels: 24, layers: 5, levels: 6,
                                                smoothingSteps: [1, 1, 1, 1, 1, 2])

    /// `2^(levels − 1)`: every spatial size must be a multiple of this (or is padded up to one).
    public var gridDivisor: Int { 1 << max(levels - 1, 0) }

    /// Checks every field.
    public func validate() throws(MgNOError) {
        func require(_ condition: Bool, _ message: String) throws(MgNOError) {
            if !condition { throw .invalidConfiguration(message) }
        }
        try require((1...3).contains(spatialDimensions), "spatialDimensions must be 1, 2 or 3, got \(spatialDimensions)")
        try require(inputChannels >= 1 && outputChannels >= 1 && channels >= 1, "channel counts must be positive")
        try require(layers >= 1, "layers must be at least 1, got \(layers)")
        try require((1...16).contains(levels), "levels must be in 1…16, got \(levels)")
        try require(smoothingSteps.count == levels, "smoothingSteps needs \(levels) entries, got \(smoothingSteps.count)")
        try require(smoothingSteps.allSatisfy { $0 >= 1 }, "every level needs at least one smoothing step")
    }

    /// Parameter count of one V-cycle `MgConv` from `c_in` to `c_out` channels, counted from the
    /// formula (A: c_out→c_in, S: c_in→c_out, R: c_in→c_in, Π and P: c_out→c_out; no biases).
    public func multigridParameterCount(inputChannels cin: Int, outputChannels cout: Int) -> Int {
        let k3 = Int(pow(3.0, Double(spatialDimensions))), k4 = Int(pow(4.0, Double(spatialDimensions)))
        let smoothing = smoothingSteps.reduce(0, +)
        let transfers = levels - 1
        return levels * cout * cin * k3 + smoothing * cin * cout * k3
            + transfers * (cin * cin * k3 + cout * cout * k3 + cout * cout * k4)
    }

    /// Total trainable scalars of the network built from this configuration.
    public var parameterCount: Int {
        (0..<layers).reduce(0) { total, l in
            let cin = l == 0 ? inputChannels : channels
            let cout = l == layers - 1 ? outputChannels : channels
            return total + multigridParameterCount(inputChannels: cin, outputChannels: cout) + cin * cout + cout
        }
    }
}

import Foundation
