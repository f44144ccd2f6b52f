import Foundation
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

/// What ends an ``MgNO`` after its last block.
public enum MgNOHead: String, Codable, Sendable, CaseIterable {
    /// `Q u_L`, a 1×1 convolution without bias (`MgNO_DC`, `MgNO_NS`).
    case projection
    /// One more V-cycle from `channels` to `outputChannels` without activation (`MgNO_helm`'s
    /// `last_layer`, a ``MultigridConvolution``; ``MgNOCycle/helmholtz`` only).
    case multigrid
}

/// Hyper-parameters of an ``MgNO`` (He, Liu & Xu, "MgNO: Efficient Parameterization of Linear
/// Operators via Multigrid", ICLR 2024).
///
/// With ``cycle`` `.paper` (the default) the network is the official code's `MgNO_DC`:
/// ```
/// u₀ = a,   u_l = σ(MgConv_l(u_{l−1}) + W_l u_{l−1} + b_l)  (l = 1…layers),   output = Q u_L
/// ```
/// with `Q` a 1×1 projection without bias (`channels → outputChannels`); each `MgConv` is one V-cycle
/// (``MultigridConvolution``) over `levels` grids with `smoothingSteps[ℓ]` pre- and
/// `postSmoothingSteps[ℓ]` post-smoothing steps on level `ℓ` (finest first). Its `MgNO_NS` sibling
/// drops `W u + b` (``pointwiseSkip``), adds biases to `A`/`S` (``convolutionBias``), normalizes each
/// corrected level (``layerNormalizationGrid``) and adds the input to the output (``inputResidual``).
/// `MgNO_helm` (``helmholtz``) normalizes each block's `MgConv u` over `[channels, grid]` before the
/// activation (``blockNormalizationGrid``) and ends with a V-cycle instead of `Q` (``head``).
/// With `.residualRestriction` it is PDEKit's earlier network (see ``MgNOCycle``).
public struct MgNOConfiguration: Codable, Sendable, Equatable {
    /// Number of spatial axes (1–3).
    public var spatialDimensions: Int
    public var inputChannels: Int
    public var outputChannels: Int
    /// Hidden channel count (the paper's `n`, the code's `num_channel_u`).
    public var channels: Int
    /// Number of blocks `σ(MgConv + W + b)` (at least 1).
    public var layers: Int
    /// Number of multigrid levels `J` (at least 1); the coarsest grid is `N / 2^(J−1)`.
    public var levels: Int
    /// Pre-smoothing steps per level, finest first; `count == levels`, every entry ≥ 1 (the code's
    /// `num_iteration[ℓ][0]`).
    public var smoothingSteps: [Int]
    /// Post-smoothing steps per level after the coarse correction (the code's `num_iteration[ℓ][1]`);
    /// `count == levels`, entries ≥ 0, the coarsest 0 (the official code never runs it). `.paper` only.
    public var postSmoothingSteps: [Int]
    /// Boundary handling of every 3×3 convolution: `.zero` (homogeneous Dirichlet), `.circular`
    /// (periodic) or `.replicate`.
    public var paddingMode: PaddingMode
    public var activation: Activation
    public var gridPolicy: MgNOGridPolicy
    /// Which network (the published one by default).
    public var cycle: MgNOCycle
    /// Kernel size of each prolongation (transposed 2-stride convolution, padding 1), one per
    /// transfer, finest first; `nil` means 4 everywhere (even grids). A 3 maps a coarse grid of `m`
    /// points to `2m − 1` (odd fine grids, as `MgConv_DC_smooth` on 211² grids). `.paper` only.
    public var prolongationKernelSizes: [Int]?
    /// Biases on every `A` and `S` (`MgNO_NS --bias`). `.paper` only.
    public var convolutionBias: Bool
    /// Whether each block adds the pointwise map `W u + b` (true in `MgNO_DC`, false in `MgNO_NS`).
    public var pointwiseSkip: Bool
    /// When set, the fine iterate of each level `ℓ < J−1` is layer-normalized after its coarse
    /// correction, over `[channels, grid/2^ℓ]` with elementwise affine weights (`MgNO_NS`); the input
    /// grid must then equal this grid. `.paper` only.
    public var layerNormalizationGrid: [Int]?
    /// Whether the output is `Q u_L + a` (`MgNO_NS`; needs `inputChannels == outputChannels`).
    public var inputResidual: Bool
    /// When set, each block is `σ(N_l(MgConv_l u + …))` with `N_l` a layer norm over `[channels, grid]`
    /// with elementwise affine weights (`MgNO_helm`); the input grid must then equal this grid.
    public var blockNormalizationGrid: [Int]?
    /// The end of the network: `Q` (default) or a V-cycle (`MgNO_helm`).
    public var head: MgNOHead

