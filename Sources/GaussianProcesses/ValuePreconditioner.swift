import DenseLinearAlgebra

/// A change of variables `U = L₁ V L₂ᵀ` for the grid values (one factor in 1-D), with its inverse.
struct ValuePreconditioner: Sendable {
    var left: [DenseMatrix]
    var leftInverse: [DenseMatrix]

    /// `U = L₁ V L₂ᵀ`.
    func apply(_ v: DenseMatrix) -> DenseMatrix {
        var u = left[0] * v
        if left.count == 2 { u = DenseMatrix.product(u, left[1], transposeB: true) }
        return u
    }

    /// `∇_V = L₁ᵀ ∇_U L₂`.
    func applyTranspose(_ g: DenseMatrix) -> DenseMatrix {
        var r = DenseMatrix.product(left[0], g, transposeA: true)
        if left.count == 2 { r = r * left[1] }
        return r
    }

    /// `V = L₁⁻¹ U L₂⁻ᵀ`.
    func invert(_ u: DenseMatrix) -> DenseMatrix {
        var v = leftInverse[0] * u
        if leftInverse.count == 2 { v = DenseMatrix.product(v, leftInverse[1], transposeB: true) }
        return v
    }
}
