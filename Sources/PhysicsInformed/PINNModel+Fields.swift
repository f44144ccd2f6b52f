import TensorCore
import AutoDiff

/// Several unknown fields (systems) as the columns of one network's output: `N(x) ∈ ℝ^m`,
/// field k = column k. The Taylor jets carry all m columns through one propagation (the output
/// layer is m wide, every jet row block `[N, m]`), and each field's derivatives are column slices.
extension PINNModel {
    /// Number of output columns (fields).
    public var outputCount: Int { network.layers[network.layers.count - 1].outputFeatures }

    /// Column `k` of an `[N, m]` output (the output itself when m = 1).
    public func field(_ k: Int, of output: Variable<Scalar>) -> Variable<Scalar> {
        outputCount == 1 ? output : output.sliced(alongAxis: 1, k..<(k + 1))
    }

    /// Each field's value and first and pure second derivatives at `points`. Hard-constraint trial
    /// functions are for one field (callers refuse them for systems).
    public func fieldDerivatives(at points: Tensor<Scalar>, secondAxes: [Int]) -> [FieldDerivatives<Scalar>] {
        let m = outputCount
        guard m > 1 else { return [derivatives(at: points, secondAxes: secondAxes)] }
        precondition(trialFunction == nil, "PINNModel.fieldDerivatives: trial functions are for one field")
        guard isUsingTaylorJets else {
            return (0..<m).map { k in FieldDerivatives(points: points) { [self] x in field(k, of: self(x)) } }
        }
        let all = derivatives(at: points, secondAxes: secondAxes)
        let d = domain.dimension
        return (0..<m).map { k in
            FieldDerivatives(points: points, value: field(k, of: all.value), first: (0..<d).map { field(k, of: all.first($0)) },
                             second: secondAxes.map { field(k, of: all.second($0)) }, secondAxes: secondAxes)
        }
    }
}
