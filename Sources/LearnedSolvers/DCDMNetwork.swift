import Foundation
import TensorCore
import AutoDiff
import NeuralLayers

/// Shape of a `DCDMNetwork`; stored as JSON in the checkpoint metadata (key `dcdm.configuration`).
public struct DCDMNetworkConfiguration: Codable, Sendable, Equatable {
    /// 2 or 3.
    public var spatialRank: Int
    /// Feature channels at full resolution.
    public var channels: Int
    /// Feature channels on every coarser level.
    public var coarseChannels: Int
    /// Number of 2× coarsenings (a grid is zero-padded to a multiple of 2^levels).
    public var levels: Int
    /// Seed of the weight initialization.
    public var seed: UInt64
    /// When set, the number of levels follows the grid: a grid whose longest side is n gets
    /// `DCDMNetwork.levelCount(longestSide:)` = max(`levels`, ⌈log₂(n / coarsestSize)⌉) coarsenings, the extra ones
    /// sharing the weights of the deepest trained level. nil (the default, and every model saved before this
    /// option existed): always `levels`.
    public var coarsestSize: Int?

    public init(spatialRank: Int, channels: Int = 8, coarseChannels: Int = 16, levels: Int = 3, seed: UInt64 = 0,
                coarsestSize: Int? = nil) {
        self.spatialRank = spatialRank
        self.channels = channels
        self.coarseChannels = coarseChannels
        self.levels = levels
        self.seed = seed
        self.coarsestSize = coarsestSize
    }

    /// Checks the ranges a user can get wrong.
    public func validate() throws {
        guard spatialRank == 2 || spatialRank == 3 else { throw LearnedSolverError.invalidConfiguration("spatial rank must be 2 or 3, got \(spatialRank)") }
        guard (1...64).contains(channels), (1...128).contains(coarseChannels) else {
            throw LearnedSolverError.invalidConfiguration("channels must be in 1…64 and coarse channels in 1…128")
        }
        guard (0...6).contains(levels) else { throw LearnedSolverError.invalidConfiguration("levels must be in 0…6, got \(levels)") }
        if let coarsestSize {
            guard coarsestSize >= 1 else { throw LearnedSolverError.invalidConfiguration("coarsest size must be at least 1, got \(coarsestSize)") }
            // Only a level mapping C' → C' channels can be repeated: level 0 maps the C fine channels.
            guard levels >= 2 else { throw LearnedSolverError.invalidConfiguration("levels that follow the grid need at least 2 trained levels, got \(levels)") }
        }
    }
}