    public init(spatialDimensions: Int = 2, inputChannels: Int = 1, outputChannels: Int = 1, channels: Int,
                layers: Int, levels: Int, smoothingSteps: [Int]? = nil, postSmoothingSteps: [Int]? = nil,
                paddingMode: PaddingMode = .zero, activation: Activation = .gelu, gridPolicy: MgNOGridPolicy = .padAndCrop,
                cycle: MgNOCycle = .paper, prolongationKernelSizes: [Int]? = nil, convolutionBias: Bool = false,
                pointwiseSkip: Bool = true, layerNormalizationGrid: [Int]? = nil, inputResidual: Bool = false,
                blockNormalizationGrid: [Int]? = nil, head: MgNOHead = .projection) {
        self.spatialDimensions = spatialDimensions
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.channels = channels
        self.layers = layers
        self.levels = levels
        self.smoothingSteps = smoothingSteps ?? [Int](repeating: 1, count: max(levels, 0))
        self.postSmoothingSteps = postSmoothingSteps ?? [Int](repeating: 0, count: max(levels, 0))
        self.paddingMode = paddingMode
        self.activation = activation
        self.gridPolicy = gridPolicy
        self.cycle = cycle
        self.prolongationKernelSizes = prolongationKernelSizes
        self.convolutionBias = convolutionBias
        self.pointwiseSkip = pointwiseSkip
        self.layerNormalizationGrid = layerNormalizationGrid
        self.inputResidual = inputResidual
        self.blockNormalizationGrid = blockNormalizationGrid
        self.head = head
    }

    /// The official code's rough-Darcy run (README: `darcy.py --data darcy20c6 --model_type MgNO_DC
    /// --num_channel_u 24 --num_layer 4 --num_iteration 10 10 10 10 10 20`): 24 channels, 4 blocks,
    /// 6 levels, one pre-smoothing step per level and two on the coarsest, zero (Dirichlet) padding,
    /// GELU, 1×1 projection: 572,661 parameters. Trained there with the relative H1 loss, Adam
    /// (lr 5e-4, weight decay 1e-4), batch 8, 500 epochs, outputs decoded by a Gaussian normalizer.
    public static let darcy = MgNOConfiguration(channels: 24, layers: 4, levels: 6, smoothingSteps: [1, 1, 1, 1, 1, 2])

    /// The official smooth-Darcy run (`MgNO_DC_smooth`, `--num_layer 5`, same cycle as ``darcy``) on
    /// 211² grids (421² sampled every 2nd point): prolongation kernels 3, 4, 3, 3, 4 so that
    /// 211 → 106 → 53 → 27 → 14 → 7 maps back exactly; the grid must have that parity pattern.
    public static let darcySmooth = MgNOConfiguration(channels: 24, layers: 5, levels: 6, smoothingSteps: [1, 1, 1, 1, 1, 2],
                                                      gridPolicy: .requireDivisible, prolongationKernelSizes: [3, 4, 3, 3, 4])

