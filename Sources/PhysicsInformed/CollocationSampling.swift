import TensorCore

/// How collocation points are drawn in a box.
///
/// ```
/// uniform:         x_n ~ U(box), independent
/// latinHypercube:  x_{n,i} = a_i + (b_i − a_i)(π_i(n) + u_{n,i})/N,  π_i random permutations, u ~ U[0,1)
/// sobol:           the first N points of the Sobol sequence (skipping the origin), mapped to the box
/// ```
/// Latin hypercube sampling puts exactly one point in each of the `N` equal slabs of every axis;
/// the Sobol sequence is a (t, s)-sequence in base 2 whose first `2^m` points are a (t, m, s)-net.
/// References: McKay, Beckman & Conover, Technometrics 21 (1979); Sobol', USSR Comput. Math.
/// Math. Phys. 7 (1967); Joe & Kuo, SIAM J. Sci. Comput. 30 (2008).
public enum CollocationSampling: String, Sendable, Codable, CaseIterable {
    case uniform, latinHypercube, sobol

    /// `count` points in `box`, row-major `[count, d]`.
    public func sample(count: Int, in box: Box, generator: inout SeededRandomNumberGenerator) -> [Double] {
        let d = box.dimension
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
        }
        return box.mapFromUnitCube(unit)
    }
}