/// The DCDM network f: a grid vector r ↦ a search direction q ≈ c A⁻¹ r (any scale c), fully convolutional.
///
/// Architecture (chosen here; the paper's network is larger — more 3-D convolution layers and channels
/// with residual connections and coarser levels, trained on a GPU. This one keeps those ingredients but is
/// shaped like a multigrid V-cycle and kept small enough to train on 2 CPU cores):
/// ```
/// h₀ = relu(lift(r))                                 3^d conv, 1 → C            (full resolution)
/// for ℓ = 1 … L:   hℓ = relu(downℓ(hℓ₋₁))             2^d conv, stride 2 ("restriction")
///                  hℓ = hℓ + relu(smoothℓ(hℓ))         3^d conv, residual          (coarse levels, C' channels)
/// g_L = h_L
/// for ℓ = L … 1:   gℓ₋₁ = hℓ₋₁ + upℓ(gℓ)              2^d transposed conv, stride 2 ("prolongation")
///                  gℓ₋₁ = gℓ₋₁ + relu(postℓ₋₁(gℓ₋₁))  3^d conv, residual
/// q = s·r + project(g₀)                              3^d conv, C → 1, plus a learned multiple of the input
/// ```
/// Why: A⁻¹ of a Poisson operator is global, and a stack of fine-grid 3×3×3 convolutions only reaches a few
/// cells; the strided levels give a receptive field of about 2^L·8 cells at a cost dominated by the three
/// full-resolution convolutions, so the fine level keeps few channels (C = 4–8) and the coarse levels, 8^ℓ
/// times cheaper, get more (C' = 12–16). The residual connections
/// (as in the paper) ease training. No layer has a bias, so f(0) = 0 and f(γr) = γ f(r) for γ > 0 (as for
/// A⁻¹); with biases an untrained network returned nearly the same direction for every residual and DCDM
/// stalled. The input skip s·r with s = 1 and the last layer initialized at 0.1× its usual scale make the
/// untrained f ≈ I, so an untrained DCDM behaves like CG and training can only improve on it. Because every
/// layer is a convolution with zero padding, the same weights apply to any grid size (train at 32³, apply
/// at 64³ or 128³); the grid is zero-padded at the far end to a multiple of 2^L and cropped back.
///
/// Levels that follow the grid (`DCDMNetworkConfiguration.coarsestSize`): with a fixed number L of
/// coarsenings the network's receptive field is fixed in *cells*. Level ℓ works on cells of width 2^ℓ, and
/// its 3^d smoothing and post-smoothing convolutions and its 2^d transfers each reach ≈ 2^ℓ fine cells, so
/// the receptive radius is R(L) ≈ Σ_{ℓ=0}^{L} 3·2^ℓ ≈ 3·2^{L+1} cells, a fraction R(L)/n of an n-point side.
/// A⁻¹ is global (the Green's function of −Δ decays only like 1/|x| in 3-D), so a map trained at n₀ where
/// R/n₀ covers the domain covers only half of it at 2n₀: the longest-wavelength error components, which
/// CG resolves last, are exactly the ones the network no longer sees, and its iteration count grows with n.
/// Taking L(n) = L₀ + log₂(n/n₀), i.e. a coarsest grid of fixed size m = n₀/2^{L₀}, keeps R(L(n))/n and
/// the coarsest grid's resolution of the domain constant, as a multigrid V-cycle whose coarsest grid has a
/// fixed size has an h-independent convergence rate. The extra levels ℓ ≥ L₀ reuse the weights of level
/// L₀ − 1 (down, smooth, up, post all map C' → C' channels there): the h²-scaled 7-point stencil is the same
/// on every grid, so rediscretized coarse operators differ only by a constant factor, and the network is
/// positively homogeneous (no biases, ReLU), so one coarse-level map is a consistent choice at every depth —
/// the analogue of a multigrid cycle using the same smoother and transfer stencils on every level. The
/// parameter count does not change; a model trained at n₀ with L₀ levels applies at 2n₀ with L₀ + 1.
///
/// The sharing must be *trained in*: train with L₀ distinct levels and a coarsest size that already needs
/// one shared level at n₀ (e.g. `levels: 3, coarsestSize: 4` at 64³ runs 4 levels, the 4th reusing the 3rd),
/// so the shared map learns to be applied recursively. Measured (BENCHMARKS-dcdm.md, 3-D box, 64³ → 128³,
/// DCDM iterations to 1e-4 / 1e-6): trained this way 12/18 → 13/21 (growth ×1.08/×1.17; CG ×1.7/×1.9);
/// an extra shared level bolted onto a model trained with fixed levels does nothing (4 distinct levels:
/// 17/30 → 17/29 at 128³) or harm (a 3-level model: 21/36 → 74/>80), and 5 distinct levels at 64³ (coarsest
/// 2³, so the receptive field already spans the grid) still grow ×1.4/×1.3 (18/28 at 128³, where the
/// shared model has the same 5 levels and 4³ coarsest grid). So the receptive field alone does not explain
/// the growth: distinct per-level weights are tuned to the grid size each level saw in training and do not
/// transfer to a deeper hierarchy, while a level trained to be applied recursively does. With a second
/// seed: fixed 4 levels 15/25 → 23/62, shared 17/25 → 19/36 (300 steps) and 15/26 → 18/26 (600 steps)
/// (two seeds, one right-hand side per problem: evidence, not a proof).
///
/// Complexity: O(C² 3^d N) per application (N grid points) at full resolution plus geometrically less on
/// the coarse levels.
/// References: A. Kaneda, O. Akar, J. Chen, V. A. T. Kala, D. Hyde, J. Teran, "A Deep Conjugate Direction
/// Method for Iteratively Solving Linear Systems", ICML 2023, §4 (architecture and training).
public struct DCDMNetwork: Layer {
    public typealias Scalar = Float
    public let configuration: DCDMNetworkConfiguration
    let lift: Convolution<Float>
    let down: [Convolution<Float>]
    let smooth: [Convolution<Float>]
    let up: [ConvolutionTranspose<Float>]
    let post: [Convolution<Float>]
    let project: Convolution<Float>
    /// s in q = s·r + branch(r).
    let inputWeight: Parameter<Float>

