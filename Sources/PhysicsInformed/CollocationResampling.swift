import TensorCore
import AutoDiff

/// Changing the collocation points of the terms that have a sampler during the Adam stage.
///
/// ```
/// redraw(period):     every `period` steps, replace the points by N fresh samples
/// residualRefinement: every `period` steps, draw M candidates, evaluate |r| there and append
///                     the `added` candidates with the largest residual (RAR)
/// ```
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
                let residual = terms[k].residual(model, candidatePoints).value.scalars.map { Swift.abs(Double($0)) }
                let order = residual.indices.sorted { residual[$0] > residual[$1] }.prefix(Swift.min(added, candidates))
                var scalars = terms[k].points.scalars
                for index in order { scalars.append(contentsOf: candidatePoints.scalars[(index * d)..<((index + 1) * d)]) }
                terms[k].points = Tensor(uncheckedShape: [scalars.count / d, d], scalars: scalars)
                changed = true
            }
            return changed
        }
    }
}
