import TensorCore
import AutoDiff
import NeuralLayers
import SparseSolvers

/// The trained network as the direction map q = f(r/‖r‖) on grid vectors, zero on solid cells.
///
/// It conforms to `LinearOperator` so it can be given to `DeepConjugateDirection` (or to anything that
/// takes an operator), but f is nonlinear (ReLU, biases): it is *not* a valid preconditioner for PCG, whose
/// theory needs a fixed SPD M⁻¹. DCDM does not need linearity: it orthogonalizes each direction explicitly.
/// The input is normalized before the network (f sees unit vectors, as in training) and the network runs
/// in single precision; the output is returned in double precision.
///
/// Complexity: one network application (see `DCDMNetwork`).
public struct DCDMDirectionOperator: LinearOperator {
    public let network: DCDMNetwork
    /// Grid points per direction, x first.
    public let dimensions: [Int]
    /// 1 on fluid, 0 on solid cells (nil: all fluid).
    public let fluidMask: [Double]?
    public var rowCount: Int { dimensions.reduce(1, *) }
    public var columnCount: Int { rowCount }

    public init(network: DCDMNetwork, dimensions: [Int], fluidMask: [Double]? = nil) throws {
        guard dimensions.count == network.configuration.spatialRank else {
            throw LearnedSolverError.rankMismatch(model: network.configuration.spatialRank, problem: dimensions.count)
        }
        guard dimensions.allSatisfy({ $0 >= 1 }) else { throw LearnedSolverError.invalidConfiguration("grid dimensions must be positive") }
        if let fluidMask, fluidMask.count != dimensions.reduce(1, *) {
            throw LearnedSolverError.invalidConfiguration("fluid mask has \(fluidMask.count) entries for a grid of \(dimensions.reduce(1, *))")
        }
        self.network = network
        self.dimensions = dimensions
        self.fluidMask = fluidMask
    }

    /// The operator for a grid problem (its dimensions and fluid mask).
    public init(network: DCDMNetwork, problem: GridPoissonProblem) throws {
        try self.init(network: network, dimensions: problem.dimensions,
                      fluidMask: problem.obstacles == .none ? nil : problem.fluidMask)
    }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        let n = rowCount
        var norm = 0.0
        for i in 0..<n { norm += x[i] * x[i] }
        norm = norm.squareRoot()
        guard norm > 0, norm.isFinite else {
            for i in 0..<n { y[i] = norm.isFinite ? 0 : .nan }
            return
        }
        let scale = 1 / norm
        let input = Tensor<Float>(shape: [1, 1] + dimensions.reversed()) { p in
            for i in 0..<n { p[i] = Float(x[i] * scale) }
        }
        let output = network.inference(input)
        output.scalars.withUnsafeBufferPointer { o in
            if let fluidMask {
                for i in 0..<n { y[i] = Double(o[i]) * fluidMask[i] }
            } else {
                for i in 0..<n { y[i] = Double(o[i]) }
            }
        }
    }
}

extension DCDMDirectionOperator {
    /// The fluid mask of a grid matrix read from a file: 0 where a row holds only its diagonal (a decoupled,
    /// removed cell, as `GridPoissonProblem` writes solids) and b is 0 there; nil when no row is decoupled.
    public static func inferredFluidMask(of matrix: CSRMatrix, rightHandSide b: [Double]) -> [Double]? {
        precondition(b.count == matrix.rowCount, "inferredFluidMask: size mismatch")
        var mask = [Double](repeating: 1, count: matrix.rowCount)
        var any = false
        for i in 0..<matrix.rowCount {
            var coupled = false
            for k in matrix.rowOffsets[i]..<matrix.rowOffsets[i + 1] where matrix.columnIndices[k] != i && matrix.values[k] != 0 {
                coupled = true
                break
            }
            if !coupled && b[i] == 0 { mask[i] = 0; any = true }
        }
        return any ? mask : nil
    }
}
