import TensorCore
import AutoDiff
import NeuralLayers

/// PDEKit's earlier MgNO V-cycle (``MgNOCycle/residualRestriction``), kept so that checkpoints written
/// before the paper's cycle became the default still load. It differs from the official code's
/// `MgConv_DC` (see ``MultigridConvolution``): it restricts the residual, one `A` per level (level 0
/// included) serves every smoothing step of its level, and each 24→24 cycle costs about 41.3 instead of
/// 26.3 c²N² multiply-adds.
///
/// The input `f` (`c_in` channels) plays the role of a right-hand side and the output `u`
/// (`c_out` channels) of an approximate solution of `A u = f`. With levels `ℓ = 1…J` (finest
/// first; level `ℓ` has grid size `N / 2^(ℓ−1)`), starting from `u^{1,0} = 0`, `f^1 = f`:
///
/// ```
/// pre-smoothing on level ℓ, i = 1…ν_ℓ:
///     u^{ℓ,i} = u^{ℓ,i−1} + S^{ℓ,i} ∗ (f^ℓ − A^ℓ ∗ u^{ℓ,i−1})          (so u^{1,1} = S^{1,1} ∗ f)
/// restriction to level ℓ+1 (full-approximation form):
///     u^{ℓ+1,0} = Π^{ℓ+1}_ℓ ∗₂ u^{ℓ,ν_ℓ}
///     f^{ℓ+1}   = R^{ℓ+1}_ℓ ∗₂ (f^ℓ − A^ℓ ∗ u^{ℓ,ν_ℓ}) + A^{ℓ+1} ∗ u^{ℓ+1,0}
/// prolongation, ℓ = J−1 … 1:
///     u^ℓ = u^{ℓ,ν_ℓ} + P^ℓ_{ℓ+1} ∗ᵀ₂ u^{ℓ+1}
/// output u^1
/// ```
/// `A^ℓ` (`c_out → c_in`) and `S^{ℓ,i}` (`c_in → c_out`) are 3×3 convolutions (stride 1, padding 1
/// in the boundary `paddingMode`); `A^ℓ` is shared by all smoothing steps of a level, each step has
/// its own `S^{ℓ,i}`. `R` (`c_in → c_in`) and `Π` (`c_out → c_out`) are 3×3 stride-2 convolutions
/// (padding 1), `P` (`c_out → c_out`) is a 4×4 stride-2 transposed convolution (padding 1, zero
/// boundary), which doubles the grid. No biases: the cycle is linear in `f`.
///
/// The prolongation adds the full coarse iterate `u^{ℓ+1}` (which began from `Π u^ℓ`), as in the
/// paper's full-approximation form. With `Π = 0` the cycle is the classical correction scheme:
/// `f^{ℓ+1}` is the restricted residual and `u^{ℓ+1}` its coarse correction.
///
/// Spatial sizes must be multiples of `2^(J−1)` (``MgNO`` pads and crops when they are not).
public struct ResidualRestrictionMultigridConvolution<Scalar: TensorScalar>: Layer {
    /// `A^ℓ`, one per level.
    public let operators: [Convolution<Scalar>]
    /// `S^{ℓ,i}`, `smoothers[ℓ][i]`.
    public let smoothers: [[Convolution<Scalar>]]
    /// `R^{ℓ+1}_ℓ` (residual restriction), `levels − 1` of them.
    public let residualRestrictions: [Convolution<Scalar>]
    /// `Π^{ℓ+1}_ℓ` (iterate restriction), `levels − 1` of them.
    public let solutionRestrictions: [Convolution<Scalar>]
    /// `P^ℓ_{ℓ+1}`, `levels − 1` of them.
    public let prolongations: [ConvolutionTranspose<Scalar>]

    public var levels: Int { operators.count }

