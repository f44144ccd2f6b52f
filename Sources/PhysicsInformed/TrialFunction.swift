import TensorCore
import AutoDiff

/// A hard-constraint output transform `u(x) = A(x) + D(x) · N(x)` that satisfies boundary
/// (and initial) conditions exactly for every network `N`.
///
/// `A` satisfies the conditions and `D` vanishes where they are imposed, e.g.
/// ```
/// homogeneous Dirichlet on a box:  A = 0,  D(x) = Π_i (x_i − a_i)(b_i − x_i) / ((b_i − a_i)/2)²
/// Burgers initial + boundary:      A = −sin(πx),  D = t (1 − x²)
/// ```
/// `A` and `D` do not depend on the weights; they are written with differentiable operations so
/// that their input derivatives come from the tape, and
/// `∂_i u = ∂_i A + ∂_i D · N + D ∂_i N`, `∂_ii u = ∂_ii A + ∂_ii D · N + 2 ∂_i D ∂_i N + D ∂_ii N`.
/// References: Lagaris, Likas & Fotiadis, IEEE Trans. Neural Netw. 9 (1998) 987–1000; Lu et al.,
/// "Physics-informed neural networks with hard constraints for inverse design", SIAM J. Sci.
/// Comput. 43 (2021).
public struct TrialFunction<Scalar: TensorScalar> {
    /// A short description for logs.
    public let name: String
    /// `A(x)`: `[N, d] ↦ [N, 1]`, or nil for zero.
    public let offset: ((Variable<Scalar>) -> Variable<Scalar>)?
    /// `D(x)`: `[N, d] ↦ [N, 1]`.
    public let factor: (Variable<Scalar>) -> Variable<Scalar>

    public init(name: String, offset: ((Variable<Scalar>) -> Variable<Scalar>)? = nil,
                factor: @escaping (Variable<Scalar>) -> Variable<Scalar>) {
        self.name = name
        self.offset = offset
        self.factor = factor
    }

    /// `u = A(x) + D(x) · network`.
    public func apply(_ x: Variable<Scalar>, _ network: Variable<Scalar>) -> Variable<Scalar> {
        let product = factor(x) * network
        return offset.map { $0(x) + product } ?? product
    }

    /// `D(x) = Π_{axes} (x − a)(b − x)/h²`, `h = (b − a)/2`: zero Dirichlet data on those faces
    /// (all axes by default).
    public static func homogeneousDirichlet(on box: Box, axes: [Int]? = nil) -> TrialFunction {
        let chosen = axes ?? Array(0..<box.dimension)
        return TrialFunction(name: "homogeneous Dirichlet on axes \(chosen)") { x in
            var product: Variable<Scalar>? = nil
            for axis in chosen {
                let c = column(x, axis)
                let half = (box.upper[axis] - box.lower[axis]) / 2
                let distance = (c - Scalar(box.lower[axis])) * (Scalar(box.upper[axis]) - c) * Scalar(1 / (half * half))
                product = product.map { $0 * distance } ?? distance
            }
            return product!
        }
    }

    /// The coordinate column `axis` of `x` (`[N, 1]`), differentiable.
    public static func column(_ x: Variable<Scalar>, _ axis: Int) -> Variable<Scalar> {
        x.shape[1] == 1 ? x : x.sliced(alongAxis: 1, axis..<(axis + 1))
    }
}
