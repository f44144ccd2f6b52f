import Foundation
import TensorCore
import Training

/// neuraloperator's `LpLoss` and `H1Loss` (`neuralop.losses.data_losses`, 2.0) with their defaults,
/// as its `Trainer` reports them on a test set: the `"sum"` reduction over samples *and channels*,
/// divided by the number of samples.
///
/// For fields `x, y: [B, C, n₁, …, n_d]`, per sample `b` and channel `c` (norms over the grid):
/// ```
/// Lp:  ‖x − y‖_p / (‖y‖_p + ε)
/// H1:  √(‖x − y‖² + Σ_j ‖D_j x − D_j y‖²) / (√(‖y‖² + Σ_j ‖D_j y‖²) + ε)
/// ```
/// `ε = 1e-8`; `D_j` the periodic central difference along axis `j`,
/// `(u_{i+1} − u_{i−1}) / (2h_j)`, `h_j = 1/n_j` (neuraloperator's uniform quadrature with measure 1).
/// PDEKit's own `Loss.relativeLp`/`relativeH1` differ (see `evaluate --help`), so the same model
/// gives different numbers under the two conventions.
public enum NeuraloperatorMetrics {
    public static let epsilon = 1e-8

    /// Both losses as `pdekit evaluate --metric-convention neuraloperator` computes its errors.
    public static var errorConvention: OperatorEvaluationRun.ErrorConvention {
        { (lpLoss($0, $1, spatialDimensions: $2), h1Loss($0, $1, spatialDimensions: $2)) }
    }

    /// `LpLoss(d, p)(x, y) / B`.
    public static func lpLoss(_ prediction: Tensor<Float>, _ target: Tensor<Float>, spatialDimensions d: Int, p: Double = 2) -> Double {
        precondition(prediction.shape == target.shape && target.rank == d + 2, "lpLoss: shapes \(prediction.shape) and \(target.shape)")
        let (fields, points) = (target.shape[0] * target.shape[1], target.shape.suffix(d).reduce(1, *))
        let x = prediction.scalars, y = target.scalars
        var total = 0.0
        for field in 0..<fields {
            var difference = 0.0, norm = 0.0
            for index in (field * points)..<((field + 1) * points) {
                difference += Foundation.pow(abs(Double(x[index]) - Double(y[index])), p)
                norm += Foundation.pow(abs(Double(y[index])), p)
            }
            total += p == 1 ? difference / (norm + epsilon) : Foundation.pow(difference, 1 / p) / (Foundation.pow(norm, 1 / p) + epsilon)
        }
        return total / Double(target.shape[0])
    }

    /// `H1Loss(d)(x, y) / B` (periodic central differences on every axis).
    public static func h1Loss(_ prediction: Tensor<Float>, _ target: Tensor<Float>, spatialDimensions d: Int) -> Double {
        precondition(prediction.shape == target.shape && target.rank == d + 2 && (1...3).contains(d), "h1Loss: shapes \(prediction.shape) and \(target.shape)")
        let grid = Array(target.shape.suffix(d))
        let points = grid.reduce(1, *), fields = target.shape[0] * target.shape[1]
        let strides = Tensor<Float>.contiguousStrides(for: grid)
        let x = prediction.scalars, y = target.scalars
        var total = 0.0
        for field in 0..<fields {
            let base = field * points
            var difference = 0.0, norm = 0.0
            for point in 0..<points {
                let e = Double(x[base + point]) - Double(y[base + point])
                difference += e * e
                norm += Double(y[base + point]) * Double(y[base + point])
                for axis in 0..<d {
                    let n = grid[axis], stride = strides[axis]
                    let i = (point / stride) % n
                    let next = point + ((i + 1) % n - i) * stride, previous = point + ((i + n - 1) % n - i) * stride
                    let twoH = 2.0 / Double(n)
                    let dx = (Double(x[base + next]) - Double(x[base + previous])) / twoH
                    let dy = (Double(y[base + next]) - Double(y[base + previous])) / twoH
                    difference += (dx - dy) * (dx - dy)
                    norm += dy * dy
                }
            }
            total += difference.squareRoot() / (norm.squareRoot() + epsilon)
        }
        return total / Double(target.shape[0])
    }
}