    /// The official Navier–Stokes run (`navier.py --model_type MgNO --num_iteration 10 10 10 20 20
    /// --num_layer 5 --num_channel_u 32 --bias`, `MgNO_NS`): 32 channels, 5 blocks `σ(MgConv u)`
    /// without pointwise skip, 5 levels with smoothing 1, 1, 1, 2, 2, circular (periodic) padding,
    /// biases on `A`/`S`, layer normalization of each corrected level on the 64² grid, a 1×1
    /// projection and the input added to the output (one time step `w_t ↦ w_{t+1}`).
    public static let navierStokes = MgNOConfiguration(channels: 32, layers: 5, levels: 5, smoothingSteps: [1, 1, 1, 2, 2],
                                                       paddingMode: .circular, gridPolicy: .requireDivisible,
                                                       convolutionBias: true, pointwiseSkip: false,
                                                       layerNormalizationGrid: [64, 64], inputResidual: true)

    /// The official Helmholtz run (README: `helm.py --model_type MgNO_helm --num_layer 4
    /// --num_channel_u 20 --num_iteration 1 1 1 1 2`, `MgNO_helm`) on the 101² grids of the Helmholtz
    /// data set: 20 channels, 4 blocks `σ(LayerNorm(MgConv_helm u))` (no pointwise skip), 5 levels
    /// 101 → 50 → 24 → 11 → 5 with 20, 40, 60, 80, 100 iterate channels, smoothing 1, 1, 1, 1, 2,
    /// reflect padding, biases on `A`/`S`, prolongation kernels 3, 4, 4, 3, and a last `MgConv_helm`
    /// from 20 channels to the output (no projection). Trained there with Adam (lr 3e-4, weight decay
    /// 1e-5), batch 10, one-cycle schedule, 100 epochs, Gaussian-normalized outputs.
    public static let helmholtz = MgNOConfiguration(channels: 20, layers: 4, levels: 5, smoothingSteps: [1, 1, 1, 1, 2],
                                                    paddingMode: .reflect, gridPolicy: .requireDivisible, cycle: .helmholtz,
                                                    prolongationKernelSizes: [3, 4, 4, 3], convolutionBias: true,
                                                    pointwiseSkip: false, blockNormalizationGrid: [101, 101], head: .multigrid)

    /// `2^(levels − 1)`: every spatial size must be a multiple of this (or is padded up to one).
    public var gridDivisor: Int { 1 << max(levels - 1, 0) }