    public init(_ configuration: DCDMNetworkConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        let d = configuration.spatialRank
        let c = configuration.channels, cc = configuration.coarseChannels
        var generator = SeededRandomNumberGenerator(seed: configuration.seed)
        let three = [Int](repeating: 3, count: d), two = [Int](repeating: 2, count: d)
        lift = Convolution(inputChannels: 1, outputChannels: c, kernelSize: three, padding: [1], useBias: false, generator: &generator)
        var down: [Convolution<Float>] = [], smooth: [Convolution<Float>] = [], up: [ConvolutionTranspose<Float>] = [], post: [Convolution<Float>] = []
        for level in 0..<configuration.levels {
            let fine = level == 0 ? c : cc
            down.append(Convolution(inputChannels: fine, outputChannels: cc, kernelSize: two, stride: [2], useBias: false, generator: &generator))
            smooth.append(Convolution(inputChannels: cc, outputChannels: cc, kernelSize: three, padding: [1], useBias: false, generator: &generator))
            up.append(ConvolutionTranspose(inputChannels: cc, outputChannels: fine, kernelSize: two, stride: [2], useBias: false, generator: &generator))
            post.append(Convolution(inputChannels: fine, outputChannels: fine, kernelSize: three, padding: [1], useBias: false, generator: &generator))
        }
        self.down = down
        self.smooth = smooth
        self.up = up
        self.post = post
        project = Convolution(inputChannels: c, outputChannels: 1, kernelSize: three, padding: [1], useBias: false,
                              generator: &generator)
        // Start close to f = I (DCDM = CG): the learned branch starts small, the skip weight at 1.
        project.weight.value = project.weight.value * Float(Self.initialBranchScale)
        inputWeight = Parameter(Tensor<Float>([1]))
    }

    /// Scale of the learned branch's last layer at initialization (relative to Kaiming-uniform).
    public static let initialBranchScale = 0.1

    /// Number of 2× coarsenings applied to a grid whose longest side is `longestSide`: `levels`, or with
    /// `coarsestSize` = m the smallest L ≥ `levels` with ⌈n / 2^L⌉ ≤ m.
    public func levelCount(longestSide: Int) -> Int {
        guard let m = configuration.coarsestSize else { return configuration.levels }
        var count = configuration.levels
        while count < 30, (longestSide + (1 << count) - 1) >> count > m { count += 1 }
        return count
    }

    /// `input` is `[batch, 1, spatial…]` (spatial row-major, x last).
    public func callAsFunction(_ input: Variable<Float>) -> Variable<Float> {
        let d = configuration.spatialRank
        precondition(input.rank == d + 2 && input.shape[1] == 1, "DCDMNetwork expects [batch, 1, \(d) spatial axes], got \(input.shape)")
        let spatial = Array(input.shape.suffix(d))
        let levelCount = levelCount(longestSide: spatial.max() ?? 1)
        // Level ℓ uses the weights of level min(ℓ, L₀ − 1): the levels beyond the trained ones share the deepest.
        let trained = configuration.levels
        func weights(_ level: Int) -> Int { Swift.min(level, trained - 1) }
        let multiple = 1 << levelCount
        let extra = spatial.map { ($0 + multiple - 1) / multiple * multiple - $0 }
        var x = input
        if extra.contains(where: { $0 > 0 }) {
            x = x.padded(before: [Int](repeating: 0, count: d + 2), after: [0, 0] + extra)
        }
        var features = [lift(x).relu()]
        for level in 0..<levelCount {
            var h = down[weights(level)](features[level]).relu()
            h = h + smooth[weights(level)](h).relu()
            features.append(h)
        }
        var g = features[levelCount]
        for level in stride(from: levelCount - 1, through: 0, by: -1) {
            g = features[level] + up[weights(level)](g)
            g = g + post[weights(level)](g).relu()
        }
        // q = s·r + project(g)
        var q = project(g) + x * inputWeight.variable.reshaped([1, 1] + [Int](repeating: 1, count: d))
        if extra.contains(where: { $0 > 0 }) {
            q = q.sliced([nil, nil] + spatial.map { 0..<$0 })
        }
        return q
    }

