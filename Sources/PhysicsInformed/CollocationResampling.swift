import TensorCore
import AutoDiff

/// Changing the collocation points of the terms that have a sampler during the Adam stage.
///
/// ```
/// redraw(period):     every `period` steps, replace the points by N fresh samples
/// residualRefinement: every `period` steps, draw M candidates, evaluate |r| there and append
///                     the `added` candidates with the largest residual (RAR)
/// ```
/// A system's term stacks its m equations' residuals (`[m·M, 1]`, equation k in rows k·M…); its
/// candidates are ranked by the norm of the stacked residual, ‖(r₁(x), …, r_m(x))‖₂.
/// Reference: Lu, Meng, Mao & Karniadakis, "DeepXDE: a deep learning library for solving
/// differential equations", SIAM Review 63 (2021), §2.8 (residual-based adaptive refinement);
/// Wu et al., "A comprehensive study of non-adaptive and residual-based adaptive sampling for
/// PINNs", CMAME 403 (2023).
public enum CollocationResampling: Sendable, Equatable {
    case none
    case redraw(period: Int)
    case residualRefinement(period: Int, candidates: Int, added: Int)

    /// Applies the rule at step `step` (1-based) to every term that has a sampler.
    /// Returns whether any term changed.
    public func apply<Scalar>(step: Int, terms: inout [PINNLossTerm<Scalar>], model: PINNModel<Scalar>,
                              generator: inout SeededRandomNumberGenerator) -> Bool {
        switch self {
        case .none:
            return false
        case .redraw(let period):
            guard period > 0, step % period == 0 else { return false }
            var changed = false
            for k in terms.indices {
                guard let sampler = terms[k].sampler else { continue }
                let d = terms[k].points.shape[1]
                terms[k].points = .points(sampler(terms[k].points.shape[0], &generator), dimension: d)
                changed = true
            }
            return changed
        case .residualRefinement(let period, let candidates, let added):
            guard period > 0, step % period == 0 else { return false }
            var changed = false
            for k in terms.indices {
                guard let sampler = terms[k].sampler else { continue }
                let d = terms[k].points.shape[1]
                let candidatePoints = Tensor<Scalar>.points(sampler(candidates, &generator), dimension: d)
                // |r| at the candidates (the graph is needed for input derivatives, not for weights).
                let residual = Self.pointNorms(terms[k].residual(model, candidatePoints).value.scalars.map { Double($0) },
                                               pointCount: candidatePoints.shape[0])
                let order = residual.indices.sorted { residual[$0] > residual[$1] }.prefix(Swift.min(added, candidates))
                var scalars = terms[k].points.scalars
                for index in order { scalars.append(contentsOf: candidatePoints.scalars[(index * d)..<((index + 1) * d)]) }
                terms[k].points = Tensor(uncheckedShape: [scalars.count / d, d], scalars: scalars)
                changed = true
            }
            return changed
        }
    }

    /// The residual size at each of `pointCount` points: |r_n| for one residual per point, the
    /// 2-norm over the stacked equations (`r[k·N + n]`) for a system; NaN ranks first (a point where
    /// the residual is not finite is the first to refine).
    static func pointNorms(_ residual: [Double], pointCount: Int) -> [Double] {
        guard pointCount > 0, residual.count != pointCount, residual.count % pointCount == 0 else { return residual.map { $0.isNaN ? .infinity : Swift.abs($0) } }
        let equations = residual.count / pointCount
        return (0..<pointCount).map { n in
            var sum = 0.0
            for k in 0..<equations { sum += residual[k * pointCount + n] * residual[k * pointCount + n] }
            return sum.isNaN ? .infinity : sum.squareRoot()
        }
    }
}
