import TensorCore
import AutoDiff

/// An affine map on the last axis: `y = x W + b`, `x: […, in]`, `W: [in, out]`, `b: [out]`.
///
/// All leading axes are folded into one GEMM.
public struct Linear<Scalar: TensorScalar>: Layer {
    public let weight: Parameter<Scalar>
    public let bias: Parameter<Scalar>?

    /// - Parameters:
    ///   - inputFeatures: Size of the input's last axis.
    ///   - outputFeatures: Size of the output's last axis.
    ///   - initializer: Weight initialization (Glorot uniform by default); biases start at zero.
    public init(inputFeatures: Int, outputFeatures: Int, useBias: Bool = true,
                initializer: Initializer = .glorotUniform(), generator: inout SeededRandomNumberGenerator) {
        weight = Parameter(initializer.make([inputFeatures, outputFeatures], fanIn: inputFeatures,
                                            fanOut: outputFeatures, using: &generator))
        bias = useBias ? Parameter(.zeros([outputFeatures])) : nil
    }

    public var inputFeatures: Int { weight.value.shape[0] }
    public var outputFeatures: Int { weight.value.shape[1] }

    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        precondition(input.shape.last == inputFeatures, "Linear expects last axis \(inputFeatures), got \(input.shape)")
        let product = Variable.matmul(input, weight.variable)
        return bias.map { product + $0.variable } ?? product
    }

    public func visitParameters(prefix: String, _ visit: (String, Parameter<Scalar>) -> Void) {
        visit(parameterPath(prefix, "weight"), weight)
        if let bias { visit(parameterPath(prefix, "bias"), bias) }
    }
}
