import TensorCore
import AutoDiff

/// Mixed second derivatives `∂²u/∂x_i∂x_j` (i ≠ j; `u_xy`, `u_xt`) of a PINN's output.
///
/// On the Taylor-jet path one more propagation carries, per pair, the direction v = e_i + e_j
/// (`InputJet(points:dimension:directions:)`), and the polarization identity gives
/// ```
/// ∂_v² u = u_ii + 2 u_ij + u_jj    ⇒    u_ij = ½ (∂_v² u − u_ii − u_jj)
/// ```
/// with u_ii, u_jj from the pure jets the residual already has. With a hard-constraint trial
/// function u = A + D N the directional jets combine as `∂_v² u = ∂_v² A + ∂_v² D · N + 2 ∂_v D ∂_v N
/// + D ∂_v² N` (A, D weight-free, their jets from the tape). Off the jet path (other activations)
/// `u_ij = ∂_j(∂_i u)` by one more recorded backward pass.
/// Cost: one forward jet pass with `1 + 2m` row blocks for m pairs.
extension PINNModel {
    /// `∂²u/∂x_i∂x_j` for each pair at `pure.points`; `pure` must hold u_ii and u_jj (its second axes).
    public func mixedDerivatives(pairs: [(Int, Int)], pure: FieldDerivatives<Scalar>) -> [Variable<Scalar>] {
        mixedDerivatives(pairs: pairs.map { (0, $0.0, $0.1) }, fields: [pure])
    }

    /// `∂²u_k/∂x_i∂x_j` for each `(k, i, j)`, `fields[k]` holding u_k's pure second derivatives
    /// (systems: field k is output column k; the jet pass is shared by all fields).
    public func mixedDerivatives(pairs requested: [(field: Int, i: Int, j: Int)], fields: [FieldDerivatives<Scalar>]) -> [Variable<Scalar>] {
        guard !requested.isEmpty else { return [] }
        let points = fields[0].points.value
        guard isUsingTaylorJets else {
            return requested.map { k, i, j in
                let column = gradients(of: fields[k].first(i), withRespectTo: [fields[k].points], createGraph: true)[0]
                return fields[k].dimension == 1 ? column : column.sliced(alongAxis: 1, j..<(j + 1))
            }
        }
        var pairs: [(Int, Int)] = []
        for (_, i, j) in requested where !pairs.contains(where: { $0 == (i, j) }) { pairs.append((i, j)) }
        let d = domain.dimension, n = points.shape[0], m = pairs.count
        let directions = pairs.map { i, j -> [Double] in
            var v = [Double](repeating: 0, count: d)
            v[i] += 1; v[j] += 1
            return v
        }
        let jets: Tensor<Scalar> = embeddingJet(points: points.scalars.map(Double.init), directions: directions)
            .stacked(withDerivatives: true, secondAxes: Array(0..<m))
        let stacked = TaylorJetPropagation.propagate(network, inputJets: jets, pointCount: n, directions: m, secondAxes: Array(0..<m))
        func block(_ b: Int) -> Variable<Scalar> { stacked.sliced(alongAxis: 0, (b * n)..<((b + 1) * n)) }
        let value = block(0)
        return requested.map { field, i, j in
            let p = pairs.firstIndex { $0 == (i, j) }!
            var directional = self.field(field, of: block(1 + m + p))
            if let trialFunction {
                let factor = Self.directionalJet(trialFunction.factor, at: points, i, j)
                directional = value * factor.second + block(1 + p) * (factor.first * 2) + directional * factor.value
                if let offset = trialFunction.offset { directional = directional + Self.directionalJet(offset, at: points, i, j).second }
            }
            return (directional - fields[field].second(i) - fields[field].second(j)) * Scalar(0.5)
        }
    }

    /// `(f, ∂_v f, ∂_v² f)` of a weight-free map along v = e_i + e_j, from the tape.
    static func directionalJet(_ f: @escaping (Variable<Scalar>) -> Variable<Scalar>, at points: Tensor<Scalar>,
                               _ i: Int, _ j: Int) -> (value: Tensor<Scalar>, first: Tensor<Scalar>, second: Tensor<Scalar>) {
        let derivatives = FieldDerivatives(points: points, field: f)
        let first = derivatives.first(i) + derivatives.first(j)
        let hessianRows = gradients(of: first, withRespectTo: [derivatives.points], createGraph: false)[0]
        let second = hessianRows.sliced(alongAxis: 1, i..<(i + 1)) + hessianRows.sliced(alongAxis: 1, j..<(j + 1))
        return (derivatives.value.value, first.value, second.value)
    }
}
