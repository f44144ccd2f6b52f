import CBLAS
import Datasets
import RunSupport
import DenseLinearAlgebra
import Foundation
import TensorCore

/// The antiderivative operator benchmark of DeepONet: `G(u)(x) = s(x) = ∫₀ˣ u(τ) dτ`.
///
/// Input functions are samples of a zero-mean Gaussian random field on [0, 1] with the squared
/// exponential kernel
/// ```
/// k(x, x') = exp(−(x − x')² / (2 ℓ²)),   ℓ = 0.2 by default
/// ```
/// drawn on a fine grid of `10 (m − 1) + 1` points as `L z` (`K + εI = L Lᵀ`, `DenseCholeskyFactorization`, jitter ε
/// raised until the factorisation succeeds), so the `m` sensors `x_j = j / (m − 1)` are fine-grid points.
/// `s` is the cumulative trapezoid rule on the fine grid (error O(h²)), read at the same `m` points.
///
/// Reference: Lu et al., Nature Machine Intelligence 3 (2021), section "Antiderivative"; DeepXDE's
/// `antiderivative_aligned` data use the same GRF, 100 sensors, and queries at the sensor points.
public struct AntiderivativeData: Sendable {
    /// `[N, m]` input functions at the sensors.
    public var branchInputs: Tensor<Double>
    /// `[m, 1]` query points (the sensors).
    public var trunkInputs: Tensor<Double>
    /// `[N, m]` antiderivatives at the query points.
    public var targets: Tensor<Double>

    /// Generates `sampleCount` (u, s) pairs.
    /// - Parameter budget: the memory the arrays may use: `N·(2m + 2·fine)` doubles, `fine = 10(m − 1) + 1`.
    public static func generate(sampleCount: Int, sensorCount: Int = 100, lengthScale: Double = 0.2,
                                seed: UInt64 = 0, budget: MemoryBudget = MemoryBudget()) throws -> AntiderivativeData {
        guard sampleCount >= 1, sensorCount >= 2, sensorCount <= 100_000, lengthScale > 0, lengthScale.isFinite else {
            throw DeepONetError.invalidConfiguration("antiderivative data needs ≥ 1 sample, 2…100000 sensors and a positive length scale")
        }
        let refinement = 10
        let fine = refinement * (sensorCount - 1) + 1
        // The fields are one GEMM with 32-bit dimensions.
        guard sampleCount <= Int(Int32.max) else { throw DeepONetError.invalidConfiguration("at most \(Int32.max) samples, got \(sampleCount)") }
        try budget.requireArray(shape: [sampleCount, 2 * sensorCount + 2 * fine], bytesPerElement: 8, what: "\(sampleCount) antiderivative samples")
        let h = 1.0 / Double(fine - 1)
        let factor = try choleskyFactor(points: fine, spacing: h, lengthScale: lengthScale)
        var generator = SeededRandomNumberGenerator(seed: seed)
        var u = [Double](repeating: 0, count: sampleCount * sensorCount)
        var s = [Double](repeating: 0, count: sampleCount * sensorCount)
        // Fields F = Z Lᵀ (row b: L z_b), Z [N, fine] standard normal, one GEMM.
        var z = [Double](repeating: 0, count: sampleCount * fine)
        for i in z.indices { z[i] = generator.nextStandardNormal() }
        var fields = [Double](repeating: 0, count: sampleCount * fine)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(sampleCount), Int32(fine), Int32(fine),
                    1, z, Int32(fine), factor, Int32(fine), 0, &fields, Int32(fine))
        for sample in 0..<sampleCount {
            let field = fields[sample * fine ..< (sample + 1) * fine].withUnsafeBufferPointer { Array($0) }
            var integral = 0.0
            for i in 0..<fine {
                if i > 0 { integral += 0.5 * h * (field[i - 1] + field[i]) }   // s_i = s_{i−1} + h (u_{i−1} + u_i) / 2
                if i % refinement == 0 {
                    u[sample * sensorCount + i / refinement] = field[i]
                    s[sample * sensorCount + i / refinement] = integral
                }
            }
        }
        let x = (0..<sensorCount).map { Double($0) / Double(sensorCount - 1) }
        return AntiderivativeData(branchInputs: Tensor(uncheckedShape: [sampleCount, sensorCount], scalars: u),
                                  trunkInputs: Tensor(uncheckedShape: [sensorCount, 1], scalars: x),
                                  targets: Tensor(uncheckedShape: [sampleCount, sensorCount], scalars: s))
    }

    /// The pairs as aligned DeepONet data (one output), the form a data file is read into.
    public var branchTrunkData: BranchTrunkData<Double> {
        BranchTrunkData(branch: branchInputs, trunk: trunkInputs, target: targets, aligned: true, outputCount: 1)
    }

    static func choleskyFactor(points: Int, spacing: Double, lengthScale: Double) throws -> [Double] {
        var jitter = 1e-12
        while jitter < 1e-2 {
            var k = [Double](repeating: 0, count: points * points)
            for i in 0..<points {
                for j in 0...i {
                    let d = Double(i - j) * spacing
                    let value = exp(-d * d / (2 * lengthScale * lengthScale))
                    k[i * points + j] = value + (i == j ? jitter : 0)
                }
            }
            if let factor = try? DenseCholeskyFactorization(DenseMatrix(rows: points, columns: points, elements: k)) {
                return factor.lower.elements
            }
            jitter *= 10   // not positive definite at this jitter: raise it
        }
        throw DeepONetError.invalidConfiguration("the GRF covariance could not be factorised")
    }
}
