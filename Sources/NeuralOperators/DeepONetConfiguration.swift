import NeuralLayers

/// The architecture of a DeepONet: branch and trunk widths, activation, outputs, POD and normalization.
///
/// With `K = outputCount` and `p` basis functions per output, the branch net's last width and the
/// trunk net's last width are both `p K` ("split both" in DeepXDE's terms): output `k` uses features
/// `k p ..< (k + 1) p` of each net. With `trunk == .podModes(p)` the trunk is replaced by `p` POD
/// modes of the training targets and the branch's last width must be `p K`.
///
/// References: L. Lu, P. Jin, G. Pang, Z. Zhang, G. E. Karniadakis, "Learning nonlinear operators via
/// DeepONet based on the universal approximation theorem of operators", Nature Machine Intelligence 3
/// (2021) 218–229; L. Lu et al., "A comprehensive and fair comparison of two neural operators (with
/// practical extensions) based on FAIR data", CMAME 393 (2022) 114778 (POD-DeepONet).
public struct DeepONetConfiguration: Codable, Sendable, Equatable {
    /// How the trunk basis `t_k(y)` is produced.
    public enum TrunkKind: String, Codable, Sendable, CaseIterable {
        /// A trained MLP on the query coordinates (the original DeepONet).
        case network
        /// Fixed POD modes of the (centred) training targets (POD-DeepONet); needs aligned data.
        case podModes
    }

    /// Widths of the branch MLP, `[m, h₁, …, p K]` (`m` sensors).
    public var branchWidths: [Int]
    /// Widths of the trunk MLP, `[d, h₁, …, p K]` (`d` coordinates); unused for `.podModes`.
    public var trunkWidths: [Int]
    /// Hidden activation of both nets.
    public var activation: Activation
    /// Apply the activation to the trunk's last layer too. DeepXDE does
    /// (`activation_trunk(trunk(x_loc))` in `DeepONet` and `DeepONetCartesianProd`); the branch's
    /// last layer stays linear.
    public var activateTrunkOutput: Bool
    /// Number of output components `K`.
    public var outputCount: Int
    /// Network trunk or POD-mode trunk.
    public var trunkKind: TrunkKind
    /// Standardise branch inputs (per sensor) and trunk coordinates (per axis) with training statistics.
    public var normalizesInputs: Bool

    public init(branchWidths: [Int], trunkWidths: [Int], activation: Activation = .relu,
                activateTrunkOutput: Bool = true, outputCount: Int = 1, trunkKind: TrunkKind = .network,
                normalizesInputs: Bool = false) {
        self.branchWidths = branchWidths
        self.trunkWidths = trunkWidths
        self.activation = activation
        self.activateTrunkOutput = activateTrunkOutput
        self.outputCount = outputCount
        self.trunkKind = trunkKind
        self.normalizesInputs = normalizesInputs
    }

    /// DeepXDE's `antiderivative_aligned` example: branch [100, 40, 40], trunk [1, 40, 40], ReLU.
    public static let antiderivative = DeepONetConfiguration(branchWidths: [100, 40, 40], trunkWidths: [1, 40, 40])

    /// Basis functions per output, `p`.
    public var basisCount: Int { (branchWidths.last ?? 0) / max(outputCount, 1) }

    /// Checks the widths agree with each other; throws a `DeepONetError` that names the problem.
    public func validate() throws {
        guard branchWidths.count >= 2, branchWidths.allSatisfy({ $0 > 0 }) else {
            throw DeepONetError.invalidConfiguration("branch widths \(branchWidths) need at least two positive entries")
        }
        guard outputCount >= 1 else { throw DeepONetError.invalidConfiguration("outputCount must be ≥ 1") }
        guard branchWidths.last! % outputCount == 0 else {
            throw DeepONetError.invalidConfiguration("branch output width \(branchWidths.last!) is not a multiple of \(outputCount) outputs")
        }
        if trunkKind == .network {
            guard trunkWidths.count >= 2, trunkWidths.allSatisfy({ $0 > 0 }) else {
                throw DeepONetError.invalidConfiguration("trunk widths \(trunkWidths) need at least two positive entries")
            }
            guard trunkWidths.last! == branchWidths.last! else {
                throw DeepONetError.invalidConfiguration("branch and trunk output widths differ (\(branchWidths.last!) vs \(trunkWidths.last!))")
            }
        }
    }
}
