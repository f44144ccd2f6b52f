import TensorCore

/// Matrix products and their pullbacks.
///
/// Real (`G = C̄`):
/// ```
/// C = A B:    Ā = G Bᵀ,   B̄ = Aᵀ G        C = Aᵀ B:   Ā = B Gᵀ,   B̄ = A G
/// C = A Bᵀ:   Ā = G B,    B̄ = Gᵀ A        C = Aᵀ Bᵀ:  Ā = Bᵀ Gᵀ,  B̄ = Gᵀ Aᵀ
/// ```
/// Complex, with the gradient of a complex entry taken as `∂L/∂Re + i ∂L/∂Im`:
/// ```
/// C = A B:    Ā = G Bᴴ,   B̄ = Aᴴ G        C = Aᴴ B:   Ā = B Gᴴ,   B̄ = A G
/// C = A Bᴴ:   Ā = G B,    B̄ = Gᴴ A        C = Aᴴ Bᴴ:  Ā = Bᴴ Gᴴ,  B̄ = Gᴴ Aᴴ
/// ```
/// A shared (unbatched) operand's gradient is summed over the batch.
extension Variable {
    /// `op(a) · op(b)`, batched over leading axes.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func matmul(_ a: Variable, _ b: Variable, transposeA: Bool = false, transposeB: Bool = false) -> Variable {
        let result = Tensor.matmul(a.value, b.value, transposeA: transposeA, transposeB: transposeB)
        return recording(result, operation: "matmul", inputs: [a, b]) { g in
            let gradientA: Variable?, gradientB: Variable?
            switch (transposeA, transposeB) {
            case (false, false):
                gradientA = a.requiresGradient ? matmul(g, b, transposeB: true) : nil
                gradientB = b.requiresGradient ? sharedOperandProduct(a, g, transposeFirst: true, result: b.shape) : nil
            case (true, false):
                gradientA = a.requiresGradient ? matmul(b, g, transposeB: true) : nil
                gradientB = b.requiresGradient ? matmul(a, g) : nil
            case (false, true):
                gradientA = a.requiresGradient ? matmul(g, b) : nil
                gradientB = b.requiresGradient ? sharedOperandProduct(g, a, transposeFirst: true, result: b.shape) : nil
            case (true, true):
                gradientA = a.requiresGradient ? matmul(b, g, transposeA: true, transposeB: true) : nil
                gradientB = b.requiresGradient ? matmul(g, a, transposeA: true, transposeB: true) : nil
            }
            return [gradientA?.summed(toShape: a.shape), gradientB?.summed(toShape: b.shape)]
        }
    }

    /// `Σ_batch xᵀ y` for a rank-2 result when `x` and `y` are batched (folds the batch into rows).
    static func sharedOperandProduct(_ x: Variable, _ y: Variable, transposeFirst: Bool, result: [Int]) -> Variable {
        if result.count == 2 && x.rank > 2 && y.rank > 2 {
            let xr = x.reshaped([-1, x.shape[x.rank - 1]]), yr = y.reshaped([-1, y.shape[y.rank - 1]])
            return matmul(xr, yr, transposeA: transposeFirst)
        }
        return matmul(x, y, transposeA: transposeFirst)
    }

    /// Complex `op(a) · op(b)` on interleaved `[…, rows, columns, 2]` variables.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func complexMatmul(
        _ a: Variable, _ b: Variable, conjugateTransposeA: Bool = false, conjugateTransposeB: Bool = false
    ) -> Variable {
        let result = Tensor.complexMatmul(a.value, b.value, conjugateTransposeA: conjugateTransposeA,
                                          conjugateTransposeB: conjugateTransposeB)
        return recording(result, operation: "complexMatmul", inputs: [a, b]) { g in
            let gradientA: Variable?, gradientB: Variable?
            switch (conjugateTransposeA, conjugateTransposeB) {
            case (false, false):
                gradientA = a.requiresGradient ? complexMatmul(g, b, conjugateTransposeB: true) : nil
                gradientB = b.requiresGradient ? complexMatmul(a, g, conjugateTransposeA: true) : nil
            case (true, false):
                gradientA = a.requiresGradient ? complexMatmul(b, g, conjugateTransposeB: true) : nil
                gradientB = b.requiresGradient ? complexMatmul(a, g) : nil
            case (false, true):
                gradientA = a.requiresGradient ? complexMatmul(g, b) : nil
                gradientB = b.requiresGradient ? complexMatmul(g, a, conjugateTransposeA: true) : nil
            case (true, true):
                gradientA = a.requiresGradient ? complexMatmul(b, g, conjugateTransposeA: true, conjugateTransposeB: true) : nil
                gradientB = b.requiresGradient ? complexMatmul(g, a, conjugateTransposeA: true, conjugateTransposeB: true) : nil
            }
            return [gradientA?.summed(toShape: a.shape), gradientB?.summed(toShape: b.shape)]
        }
    }

    /// Complex conjugate of an interleaved complex variable (linear, self-adjoint as a real map).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func complexConjugate() -> Variable {
        Variable.recording(value.complexConjugate(), operation: "conjugate", inputs: [self]) { g in [g.complexConjugate()] }
    }
}
