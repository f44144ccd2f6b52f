import TensorCore
import AutoDiff

/// One weighted term of a PINN loss: residuals `r(θ)` at a set of points, contributing
/// `w · mean_n r_n²`.
///
/// ```
/// L(θ) = Σ_terms w_k · (1/N_k) Σ_n r_k(x_n; θ)²
/// ```
/// A PDE term computes its residual from `FieldDerivatives`; boundary, initial, normalization and
/// orthogonality terms are built the same way. A term with a `sampler` can be resampled or
/// refined (residual-based adaptive refinement) during training.
public struct PINNLossTerm<Scalar: TensorScalar> {
    /// Name used in logs (`"pde"`, `"boundary"`, `"initial"`, `"normalization"`).
    public let name: String
    /// Weight `w_k`.
    public var weight: Double
    /// Points `[N, d]` (may be a placeholder for global terms such as a normalization integral).
    public var points: Tensor<Scalar>
    /// Residuals at the points, `[N, 1]` (or any shape; the loss is the mean of the squares).
    public let residual: (PINNModel<Scalar>, Tensor<Scalar>) -> Variable<Scalar>
    /// Draws `count` new candidate points (row-major `[count, d]`) for resampling, or nil.
    public let sampler: ((Int, inout SeededRandomNumberGenerator) -> [Double])?

    public init(name: String, weight: Double = 1, points: Tensor<Scalar>,
                sampler: ((Int, inout SeededRandomNumberGenerator) -> [Double])? = nil,
                residual: @escaping (PINNModel<Scalar>, Tensor<Scalar>) -> Variable<Scalar>) {
        self.name = name
        self.weight = weight
        self.points = points
        self.sampler = sampler
        self.residual = residual
    }

    /// A PDE residual term: `residual(∂u, model)` from the derivatives of the model at the points;
    /// `secondDerivativeAxes` lists the ∂²/∂x_i² the residual uses (all by default).
    public static func pde(name: String = "pde", weight: Double = 1, points: Tensor<Scalar>,
                           sampler: ((Int, inout SeededRandomNumberGenerator) -> [Double])? = nil,
                           secondDerivativeAxes: [Int]? = nil,
                           residual: @escaping (FieldDerivatives<Scalar>, PINNModel<Scalar>) -> Variable<Scalar>) -> PINNLossTerm {
        PINNLossTerm(name: name, weight: weight, points: points, sampler: sampler) { model, x in
            residual(model.derivatives(at: x, secondAxes: secondDerivativeAxes), model)
        }
    }

    /// `mean r²` as a scalar variable.
    public func meanSquare(model: PINNModel<Scalar>) -> Variable<Scalar> {
        let r = residual(model, points)
        return (r * r).mean()
    }
}

extension Tensor {
    /// Row-major `[N, d]` points as a tensor.
    public static func points(_ values: [Double], dimension: Int) -> Tensor {
        precondition(values.count % dimension == 0, "point coordinates must be a multiple of the dimension")
        return Tensor(uncheckedShape: [values.count / dimension, dimension], scalars: values.map { Scalar($0) })
    }
}
