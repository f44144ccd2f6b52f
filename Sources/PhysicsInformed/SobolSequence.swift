/// The Sobol low-discrepancy sequence in up to 8 dimensions (Gray-code order, 32-bit).
///
/// For axis `j` with primitive polynomial `x^s + a₁x^{s−1} + … + a_{s−1}x + 1` and initial odd
/// integers `m_1 … m_s`, the direction numbers `v_k = m_k / 2^k` continue by
/// ```
/// m_k = 2a₁m_{k−1} ⊕ 2²a₂m_{k−2} ⊕ … ⊕ 2^{s−1}a_{s−1}m_{k−s+1} ⊕ 2^s m_{k−s} ⊕ m_{k−s}
/// ```
/// and point `n` is obtained from point `n − 1` by `x_n = x_{n−1} ⊕ v_c`, `c` the index of the
/// lowest zero bit of `n − 1` (Antonov–Saleev Gray-code update). The first axis is the van der
/// Corput sequence (all `m_k = 1`).
///
/// Direction numbers for axes 2–8: the first rows of `new-joe-kuo-6.21201`, the table of Joe & Kuo
/// (https://web.maths.unsw.edu.au/~fkuo/sobol/), columns `s`, `a` (polynomial coefficients as an
/// integer), `m_i`.
/// References: Sobol', USSR Comput. Math. Math. Phys. 7 (1967); Antonov & Saleev (1979);
/// Joe & Kuo, "Constructing Sobol sequences with better two-dimensional projections",
/// SIAM J. Sci. Comput. 30 (2008) 2635–2654.
public struct SobolSequence: Sendable {
    /// `(s, a, m₁…m_s)` for axes 2, 3, … (Joe–Kuo, new-joe-kuo-6.21201, d = 2…8).
    static let table: [(s: Int, a: UInt32, m: [UInt32])] = [
        (1, 0, [1]),
        (2, 1, [1, 3]),
        (3, 1, [1, 3, 1]),
        (3, 2, [1, 1, 1]),
        (4, 1, [1, 1, 3, 3]),
        (4, 4, [1, 3, 5, 13]),
        (5, 2, [1, 1, 5, 5, 17]),
    ]
    /// Largest supported dimension.
    public static let maximumDimension = table.count + 1
    static let bits = 32

    /// Number of axes.
    public let dimension: Int
    private var directions: [[UInt32]]   // [axis][bit] = v_k · 2^32
    private var state: [UInt32]
    private var index: UInt32 = 0

    public init(dimension: Int) {
        precondition((1...SobolSequence.maximumDimension).contains(dimension),
                     "SobolSequence supports 1–\(SobolSequence.maximumDimension) dimensions")
        self.dimension = dimension
        var directions: [[UInt32]] = []
        let bits = SobolSequence.bits
        // Axis 1: v_k = 2^{-k}.
        directions.append((1...bits).map { UInt32(1) << UInt32(bits - $0) })
        for axis in 1..<dimension {
            let (s, a, initial) = SobolSequence.table[axis - 1]
            var m = [UInt32](repeating: 0, count: bits + 1)  // 1-based
            for k in 1...s { m[k] = initial[k - 1] }
            if s < bits {
                for k in (s + 1)...bits {
                    // m_k = 2^s m_{k−s} ⊕ m_{k−s} ⊕ Σ_i 2^i a_i m_{k−i}
                    var value = (m[k - s] << UInt32(s)) ^ m[k - s]
                    for i in 1..<s where (a >> UInt32(s - 1 - i)) & 1 == 1 {
                        value ^= m[k - i] << UInt32(i)
                    }
                    m[k] = value
                }
            }
            directions.append((1...bits).map { m[$0] << UInt32(bits - $0) })
        }
        self.directions = directions
        state = [UInt32](repeating: 0, count: dimension)
    }

    /// The next point in `[0, 1)^d` (the first call returns the origin).
    public mutating func next() -> [Double] {
        let point = state.map { Double($0) * 0x1.0p-32 }
        // c = index of the lowest zero bit of n.
        let c = (~index).trailingZeroBitCount
        if c < SobolSequence.bits {
            for axis in 0..<dimension { state[axis] ^= directions[axis][c] }
        }
        index &+= 1
        return point
    }
}
