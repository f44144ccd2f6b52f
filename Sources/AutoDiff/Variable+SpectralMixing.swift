import TensorCore

/// Per-mode complex channel mixing of a half spectrum, as a differentiable operation.
///
/// With `X_k` the `[B, C_in]` complex matrix of the spectrum at retained mode `k` and `W_k` the
/// `[C_in, C_out]` weight of that mode (gradients of complex entries taken as `∂L/∂Re + i ∂L/∂Im`):
/// ```
/// Y = M(X, W):   Y_k = X_k W_k       X̄ = A(Ȳ, W),   W̄ = Q(X, Ȳ)
/// X = A(G, W):   X_k = G_k W_kᴴ      Ḡ = M(X̄, W),   W̄ = Q(X̄, G)
/// W = Q(X, G):   W_k = X_kᴴ G_k      X̄ = A(G, W̄),   Ḡ = M(X, W̄)
/// ```
/// The three maps are closed under pullback, so the operation can be differentiated twice.
/// Reference: Li et al., "Fourier Neural Operator for Parametric PDEs", ICLR 2021.
extension Variable {
    /// `Y_k = X_k W_k` on the retained modes (`modeOffsets`, see `Tensor.retainedModeOffsets`), zero elsewhere.
    /// - Parameters:
    ///   - spectrum: `[B, C_in, s…, 2]`.
    ///   - weights: `[K, C_in, C_out, 2]`.
    public static func spectralMixing(_ spectrum: Variable, _ weights: Variable, modeOffsets: [Int]) -> Variable {
        let result = Tensor.spectralModeProduct(spectrum: spectrum.value, weights: weights.value, modeOffsets: modeOffsets)
        return recording(result, operation: "spectralMixing", inputs: [spectrum, weights]) { g in
            [spectrum.requiresGradient ? spectralMixingAdjoint(g, weights, modeOffsets: modeOffsets) : nil,
             weights.requiresGradient ? spectralMixingWeightGradient(spectrum, g, modeOffsets: modeOffsets) : nil]
        }
    }

    /// `X_k = G_k W_kᴴ` on the retained modes, zero elsewhere (the adjoint of `spectralMixing` in the spectrum).
    public static func spectralMixingAdjoint(_ cotangent: Variable, _ weights: Variable, modeOffsets: [Int]) -> Variable {
        let result = Tensor.spectralModeProduct(spectrum: cotangent.value, weights: weights.value,
                                                modeOffsets: modeOffsets, conjugateTransposeWeights: true)
        return recording(result, operation: "spectralMixingAdjoint", inputs: [cotangent, weights]) { h in
            [cotangent.requiresGradient ? spectralMixing(h, weights, modeOffsets: modeOffsets) : nil,
             weights.requiresGradient ? spectralMixingWeightGradient(h, cotangent, modeOffsets: modeOffsets) : nil]
        }
    }

    /// `W_k = X_kᴴ G_k` for every retained mode: `[K, C_in, C_out, 2]`.
    public static func spectralMixingWeightGradient(_ spectrum: Variable, _ cotangent: Variable, modeOffsets: [Int]) -> Variable {
        let result = Tensor.spectralModeWeightGradient(spectrum: spectrum.value, cotangent: cotangent.value, modeOffsets: modeOffsets)
        return recording(result, operation: "spectralMixingWeightGradient", inputs: [spectrum, cotangent]) { k in
            [spectrum.requiresGradient ? spectralMixingAdjoint(cotangent, k, modeOffsets: modeOffsets) : nil,
             cotangent.requiresGradient ? spectralMixing(spectrum, k, modeOffsets: modeOffsets) : nil]
        }
    }
}
