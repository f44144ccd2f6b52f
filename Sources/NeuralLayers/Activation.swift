import TensorCore
import AutoDiff

/// Pointwise nonlinearities.
///
/// ```
/// relu(x) = max(x, 0)        gelu(x) = x Φ(x)        tanh(x)
/// silu(x) = x σ(x)           sin(x)                  sigmoid(x) = 1/(1 + e^{−x})
/// ```
public enum Activation: String, Codable, Sendable, CaseIterable {
    case identity, relu, gelu, tanh, silu, sin, sigmoid

    /// Applies the activation.
    public func callAsFunction<Scalar>(_ x: Variable<Scalar>) -> Variable<Scalar> {
        switch self {
        case .identity: return x
        case .relu: return x.relu()
        case .gelu: return x.gelu()
        case .tanh: return x.tanh()
        case .silu: return x.silu()
        case .sin: return x.sin()
        case .sigmoid: return x.sigmoid()
        }
    }
}
