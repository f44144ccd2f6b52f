import TensorCore
import AutoDiff

/// A scalar field `u(x)` at a batch of points and its input derivatives, differentiable in the weights.
///
/// The network maps each point independently, so `∂(Σ_n u(x_n))/∂x_m = ∇u(x_m)`: one reverse pass
/// seeded with ones gives the gradient at every point. Recording that pass (`createGraph: true`)
/// makes `∂u/∂x_i` a graph of its own, and a second pass gives `∂²u/∂x_i²`:
/// ```
/// ∇u = ∂(Σ_n u_n)/∂X,         ∂²u/∂x_i² = ∂(Σ_n ∂u_n/∂x_{n,i})/∂X  [:, i]
/// ```
/// Every result is a `Variable` connected to the network's parameters, so a loss built from them is
/// differentiated in the weights by one more (first-order) backward pass.
/// Cost: one recorded backward pass for `∇u`, one per axis for the pure second derivatives.
public final class FieldDerivatives<Scalar: TensorScalar> {
    /// The points `X` as a graph leaf, `[N, d]`.
    public let points: Variable<Scalar>
    /// `u(X)`, `[N, 1]`.
    public let value: Variable<Scalar>
    private var gradientCache: Variable<Scalar>?
    private var firstCache: [Int: Variable<Scalar>] = [:]
    private var secondCache: [Int: Variable<Scalar>] = [:]
    /// Whether the derivatives came precomputed (the points are then no graph leaf to differentiate by).
    private var isPrecomputed = false

    /// Evaluates `field` at `points` (`[N, d]`); `field` must map rows independently to `[N, 1]`.
    public init(points: Tensor<Scalar>, field: (Variable<Scalar>) -> Variable<Scalar>) {
        precondition(points.rank == 2, "FieldDerivatives needs points [N, d], got \(points.shape)")
        self.points = Variable.leaf(points)
        value = field(self.points)
        precondition(value.shape == [points.shape[0], 1], "the field must give [N, 1], got \(value.shape)")
    }

    /// Derivatives computed elsewhere (the Taylor-jet path): `first[i]` per axis, `second[j]` for
    /// axis `secondAxes[j]`.
    init(points: Tensor<Scalar>, value: Variable<Scalar>, first: [Variable<Scalar>], second: [Variable<Scalar>], secondAxes: [Int]) {
        self.points = Variable(points)
        self.value = value
        isPrecomputed = true
        for (axis, g) in first.enumerated() { firstCache[axis] = g }
        for (j, h) in second.enumerated() { secondCache[secondAxes[j]] = h }
        gradientCache = first.count == 1 ? first[0] : nil
    }

    /// Number of input axes `d`.
    public var dimension: Int { points.shape[1] }

    /// `∇u`, `[N, d]`.
    public var gradient: Variable<Scalar> {
        if let gradientCache { return gradientCache }
        if firstCache.count == dimension {
            let g = Variable.concatenated((0..<dimension).map { firstCache[$0]! }, alongAxis: 1)
            gradientCache = g
            return g
        }
        let g = gradients(of: value, withRespectTo: [points], createGraph: true)[0]
        gradientCache = g
        return g
    }

    /// `∂u/∂x_axis`, `[N, 1]`.
    public func first(_ axis: Int) -> Variable<Scalar> {
        if let cached = firstCache[axis] { return cached }
        let g = dimension == 1 ? gradient : gradient.sliced(alongAxis: 1, axis..<(axis + 1))
        firstCache[axis] = g
        return g
    }

    /// `∂²u/∂x_axis²`, `[N, 1]`.
    public func second(_ axis: Int) -> Variable<Scalar> {
        if let cached = secondCache[axis] { return cached }
        precondition(!isPrecomputed, "∂²u/∂x_\(axis)² was not requested (derivatives(at:secondAxes:))")
        let h = gradients(of: first(axis), withRespectTo: [points], createGraph: true)[0]
        let column = dimension == 1 ? h : h.sliced(alongAxis: 1, axis..<(axis + 1))
        secondCache[axis] = column
        return column
    }

    /// `Σ_i ∂²u/∂x_i²` over `axes` (all axes by default).
    public func laplacian(axes: [Int]? = nil) -> Variable<Scalar> {
        let chosen = axes ?? Array(0..<dimension)
        var total = second(chosen[0])
        for axis in chosen.dropFirst() { total = total + second(axis) }
        return total
    }

    /// Column `axis` of the points as a constant `[N, 1]` tensor.
    public func coordinate(_ axis: Int) -> Tensor<Scalar> {
        let n = points.shape[0], d = dimension
        let values = points.value.scalars
        return Tensor(uncheckedShape: [n, 1], scalars: (0..<n).map { values[$0 * d + axis] })
    }
}
