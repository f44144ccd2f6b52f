import Distributed
import Foundation
import NeuralLayers
import TensorCore

/// Synchronous data parallelism of the ``TrainingLoop`` over the ranks of its ``TrainingLoop/communicator``.
///
/// Every rank builds the same task with the same seed, so all ranks draw the same shuffled order;
/// rank 0's parameters are broadcast once before the first step. In each step the global mini-batch
/// `B` (the rows the one-process loop would take) is cut into `R` contiguous slices `B_r`
/// (``Distributed/Shard``); rank r computes the mean loss `L_r` and its gradient `g_r` on `B_r`, and ONE
/// in-place allreduce over a flat buffer `[L_r w_r, present_p, g_r w_r]` with `w_r = |B_r| / |B|` gives
/// every rank
///
///     L = Σ_r w_r L_r = mean loss over B,    g = Σ_r w_r g_r = ∇L,
///
/// the loss and gradient of the one-process step (for a loss that is a mean over the rows, as every
/// task's is), up to the order of summation. Every rank then takes the same optimizer step on the same
/// gradient, so the parameters stay identical without further communication. `present_p` counts the
/// ranks on which parameter p received a gradient, so a parameter no rank used keeps a nil gradient
/// (as in one process). A non-finite loss or gradient on any rank reaches every rank through the sum,
/// and all ranks stop with the same ``TrainingError``.
extension TrainingLoop {
    /// The rows of the global batch `indices` this rank computes.
    func localRows(of indices: [Int]) -> [Int] {
        guard communicator.size > 1 else { return indices }
        return Array(indices[Shard(of: communicator).range(of: indices.count)])
    }

    /// Makes every rank's parameters equal to rank 0's (one broadcast of a flat buffer).
    func broadcastParameters(_ parameters: [Parameter<Task.Scalar>]) throws {
        guard communicator.size > 1 else { return }
        var buffer: [Task.Scalar] = []
        buffer.reserveCapacity(parameters.reduce(0) { $0 + $1.count })
        for parameter in parameters { buffer += parameter.value.scalars }
        try apply(.broadcastFromRoot, to: &buffer)
        var offset = 0
        for parameter in parameters {
            parameter.value = try Tensor(shape: parameter.value.shape, scalars: Array(buffer[offset..<(offset + parameter.count)]))
            offset += parameter.count
        }
    }

    /// Sums the weighted local loss and gradients over the ranks (one allreduce) and stores the global
    /// gradient in every parameter; returns the global loss.
    func reduceLossAndGradients(localLoss: Double, localCount: Int, globalCount: Int,
                                parameters: [Parameter<Task.Scalar>]) throws -> Double {
        let weight = Double(localCount) / Double(globalCount)
        let scale = Task.Scalar(weight)
        var buffer: [Task.Scalar] = [localCount > 0 ? Task.Scalar(localLoss * weight) : 0]
        buffer.reserveCapacity(1 + parameters.count + parameters.reduce(0) { $0 + $1.count })
        for parameter in parameters { buffer.append(parameter.gradient == nil ? 0 : 1) }
        for parameter in parameters {
            if let gradient = parameter.gradient {
                buffer += gradient.scalars.map { $0 * scale }
            } else {
                buffer += repeatElement(0, count: parameter.count)
            }
        }
        try apply(.sum, to: &buffer)
        var offset = 1 + parameters.count
        for (position, parameter) in parameters.enumerated() {
            parameter.gradient = buffer[1 + position] == 0 ? nil
                : try Tensor(shape: parameter.value.shape, scalars: Array(buffer[offset..<(offset + parameter.count)]))
            offset += parameter.count
        }
        return Double(buffer[0])
    }

    /// The collective on `buffer` as Float or Double storage (the element types MPI sums).
    enum Collective { case broadcastFromRoot, sum }

    func apply(_ collective: Collective, to buffer: inout [Task.Scalar]) throws {
        let communicator = self.communicator
        try buffer.withUnsafeMutableBufferPointer { pointer in
            if Task.Scalar.self == Float.self {
                try pointer.withMemoryRebound(to: Float.self) {
                    switch collective {
                    case .broadcastFromRoot: try communicator.broadcast($0)
                    case .sum: try communicator.allreduceSum($0)
                    }
                }
            } else if Task.Scalar.self == Double.self {
                try pointer.withMemoryRebound(to: Double.self) {
                    switch collective {
                    case .broadcastFromRoot: try communicator.broadcast($0)
                    case .sum: try communicator.allreduceSum($0)
                    }
                }
            } else {
                throw TrainingError.invalidConfiguration("data-parallel training supports Float and Double parameters, not \(Task.Scalar.self)")
            }
        }
    }
}

/// The validation split across ranks: rank r evaluates the rows ``Distributed/Shard/range(of:)`` of the
/// split and contributes `n_r · m_r` for each metric `m_r` that is a mean over its `n_r` rows; one
/// allreduce gives every rank `m = Σ_r n_r m_r / N`, the mean over all `N` rows (as one process computes
/// it, up to the order of summation).
extension ValidationMetrics {
    /// Rows `0..<count` of the validation split this rank evaluates.
    public static func localRange(count: Int, communicator: Communicator) -> Range<Int> {
        communicator.size > 1 ? Shard(of: communicator).range(of: count) : 0..<count
    }

    /// The means over all ranks' rows of per-row means `localMeans` over `localCount` rows (one Double
    /// allreduce; a rank without rows passes any means and 0).
    public static func meanOverRanks(localMeans: [Double], localCount: Int, totalCount: Int, communicator: Communicator) throws -> [Double] {
        var sums = localMeans.map { localCount > 0 ? $0 * Double(localCount) : 0 }
        try communicator.allreduceSum(&sums)
        return sums.map { $0 / Double(max(totalCount, 1)) }
    }
}
