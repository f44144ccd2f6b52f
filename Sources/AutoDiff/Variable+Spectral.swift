import TensorCore

/// Real FFTs as differentiable operations.
///
/// With `N = n₁⋯n_d`, and `c_k = 2` on the interior bins of the last (halved) axis and `1` on its
/// `k_d = 0` and `k_d = n_d/2` planes, the maps and their adjoints (as real-linear maps on
/// (re, im) pairs) are
/// ```
/// X = rfft(x):       x̄ = N · irfft(X̄ ⊙ (1/c))
/// x = irfft(X):      X̄ = (1/N) · c ⊙ rfft(x̄)
/// ```
/// Both pullbacks are again FFTs, so FFT layers can be differentiated twice.
extension Variable {
    /// Forward real FFT over the last `dimensionCount` axes (unnormalized).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func rfft(dimensionCount: Int) -> Variable {
        let lastSize = shape[rank - 1]
        let total = Scalar(shape.suffix(dimensionCount).reduce(1, *))
        let weights = Variable.edgeWeights(lastSize: lastSize, inverse: true)
        return Variable.recording(value.rfft(dimensionCount: dimensionCount), operation: "rfft", inputs: [self]) { g in
            [(g * weights).irfft(dimensionCount: dimensionCount, lastSize: lastSize) * total]
        }
    }

    /// Inverse real FFT over the last `dimensionCount` axes, scaled by `1/N`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func irfft(dimensionCount: Int, lastSize: Int) -> Variable {
        let result = value.irfft(dimensionCount: dimensionCount, lastSize: lastSize)
        let total = Scalar(result.shape.suffix(dimensionCount).reduce(1, *))
        let weights = Variable.edgeWeights(lastSize: lastSize, inverse: false)
        return Variable.recording(result, operation: "irfft", inputs: [self]) { g in
            [g.rfft(dimensionCount: dimensionCount) * weights * (1 / total)]
        }
    }

    /// `c_k` (or `1/c_k`) as a `[n_d/2 + 1, 1]` tensor broadcasting over a half spectrum.
    static func edgeWeights(lastSize: Int, inverse: Bool) -> Tensor<Scalar> {
        let bins = lastSize / 2 + 1
        let weights = (0..<bins).map { k -> Scalar in
            let isEdge = k == 0 || (lastSize % 2 == 0 && k == lastSize / 2)
            let c: Scalar = isEdge ? 1 : 2
            return inverse ? 1 / c : c
        }
        return Tensor(uncheckedShape: [bins, 1], scalars: weights)
    }

    /// Elementwise complex product of interleaved complex variables (broadcasting).
    /// Pullbacks: `ā = Σ_bcast ḡ ⊙ conj(b)`, `b̄ = Σ_bcast ḡ ⊙ conj(a)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func complexMultiply(_ a: Variable, _ b: Variable) -> Variable {
        precondition(a.shape.last == 2 && b.shape.last == 2, "complexMultiply needs interleaved complex variables")
        let product = complexProduct(a.value, b.value)
        return recording(product, operation: "complexMultiply", inputs: [a, b]) { g in
            [a.requiresGradient ? complexMultiply(g, b.complexConjugate()).summed(toShape: a.shape) : nil,
             b.requiresGradient ? complexMultiply(g, a.complexConjugate()).summed(toShape: b.shape) : nil]
        }
    }

    static func complexProduct(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> {
        // (ar + i ai)(br + i bi) via broadcasting over the complex axis pairs.
        let ar = a.sliced(alongAxis: -1, 0..<1), ai = a.sliced(alongAxis: -1, 1..<2)
        let br = b.sliced(alongAxis: -1, 0..<1), bi = b.sliced(alongAxis: -1, 1..<2)
        let real = ar * br - ai * bi, imaginary = ar * bi + ai * br
        do { return try Tensor.concatenated([real, imaginary], alongAxis: -1) } catch { preconditionFailure("\(error)") }
    }
}
