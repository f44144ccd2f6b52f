import Foundation
import TensorCore
import NeuralLayers

/// The L-BFGS optimizer state in the one training checkpoint (next to the weights, the configuration,
/// the step and the data fingerprint that ``TrainingLoop`` writes): for a phase that follows the loop's
/// Adam steps with ``NeuralLayers/LBFGS`` and must resume mid-way, bitwise as the uninterrupted run.
///
/// ```
/// lbfgs.iterate           [n]          θ_k
/// lbfgs.gradient          [n]          ∇L(θ_k)
/// lbfgs.steps             [m, n]       s_i = θ_{i+1} − θ_i, oldest first   (absent when m = 0)
/// lbfgs.gradient_changes  [m, n]       y_i = ∇_{i+1} − ∇_i
/// metadata  lbfgs.loss (L(θ_k), shortest round-trip text), lbfgs.pairs (m), lbfgs.iterations (k)
/// ```
/// `ρ_i = 1 / s_iᵀy_i` is not stored: ``NeuralLayers/LBFGS`` recomputes it the same way on resume.
public enum LBFGSCheckpointState {
    public static let lossKey = "lbfgs.loss", pairsKey = "lbfgs.pairs", iterationsKey = "lbfgs.iterations"
    public static let iterateName = "lbfgs.iterate", gradientName = "lbfgs.gradient"
    public static let stepsName = "lbfgs.steps", gradientChangesName = "lbfgs.gradient_changes"

    /// Adds `state` to `archive` (an archive without an earlier L-BFGS state: callers build each
    /// checkpoint afresh, so no pair tensors of an older state linger).
    public static func add<Scalar: TensorScalar>(_ state: LBFGS<Scalar>.State, to archive: inout SafetensorsArchive) {
        let n = state.iterate.count, pairs = state.steps.count
        archive.metadata[lossKey] = "\(state.loss)"
        archive.metadata[pairsKey] = String(pairs)
        archive.metadata[iterationsKey] = String(state.iterations)
        archive.add(Tensor<Double>(uncheckedShape: [n], scalars: state.iterate), named: iterateName)
        archive.add(Tensor<Double>(uncheckedShape: [n], scalars: state.gradient), named: gradientName)
        if pairs > 0 {
            archive.add(Tensor<Double>(uncheckedShape: [pairs, n], scalars: Array(state.steps.joined())), named: stepsName)
            archive.add(Tensor<Double>(uncheckedShape: [pairs, n], scalars: Array(state.gradientChanges.joined())), named: gradientChangesName)
        }
    }

    /// Whether `archive` holds an L-BFGS state.
    public static func isPresent(in archive: SafetensorsArchive) -> Bool { archive.metadata[iterationsKey] != nil }

    /// The state in `archive`, verified completely (counts, shapes, finite values, at most `historySize`
    /// pairs and `maximumIterations` iterations) for `parameterCount` parameters; nothing is changed.
    public static func read<Scalar: TensorScalar>(from archive: SafetensorsArchive, parameterCount n: Int, historySize: Int,
                                                  maximumIterations: Int, path: String) throws -> LBFGS<Scalar>.State {
        func fail(_ message: String) -> TrainingError { .checkpoint("\(path): \(message)") }
        guard n > 0 else { throw fail("an L-BFGS state needs at least one parameter") }
        let metadata = archive.metadata
        func count(_ key: String, atMost limit: Int) throws -> Int {
            guard let value = Int(metadata[key] ?? ""), (0...limit).contains(value) else {
                throw fail("\(key) '\(metadata[key]?.prefix(40) ?? "missing")' is not a count in 0…\(limit)")
            }
            return value
        }
        let pairs = try count(pairsKey, atMost: historySize), iterations = try count(iterationsKey, atMost: maximumIterations)
        guard let loss = Double(metadata[lossKey] ?? ""), loss.isFinite else {
            throw fail("\(lossKey) '\(metadata[lossKey]?.prefix(40) ?? "missing")' is not a finite number")
        }
        /// The rows of the finite tensor `name` of shape `shape` (`[n]`: one row; `[rows, n]`).
        func rows(_ name: String, shape: [Int]) throws -> [[Double]] {
            guard shape.first != 0 else { return [] }
            let tensor: Tensor<Double>
            do { tensor = try archive.tensor(named: name) } catch { throw fail("\(error)") }
            guard tensor.shape == shape, tensor.isFinite else {
                throw fail("\(name) has shape \(tensor.shape) (needs \(shape)) or non-finite values")
            }
            return stride(from: 0, to: tensor.count, by: n).map { Array(tensor.scalars[$0..<($0 + n)]) }
        }
        return LBFGS<Scalar>.State(iterate: try rows(iterateName, shape: [n])[0], loss: loss, gradient: try rows(gradientName, shape: [n])[0],
                                   steps: try rows(stepsName, shape: [pairs, n]), gradientChanges: try rows(gradientChangesName, shape: [pairs, n]),
                                   iterations: iterations)
    }
}
