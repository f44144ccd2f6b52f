import TensorCore

/// How collocation points are drawn in a box.
///
/// ```
/// uniform:         x_n ~ U(box), independent
/// latinHypercube:  x_{n,i} = a_i + (b_i − a_i)(π_i(n) + u_{n,i})/N,  π_i random permutations, u ~ U[0,1)
/// sobol:           the first N points of the Sobol sequence (skipping the origin), mapped to the box
/// hammersley:      x_n = (φ₂(n), φ₃(n), …, φ_{p_{d−1}}(n), n/(N+1)),  n = 1…N  (d = 1: φ₂(n))
/// ```
/// φ_b is the radical inverse in base b (van der Corput). The Hammersley set is DeepXDE's default
/// (`train_distribution="Hammersley"`, scikit-optimize's `Hammersly` skipping the origin), so
/// `.hammersley` reproduces its collocation points.
/// In 1-D the first 2^m − 1 Sobol and Hammersley points are the same set {k/2^m} (in another order).
/// Latin hypercube sampling puts exactly one point in each of the `N` equal slabs of every axis;
/// the Sobol sequence is a (t, s)-sequence in base 2 whose first `2^m` points are a (t, m, s)-net.
/// References: McKay, Beckman & Conover, Technometrics 21 (1979); Sobol', USSR Comput. Math.
/// Math. Phys. 7 (1967); Joe & Kuo, SIAM J. Sci. Comput. 30 (2008); Hammersley, "Monte Carlo
/// methods for solving multivariable problems", Ann. N.Y. Acad. Sci. 86 (1960).
public enum CollocationSampling: String, Sendable, Codable, CaseIterable {
    case uniform, latinHypercube, sobol, hammersley

    /// `count` points in `box`, row-major `[count, d]`.
    public func sample(count: Int, in box: Box, generator: inout SeededRandomNumberGenerator) -> [Double] {
        box.mapFromUnitCube(unitSample(count: count, dimension: box.dimension, generator: &generator))
    }

    /// Points for resampling (redraw, RAR candidates): different at every call. Sobol and Hammersley
    /// points are deterministic, so they get a random Cranley–Patterson shift, x ↦ frac(x + U),
    /// U ~ U[0,1)^d (the shifted set keeps its low discrepancy); the random rules draw as `sample`.
    /// Reference: Cranley & Patterson, SIAM J. Numer. Anal. 13 (1976).
    public func freshSample(count: Int, in box: Box, generator: inout SeededRandomNumberGenerator) -> [Double] {
        var unit = unitSample(count: count, dimension: box.dimension, generator: &generator)
        if self == .sobol || self == .hammersley {
            let d = box.dimension
            let shift = (0..<d).map { _ in generator.nextUnitInterval() }
            for index in unit.indices {
                let x = unit[index] + shift[index % d]
                unit[index] = x >= 1 ? x - 1 : x
            }
        }
        return box.mapFromUnitCube(unit)
    }

    func unitSample(count: Int, dimension d: Int, generator: inout SeededRandomNumberGenerator) -> [Double] {
        var unit = [Double](repeating: 0, count: count * d)
        switch self {
        case .uniform:
            for index in 0..<unit.count { unit[index] = generator.nextUnitInterval() }
        case .latinHypercube:
            for axis in 0..<d {
                var permutation = Array(0..<count)
                permutation.shuffle(using: &generator)
                for n in 0..<count {
                    unit[n * d + axis] = (Double(permutation[n]) + generator.nextUnitInterval()) / Double(count)
                }
            }
        case .sobol:
            var sequence = SobolSequence(dimension: d)
            _ = sequence.next()   // the first point is the origin, a corner of the box
            for n in 0..<count {
                let point = sequence.next()
                for axis in 0..<d { unit[n * d + axis] = point[axis] }
            }
        case .hammersley:
            let primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37]
            precondition(d <= primes.count + 1, "hammersley: at most \(primes.count + 1) dimensions")
            for n in 1...max(count, 1) where count > 0 {
                for axis in 0..<d {
                    unit[(n - 1) * d + axis] = d > 1 && axis == d - 1
                        ? Double(n) / Double(count + 1) : Self.radicalInverse(n, base: primes[axis])
                }
            }
        }
        return unit
    }

    /// φ_b(n): the base-b digits of n mirrored about the radix point.
    static func radicalInverse(_ n: Int, base: Int) -> Double {
        var n = n, result = 0.0, scale = 1.0 / Double(base)
        while n > 0 {
            result += Double(n % base) * scale
            n /= base
            scale /= Double(base)
        }
        return result
    }
}