    /// The prolongation kernel size of transfer `ℓ` (level `ℓ+1` → `ℓ`).
    public func prolongationKernelSize(transfer: Int) -> Int { prolongationKernelSizes?[transfer] ?? 4 }

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
        try require(postSmoothingSteps.count == levels, "postSmoothingSteps needs \(levels) entries, got \(postSmoothingSteps.count)")
        try require(postSmoothingSteps.allSatisfy { $0 >= 0 }, "post-smoothing steps must be ≥ 0")
        try require(postSmoothingSteps.last == 0, "the coarsest level has no post-smoothing")
        if let kernels = prolongationKernelSizes {
            try require(kernels.count == levels - 1, "prolongationKernelSizes needs \(levels - 1) entries, got \(kernels.count)")
            try require(kernels.allSatisfy { $0 == 3 || $0 == 4 }, "prolongation kernel sizes must be 3 or 4, got \(kernels)")
        }
        if let grid = layerNormalizationGrid {
            try require(grid.count == spatialDimensions && grid.allSatisfy { $0 >= 1 },
                        "layerNormalizationGrid needs \(spatialDimensions) positive sizes, got \(grid)")
        }
        if let grid = blockNormalizationGrid {
            try require(grid.count == spatialDimensions && grid.allSatisfy { $0 >= 1 },
                        "blockNormalizationGrid needs \(spatialDimensions) positive sizes, got \(grid)")
        }
        if cycle == .helmholtz {
            try require(postSmoothingSteps.allSatisfy { $0 == 0 } && layerNormalizationGrid == nil && convolutionBias,
                        "the helmholtz cycle has biases and no post-smoothing or in-cycle normalization")
            try require(prolongationKernelSizes != nil, "the helmholtz cycle needs prolongationKernelSizes (its transfers have no padding)")
        }
        try require(head == .projection || cycle == .helmholtz, "a multigrid head is implemented for the helmholtz cycle only")
        try require(!inputResidual || inputChannels == outputChannels, "inputResidual needs inputChannels == outputChannels")
        if cycle == .residualRestriction {
            try require(postSmoothingSteps.allSatisfy { $0 == 0 } && prolongationKernelSizes == nil && !convolutionBias
                        && pointwiseSkip && layerNormalizationGrid == nil && !inputResidual && blockNormalizationGrid == nil
                        && head == .projection,
                        "the residualRestriction cycle has no post-smoothing, prolongation kernels, biases, normalization, residual or head options")
        }
    }

    /// Checks a spatial grid (`[N₁, …, N_d]`) against the grid policy, the prolongation kernels, the
    /// normalization grids and the padding mode (so a bad grid is an error before any training).
    public func validate(grid spatial: [Int]) throws(MgNOError) {
        let c = self, divisor = gridDivisor
        guard spatial.count == spatialDimensions, spatial.allSatisfy({ $0 > 0 }) else {
            throw .inputShapeMismatch(expected: "\(spatialDimensions) positive spatial sizes", got: spatial)
        }
        for grid in [c.layerNormalizationGrid, c.blockNormalizationGrid].compactMap({ $0 }) where grid != spatial {
            throw .gridDoesNotFitConfiguration(size: spatial, reason: "the layer normalizations are fixed to the grid \(grid)")
        }
        if c.prolongationKernelSizes != nil {
            // Transfers with padding 1 map n points to ⌈n/2⌉ and back by 2m + k − 4; without padding
            // (helmholtz) to ⌊(n − 1)/2⌋ and back by 2m + k − 2. Reflect padding needs 2 points.
            let transferPadding = c.cycle == .helmholtz ? 0 : 1
            var sizes = spatial
            for transfer in 0..<(c.levels - 1) {
                let k = c.prolongationKernelSize(transfer: transfer)
                let coarse = sizes.map { transferPadding == 1 ? ($0 + 1) / 2 : ($0 - 1) / 2 }
                guard zip(sizes, coarse).allSatisfy({ $1 >= 1 && 2 * $1 + k - 2 - 2 * transferPadding == $0 }),
                      c.paddingMode != .reflect || coarse.allSatisfy({ $0 >= 2 }) else {
                    throw .gridDoesNotFitConfiguration(size: spatial, reason: "level \(transfer) has \(sizes) points, "
                        + "which a prolongation of kernel \(k) does not reach (4 needs even, 3 odd sizes)")
                }
                sizes = coarse
            }
        } else if c.gridPolicy == .requireDivisible && spatial.contains(where: { $0 % divisor != 0 }) {
            throw .gridNotDivisible(size: spatial, divisor: divisor)
        } else if c.paddingMode == .reflect && spatial.contains(where: { ($0 + divisor - 1) / divisor < 2 }) {
            throw .gridDoesNotFitConfiguration(size: spatial, reason: "reflect padding needs at least 2 points on the coarsest grid")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case spatialDimensions, inputChannels, outputChannels, channels, layers, levels, smoothingSteps, postSmoothingSteps,
             paddingMode, activation, gridPolicy, cycle, prolongationKernelSizes, convolutionBias, pointwiseSkip,
             layerNormalizationGrid, inputResidual, blockNormalizationGrid, head
    }

    /// Decodes a configuration; one written before ``cycle`` existed is `.residualRestriction`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        spatialDimensions = try c.decode(Int.self, forKey: .spatialDimensions)
        inputChannels = try c.decode(Int.self, forKey: .inputChannels)
        outputChannels = try c.decode(Int.self, forKey: .outputChannels)
        channels = try c.decode(Int.self, forKey: .channels)
        layers = try c.decode(Int.self, forKey: .layers)
        levels = try c.decode(Int.self, forKey: .levels)
        smoothingSteps = try c.decode([Int].self, forKey: .smoothingSteps)
        postSmoothingSteps = try c.decodeIfPresent([Int].self, forKey: .postSmoothingSteps)
            ?? [Int](repeating: 0, count: smoothingSteps.count)
        paddingMode = try c.decode(PaddingMode.self, forKey: .paddingMode)
        activation = try c.decode(Activation.self, forKey: .activation)
        gridPolicy = try c.decode(MgNOGridPolicy.self, forKey: .gridPolicy)
        cycle = try c.decodeIfPresent(MgNOCycle.self, forKey: .cycle) ?? .residualRestriction
        prolongationKernelSizes = try c.decodeIfPresent([Int].self, forKey: .prolongationKernelSizes)
        convolutionBias = try c.decodeIfPresent(Bool.self, forKey: .convolutionBias) ?? false
        pointwiseSkip = try c.decodeIfPresent(Bool.self, forKey: .pointwiseSkip) ?? true
        layerNormalizationGrid = try c.decodeIfPresent([Int].self, forKey: .layerNormalizationGrid)
        inputResidual = try c.decodeIfPresent(Bool.self, forKey: .inputResidual) ?? false
        blockNormalizationGrid = try c.decodeIfPresent([Int].self, forKey: .blockNormalizationGrid)
        head = try c.decodeIfPresent(MgNOHead.self, forKey: .head) ?? .projection
    }

    /// Parameter count of one V-cycle `MgConv` from `c_in` to `c_out` channels, counted from the
    /// formula. `.paper`: `S` (c_in→c_out) and `A` (c_out→c_in) per smoothing step, no `A` on the
    /// first, optional biases; `R` (c_in→c_in), `Π` (c_out→c_out) and `P` (c_out→c_out, k^d) per
    /// transfer; affine layer norms. `.residualRestriction`: one `A` per level, `S` per step.
    public func multigridParameterCount(inputChannels cin: Int, outputChannels cout: Int) -> Int {
        let d = Double(spatialDimensions)
        let k3 = Int(pow(3.0, d)), k4 = Int(pow(4.0, d))
        let smoothing = smoothingSteps.reduce(0, +)
        let transfers = levels - 1
        switch cycle {
        case .residualRestriction:
            return levels * cout * cin * k3 + smoothing * cin * cout * k3
                + transfers * (cin * cin * k3 + cout * cout * k3 + cout * cout * k4)
        case .paper:
            let steps = smoothing + postSmoothingSteps.reduce(0, +)
            var count = steps * cin * cout * k3 + (steps - 1) * cout * cin * k3
            if convolutionBias { count += steps * cout + (steps - 1) * cin }
            count += transfers * (cin * cin * k3 + cout * cout * k3)
            for t in 0..<transfers { count += cout * cout * Int(pow(Double(prolongationKernelSize(transfer: t)), d)) }
            if let grid = layerNormalizationGrid {
                for level in 0..<transfers {
                    count += 2 * cout * grid.map { ($0 + (1 << level) - 1) >> level }.reduce(1, *)
                }
            }
            return count
        case .helmholtz:
            // Level ℓ has m = ℓ+1 times the channels; every step has A and S with biases.
            var count = 0
            for level in 0..<levels {
                let m = level + 1
                count += smoothingSteps[level] * (2 * m * cin * m * cout * k3 + m * cin + m * cout)
                if level > 0 { count += (m - 1) * m * (cin * cin + cout * cout) * k3 }
            }
            for t in 0..<transfers {
                count += (t + 2) * cout * (t + 1) * cout * Int(pow(Double(prolongationKernelSize(transfer: t)), d))
            }
            return count
        }
    }

    /// Total trainable scalars of the network built from this configuration (`Int.max` when the count
    /// overflows; ``checkedParameterCount()`` throws instead).
    public var parameterCount: Int { (try? checkedParameterCount()) ?? .max }
}