    /// The same weights with levels that follow the grid (coarsest grid of `coarsestSize` points per side;
    /// nil: a fixed number of levels). For a model trained at n₀ with L₀ levels, `n₀ >> L₀` keeps its
    /// behaviour at n₀ and adds a level per doubling of the grid. The parameters are shared, not copied.
    public func withCoarsestSize(_ coarsestSize: Int?) throws -> DCDMNetwork {
        var configuration = self.configuration
        configuration.coarsestSize = coarsestSize
        try configuration.validate()
        return DCDMNetwork(configuration: configuration, lift: lift, down: down, smooth: smooth, up: up, post: post,
                           project: project, inputWeight: inputWeight)
    }

    private init(configuration: DCDMNetworkConfiguration, lift: Convolution<Float>, down: [Convolution<Float>],
                 smooth: [Convolution<Float>], up: [ConvolutionTranspose<Float>], post: [Convolution<Float>],
                 project: Convolution<Float>, inputWeight: Parameter<Float>) {
        self.configuration = configuration
        self.lift = lift
        self.down = down
        self.smooth = smooth
        self.up = up
        self.post = post
        self.project = project
        self.inputWeight = inputWeight
    }

    public func visitParameters(prefix: String, _ visit: (String, Parameter<Float>) -> Void) {
        lift.visitParameters(prefix: parameterPath(prefix, "lift"), visit)
        for level in 0..<configuration.levels {
            down[level].visitParameters(prefix: parameterPath(prefix, "down.\(level)"), visit)
            smooth[level].visitParameters(prefix: parameterPath(prefix, "smooth.\(level)"), visit)
            up[level].visitParameters(prefix: parameterPath(prefix, "up.\(level)"), visit)
            post[level].visitParameters(prefix: parameterPath(prefix, "post.\(level)"), visit)
        }
        project.visitParameters(prefix: parameterPath(prefix, "project"), visit)
        visit(parameterPath(prefix, "input_weight"), inputWeight)
    }

    // MARK: Checkpoints

    /// Metadata key holding the configuration JSON.
    public static let configurationKey = "dcdm.configuration"

    /// Writes the weights and configuration as safetensors (atomically); `metadata` adds training facts.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        var all = metadata
        let json = try JSONEncoder().encode(configuration)
        all[Self.configurationKey] = String(decoding: json, as: UTF8.self)
        all["format"] = "pdekit.dcdm"
        try parameterArchive(metadata: all).write(to: url)
    }

    /// Reads a network written by `save(to:metadata:)`.
    public static func load(from url: URL) throws -> (network: DCDMNetwork, metadata: [String: String]) {
        let archive = try SafetensorsArchive(contentsOf: url)
        guard let text = archive.metadata[configurationKey] else {
            throw LearnedSolverError.invalidCheckpoint(path: url.path, reason: "metadata has no '\(configurationKey)' entry (not a DCDM model)")
        }
        let configuration: DCDMNetworkConfiguration
        do { configuration = try JSONDecoder().decode(DCDMNetworkConfiguration.self, from: Data(text.utf8)) } catch {
            throw LearnedSolverError.invalidCheckpoint(path: url.path, reason: "unreadable configuration JSON")
        }
        let network = try DCDMNetwork(configuration)
        try network.loadParameters(from: archive)
        return (network, archive.metadata)
    }
}
