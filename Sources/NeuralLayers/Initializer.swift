import Foundation
import TensorCore

/// Weight initialization schemes.
///
/// With `fanIn`, `fanOut` the number of inputs and outputs feeding one weight (for a convolution
/// weight `[out, in, k…]`, `fanIn = in·Πk`, `fanOut = out·Πk`):
/// ```
/// glorotUniform:  U(−a, a),  a = gain·√(6/(fanIn + fanOut))
/// glorotNormal:   N(0, σ²),  σ = gain·√(2/(fanIn + fanOut))
/// kaimingUniform: U(−a, a),  a = √(6/fanIn)     (ReLU gain √2)
/// kaimingNormal:  N(0, σ²),  σ = √(2/fanIn)
/// ```
/// References: Glorot & Bengio, AISTATS 2010; He et al., ICCV 2015.
public enum Initializer: Sendable, Equatable {
    case zeros
    case glorotUniform(gain: Double = 1)
    case glorotNormal(gain: Double = 1)
    case kaimingUniform
    case kaimingNormal
    case uniform(bound: Double)

    /// A tensor of `shape` initialized by this scheme, given explicit fans.
    public func make<Scalar: TensorScalar>(
        _ shape: [Int], fanIn: Int, fanOut: Int, using generator: inout SeededRandomNumberGenerator
    ) -> Tensor<Scalar> {
        switch self {
        case .zeros:
            return .zeros(shape)
        case .glorotUniform(let gain):
            let bound = gain * (6 / Double(fanIn + fanOut)).squareRoot()
            return .uniform(shape, lowerBound: Scalar(-bound), upperBound: Scalar(bound), using: &generator)
        case .glorotNormal(let gain):
            return .normal(shape, standardDeviation: Scalar(gain * (2 / Double(fanIn + fanOut)).squareRoot()), using: &generator)
        case .kaimingUniform:
            let bound = (6 / Double(fanIn)).squareRoot()
            return .uniform(shape, lowerBound: Scalar(-bound), upperBound: Scalar(bound), using: &generator)
        case .kaimingNormal:
            return .normal(shape, standardDeviation: Scalar((2 / Double(fanIn)).squareRoot()), using: &generator)
        case .uniform(let bound):
            return .uniform(shape, lowerBound: Scalar(-bound), upperBound: Scalar(bound), using: &generator)
        }
    }
}
