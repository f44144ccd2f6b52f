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
            if p == 2 { return rootWithZeroSubgradient((v * v).sum(alongAxes: [1])) }
            return rootWithZeroSubgradient(v.absoluteValue().power(p).sum(alongAxes: [1]), degree: p)
        }
        return (norm(difference) / norm(reference)).mean()
    }

    /// s^(1/degree) of non-negative sums s, with the derivative 0 where s = 0 (the subgradient of a norm at
    /// a zero vector that PyTorch's norms use too). The plain root's derivative s^(1/degree − 1)/degree is
    /// infinite there, and the chain rule then multiplies it by the zero derivative of Σ|v|^p: a sample
    /// predicted exactly (a zero difference: one training sample, or identical targets, decode to the
    /// target itself) made the whole gradient NaN and stopped training.
    static func rootWithZeroSubgradient<Scalar: TensorScalar>(_ sums: Variable<Scalar>, degree: Scalar = 2) -> Variable<Scalar> {
        let exponent = 1 / degree
        let root = sums.value.map { degree == 2 ? $0.squareRoot() : Scalar.power($0, exponent) }
        if degree == 2 {
            // g / (2√s) as √'s own pullback computes it (bit for bit where s > 0); dividing by ∞ gives 0 where s = 0.
            let denominator = root.map { $0 > 0 ? $0 * 2 : Scalar.infinity }
            return Variable.recording(root, operation: "rootWithZeroSubgradient", inputs: [sums]) { g in [g / Variable(denominator)] }
        }
        // g · s^(1/q − 1)/q, as power's pullback computes it where s > 0.
        let derivative = sums.value.map { $0 > 0 ? Scalar.power($0, exponent - 1) * exponent : 0 }
        return Variable.recording(root, operation: "rootWithZeroSubgradient", inputs: [sums]) { g in [g * Variable(derivative)] }
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
        return rootWithZeroSubgradient(squaredNorm(prediction - target) / squaredNorm(target)).mean()
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
