import TensorCore

/// Convolution and its two adjoint maps as differentiable operations.
///
/// With `y = C(x, w)` bilinear, `C_xᵀ` its adjoint in `x` (the transposed convolution) and `C_wᵀ`
/// its adjoint in `w`:
/// ```
/// y = C(x, w):        x̄ = C_xᵀ(ȳ, w),       w̄ = C_wᵀ(x, ȳ)
/// z = C_xᵀ(g, w):     ḡ = C(z̄, w),          w̄ = C_wᵀ(z̄, g)
/// v = C_wᵀ(x, g):     x̄ = C_xᵀ(g, v̄),       ḡ = C(x, v̄)
/// ```
/// The three close under differentiation, so convolutions have derivatives of every order.
extension Variable {
    /// `y[b, o, j] = Σ_{c,k} w[o, c, k] x[b, c, j·s − p + k·δ]` with zero padding.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func convolution(_ input: Variable, weight: Variable, geometry: ConvolutionGeometry) -> Variable {
        recording(Tensor.convolution(input.value, weight: weight.value, geometry: geometry),
                  operation: "convolution", inputs: [input, weight]) { g in
            [input.requiresGradient ? convolutionTransposed(g, weight: weight, geometry: geometry) : nil,
             weight.requiresGradient ? convolutionWeightGradient(input, outputGradient: g, geometry: geometry) : nil]
        }
    }

    /// Transposed convolution `C_xᵀ(g, w)`: maps `[B, Cout, O…]` to `[B, C, S…]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func convolutionTransposed(_ outputGradient: Variable, weight: Variable, geometry: ConvolutionGeometry) -> Variable {
        recording(Tensor.convolutionTransposed(outputGradient.value, weight: weight.value, geometry: geometry),
                  operation: "convolutionTransposed", inputs: [outputGradient, weight]) { z in
            [outputGradient.requiresGradient ? convolution(z, weight: weight, geometry: geometry) : nil,
             weight.requiresGradient ? convolutionWeightGradient(z, outputGradient: outputGradient, geometry: geometry) : nil]
        }
    }

    /// `C_wᵀ(x, g)`: the gradient of a convolution's weight, as a differentiable map of `x` and `g`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func convolutionWeightGradient(_ input: Variable, outputGradient: Variable, geometry: ConvolutionGeometry) -> Variable {
        recording(Tensor.convolutionWeightGradient(input.value, outputGradient: outputGradient.value, geometry: geometry),
                  operation: "convolutionWeightGradient", inputs: [input, outputGradient]) { v in
            [input.requiresGradient ? convolutionTransposed(outputGradient, weight: v, geometry: geometry) : nil,
             outputGradient.requiresGradient ? convolution(input, weight: v, geometry: geometry) : nil]
        }
    }
}
