import Foundation
import TensorCore
import AutoDiff

/// Training losses for fields on grids, batch first.
///
/// ```
/// mse(u, v)            = mean (u − v)²
/// relativeLp(u, v)     = mean_b ‖u_b − v_b‖_p / ‖v_b‖_p
/// relativeH1(u, v)     = mean_b ‖u_b − v_b‖_H1 / ‖v_b‖_H1,
///                        ‖e‖²_H1 = Σ_k (1 + |2πk|²) |ê_k|²   (periodic grid on [0, 1)^d, FFT over d axes)
/// ```
/// The relative losses are scale-free per sample, as in the FNO paper; H1 also weighs gradients.
public enum Loss {
    /// Mean squared error.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func meanSquaredError<Scalar>(_ prediction: Variable<Scalar>, _ target: Variable<Scalar>) -> Variable<Scalar> {
        (prediction - target).squared().mean()
    }

    /// Mean over the batch of the relative Lp error of each sample (p ≥ 1).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func relativeLp<Scalar>(_ prediction: Variable<Scalar>, _ target: Variable<Scalar>, p: Scalar = 2) -> Variable<Scalar> {
        precondition(prediction.shape == target.shape, "relativeLp: shapes \(prediction.shape) and \(target.shape) differ")
        let batch = prediction.shape[0]
        let difference = (prediction - target).reshaped([batch, -1])
        let reference = target.reshaped([batch, -1])
        func norm(_ v: Variable<Scalar>) -> Variable<Scalar> {
            if p == 2 { return (v * v).sum(alongAxes: [1]).squareRoot() }
            return v.absoluteValue().power(p).sum(alongAxes: [1]).power(1 / p)
        }
        return (norm(difference) / norm(reference)).mean()
    }

    /// Mean over the batch of the relative H1 error on a periodic grid over the last
    /// `spatialDimensions` axes (domain `[0, 1)` per axis).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func relativeH1<Scalar>(_ prediction: Variable<Scalar>, _ target: Variable<Scalar>, spatialDimensions: Int) -> Variable<Scalar> {
        precondition(prediction.shape == target.shape, "relativeH1: shapes \(prediction.shape) and \(target.shape) differ")
        let sizes = Array(prediction.shape.suffix(spatialDimensions))
        let weights = sobolevWeights(sizes: sizes, type: Scalar.self)
        let batch = prediction.shape[0]
        func squaredNorm(_ v: Variable<Scalar>) -> Variable<Scalar> {
            let spectrum = v.rfft(dimensionCount: spatialDimensions)
            let power = (spectrum * spectrum).sum(alongAxes: [-1])       // |ê_k|²
            return (power * weights).reshaped([batch, -1]).sum(alongAxes: [1])
        }
        return (squaredNorm(prediction - target) / squaredNorm(target)).squareRoot().mean()
    }

    /// `c_k (1 + |2πk|²)` on the half spectrum, `c_k` counting each interior bin of the halved axis twice.
    static func sobolevWeights<Scalar: TensorScalar>(sizes: [Int], type: Scalar.Type) -> Tensor<Scalar> {
        var spectral = sizes
        spectral[spectral.count - 1] = sizes.last! / 2 + 1
        let strides = Tensor<Scalar>.contiguousStrides(for: spectral)
        let count = spectral.reduce(1, *)
        return Tensor(shape: spectral) { out in
            for flat in 0..<count {
                var squared = 0.0
                var edgeFactor = 1.0
                for axis in 0..<sizes.count {
                    let index = (flat / strides[axis]) % spectral[axis]
                    let n = sizes[axis]
                    let k: Int
                    if axis == sizes.count - 1 {
                        k = index
                        let isEdge = index == 0 || (n % 2 == 0 && index == n / 2)
                        edgeFactor = isEdge ? 1 : 2
                    } else {
                        k = index <= n / 2 ? index : index - n
                    }
                    squared += pow(2 * Double.pi * Double(k), 2)
                }
                out[flat] = Scalar(edgeFactor * (1 + squared))
            }
        }
    }
}