    /// - Parameters:
    ///   - smoothingSteps: `ν_ℓ` per level, finest first (each ≥ 1); its count is the level count.
    ///   - spatialDimensions: 1–3.
    /// Weights are drawn uniformly in `±1/√fan-in` (PyTorch's default for convolutions).
    public init(inputChannels: Int, outputChannels: Int, smoothingSteps: [Int], spatialDimensions: Int = 2,
                paddingMode: PaddingMode = .zero, generator: inout SeededRandomNumberGenerator) {
        precondition(!smoothingSteps.isEmpty && smoothingSteps.allSatisfy { $0 >= 1 }, "each level needs ≥ 1 smoothing step")
        let d = spatialDimensions
        let k3 = [Int](repeating: 3, count: d), k4 = [Int](repeating: 4, count: d)
        let volume3 = Int(pow(3.0, Double(d)))
        func conv(_ cin: Int, _ cout: Int, stride: Int) -> Convolution<Scalar> {
            Convolution(inputChannels: cin, outputChannels: cout, kernelSize: k3, stride: [stride], padding: [1],
                        paddingMode: paddingMode, useBias: false,
                        initializer: .uniform(bound: 1 / Double(cin * volume3).squareRoot()), generator: &generator)
        }
        var operators: [Convolution<Scalar>] = [], smoothers: [[Convolution<Scalar>]] = []
        var residualRestrictions: [Convolution<Scalar>] = [], solutionRestrictions: [Convolution<Scalar>] = []
        var prolongations: [ConvolutionTranspose<Scalar>] = []
        for (level, steps) in smoothingSteps.enumerated() {
            operators.append(conv(outputChannels, inputChannels, stride: 1))
            smoothers.append((0..<steps).map { _ in conv(inputChannels, outputChannels, stride: 1) })
            if level + 1 < smoothingSteps.count {
                residualRestrictions.append(conv(inputChannels, inputChannels, stride: 2))
                solutionRestrictions.append(conv(outputChannels, outputChannels, stride: 2))
                let p = ConvolutionTranspose<Scalar>(inputChannels: outputChannels, outputChannels: outputChannels,
                                                     kernelSize: k4, stride: [2], padding: [1], useBias: false,
                                                     generator: &generator)
                // Rescale Kaiming-uniform (±√(6/fan)) to ±1/√fan with fan = c_out·4^d.
                p.weight.value = p.weight.value * Scalar(1 / 6.0.squareRoot())
                prolongations.append(p)
            }
        }
        self.operators = operators
        self.smoothers = smoothers
        self.residualRestrictions = residualRestrictions
        self.solutionRestrictions = solutionRestrictions
        self.prolongations = prolongations
    }

    public var inputChannels: Int { operators[0].outputChannels }
    public var outputChannels: Int { operators[0].inputChannels }

    /// Applies one V-cycle to `f` (`[batch, c_in, spatial…]`), giving `[batch, c_out, spatial…]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        let d = input.rank - 2
        let divisor = 1 << (levels - 1)
        precondition(input.shape.suffix(d).allSatisfy { $0 % divisor == 0 },
                     "ResidualRestrictionMultigridConvolution needs spatial sizes divisible by \(divisor), got \(input.shape)")
        var iterates: [Variable<Scalar>] = []
        iterates.reserveCapacity(levels)
        var f = input
        var u: Variable<Scalar>? = nil
        for level in 0..<levels {
            let a = operators[level]
            if level > 0 {
                // Restrict the iterate and the residual of the finer level (full-approximation form).
                let fine = iterates[level - 1]
                let residual = f - operators[level - 1](fine)
                let coarse = solutionRestrictions[level - 1](fine)
                f = residualRestrictions[level - 1](residual) + a(coarse)
                u = coarse
            }
            for smoother in smoothers[level] {
                if let current = u {
                    u = current + smoother(f - a(current))
                } else {
                    u = smoother(f)   // u^{1,0} = 0
                }
            }
            iterates.append(u!)
        }
        var result = iterates[levels - 1]
        for level in stride(from: levels - 2, through: 0, by: -1) {
            result = iterates[level] + prolongations[level](result)
        }
        return result
    }

    public func visitParameters(prefix: String, _ visit: (String, Parameter<Scalar>) -> Void) {
        for level in 0..<levels {
            let path = parameterPath(prefix, "levels.\(level)")
            operators[level].visitParameters(prefix: parameterPath(path, "A"), visit)
            for (i, s) in smoothers[level].enumerated() { s.visitParameters(prefix: parameterPath(path, "S.\(i)"), visit) }
            if level + 1 < levels {
                residualRestrictions[level].visitParameters(prefix: parameterPath(path, "R"), visit)
                solutionRestrictions[level].visitParameters(prefix: parameterPath(path, "Pi"), visit)
                prolongations[level].visitParameters(prefix: parameterPath(path, "P"), visit)
            }
        }
    }
}

import Foundation
