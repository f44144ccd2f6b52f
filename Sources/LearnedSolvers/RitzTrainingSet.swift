import CBLAS
import TensorCore

/// Training right-hand sides for DCDM: random combinations of Ritz vectors, weighted towards the low end
/// of the spectrum.
///
/// ```
/// b = Y c / ‖Y c‖,   cᵢ = wᵢ ξᵢ,  ξᵢ ~ N(0, 1)
/// wᵢ = lowEndWeight (default 9) for the lowest ⌈lowEndFraction · k⌉ Ritz vectors, 1 for the rest
/// ```
/// Kaneda et al. weight the low end (their c = 9 on the first half plus a few vectors) because the smooth,
/// low-eigenvalue components are what CG is slow at and what the network must learn to invert; the high
/// end keeps the network from ignoring rough residuals.
///
/// Complexity: O(n k) per sample (one GEMM per batch).
/// References: Kaneda et al., ICML 2023, §4 (eq. for the training vectors).
public struct RitzTrainingSet: Sendable {
    public let basis: RitzBasis
    /// wᵢ, one per Ritz vector (ascending θ).
    public let weights: [Double]

    public init(basis: RitzBasis, lowEndFraction: Double = 0.5, lowEndWeight: Double = 9) {
        self.basis = basis
        let low = Int((lowEndFraction * Double(basis.count)).rounded(.up))
        weights = (0..<basis.count).map { $0 < low ? lowEndWeight : 1 }
    }

    /// `count` unit-norm right-hand sides, concatenated (count × n, each contiguous).
    public func sample(count: Int, using generator: inout SeededRandomNumberGenerator) -> [Double] {
        sampleWithEnergies(count: count, using: &generator).vectors
    }

    /// Right-hand sides and Ritz estimates of bᵀA⁻¹b = Σ cᵢ²/θᵢ / ‖Y c‖² (exact when the Ritz pairs are eigenpairs).
    public func sampleWithEnergies(count: Int, using generator: inout SeededRandomNumberGenerator) -> (vectors: [Double], energies: [Double]) {
        let n = basis.length, k = basis.count
        var c = [Double](repeating: 0, count: k * count)
        for s in 0..<count { for i in 0..<k { c[i + s * k] = weights[i] * generator.nextStandardNormal() } }
        // B = Y C  (n × count, column-major = samples contiguous)
        var b = [Double](repeating: 0, count: n * count)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(count), Int32(k), 1,
                    basis.vectors, Int32(n), c, Int32(k), 0, &b, Int32(n))
        var energies = [Double](repeating: 0, count: count)
        for s in 0..<count {
            let norm = cblas_dnrm2(Int32(n), Array(b[(s * n)..<((s + 1) * n)]), 1)
            if norm > 0 { for i in 0..<n { b[i + s * n] /= norm } }
            var energy = 0.0
            for i in 0..<k { energy += c[i + s * k] * c[i + s * k] / basis.values[i] }
            energies[s] = norm > 0 ? energy / (norm * norm) : 0
        }
        return (b, energies)
    }
}
