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

    public init(spatialRank: Int, channels: Int = 8, coarseChannels: Int = 16, levels: Int = 3, seed: UInt64 = 0) {
        self.spatialRank = spatialRank
        self.channels = channels
        self.coarseChannels = coarseChannels
        self.levels = levels
        self.seed = seed
    }

    /// Checks the ranges a user can get wrong.
    public func validate() throws {
        guard spatialRank == 2 || spatialRank == 3 else { throw LearnedSolverError.invalidConfiguration("spatial rank must be 2 or 3, got \(spatialRank)") }
        guard (1...64).contains(channels), (1...128).contains(coarseChannels) else {
            throw LearnedSolverError.invalidConfiguration("channels must be in 1…64 and coarse channels in 1…128")
        }
        guard (0...6).contains(levels) else { throw LearnedSolverError.invalidConfiguration("levels must be in 0…6, got \(levels)") }
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
/// full-resolution convolutions (the im2col convolution runs at a few GFLOP/s here, so the fine level has
/// only C = 8 channels and the coarse levels, 8^ℓ times cheaper, get C' = 16). The residual connections
/// (as in the paper) ease training. No layer has a bias, so f(0) = 0 and f(γr) = γ f(r) for γ > 0 (as for
/// A⁻¹); with biases an untrained network returned nearly the same direction for every residual and DCDM
/// stalled. The input skip s·r with s = 1 and the last layer initialized at 0.1× its usual scale make the
/// untrained f ≈ I, so an untrained DCDM behaves like CG and training can only improve on it. Because every
/// layer is a convolution with zero padding, the same weights apply to any grid size (train at 32³, apply
/// at 64³ or 128³); the grid is zero-padded at the far end to a multiple of 2^L and cropped back.
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

    /// `input` is `[batch, 1, spatial…]` (spatial row-major, x last).
    public func callAsFunction(_ input: Variable<Float>) -> Variable<Float> {
        let d = configuration.spatialRank
        precondition(input.rank == d + 2 && input.shape[1] == 1, "DCDMNetwork expects [batch, 1, \(d) spatial axes], got \(input.shape)")
        let multiple = 1 << configuration.levels
        let spatial = Array(input.shape.suffix(d))
        let extra = spatial.map { ($0 + multiple - 1) / multiple * multiple - $0 }
        var x = input
        if extra.contains(where: { $0 > 0 }) {
            x = x.padded(before: [Int](repeating: 0, count: d + 2), after: [0, 0] + extra)
        }
        var features = [lift(x).relu()]
        for level in 0..<configuration.levels {
            var h = down[level](features[level]).relu()
            h = h + smooth[level](h).relu()
            features.append(h)
        }
        var g = features[configuration.levels]
        for level in stride(from: configuration.levels - 1, through: 0, by: -1) {
            g = features[level] + up[level](g)
            g = g + post[level](g).relu()
        }
        // q = s·r + project(g)
        var q = project(g) + x * inputWeight.variable.reshaped([1, 1] + [Int](repeating: 1, count: d))
        if extra.contains(where: { $0 > 0 }) {
            q = q.sliced([nil, nil] + spatial.map { 0..<$0 })
        }
        return q
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
