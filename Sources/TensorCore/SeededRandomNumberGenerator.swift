/// A fast, seedable, reproducible random number generator (xoshiro256**).
///
/// The state is seeded from one 64-bit seed through SplitMix64, as the algorithm's authors
/// recommend. The same seed gives the same stream on every machine.
///
/// References: D. Blackman, S. Vigna, "Scrambled linear pseudorandom number generators",
/// ACM TOMS 47 (2021).
public struct SeededRandomNumberGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var state: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a generator whose whole stream is determined by `seed`.
    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (nextSplitMix(), nextSplitMix(), nextSplitMix(), nextSplitMix())
    }

    /// The four state words: saved in a checkpoint, they continue the stream exactly through
    /// ``init(stateWords:)``.
    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    /// Continues a stream from ``stateWords``; nil unless there are four words, not all zero (xoshiro's
    /// all-zero state repeats zero forever).
    public init?(stateWords words: [UInt64]) {
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { return nil }
        state = (words[0], words[1], words[2], words[3])
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    @inlinable
    func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform sample in `[0, 1)` with 53 random bits.
    @inlinable
    public mutating func nextUnitInterval() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A standard normal sample (Marsaglia's polar method).
    @inlinable
    public mutating func nextStandardNormal() -> Double {
        while true {
            let u = 2 * nextUnitInterval() - 1
            let v = 2 * nextUnitInterval() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return u * (-2 * Double.logarithm(s) / s).squareRoot()
            }
        }
    }
}

extension Tensor {
    /// Independent uniform samples in `[lowerBound, upperBound)`.
    @inlinable
    public static func uniform(
        _ shape: [Int], lowerBound: Scalar = 0, upperBound: Scalar = 1,
        using generator: inout SeededRandomNumberGenerator
    ) -> Tensor {
        let width = Double(upperBound - lowerBound), low = Double(lowerBound)
        return Tensor(shape: shape) { out in
            for i in 0..<out.count { out[i] = Scalar(low + width * generator.nextUnitInterval()) }
        }
    }

    /// Independent normal samples `N(mean, standardDeviation²)`.
    @inlinable
    public static func normal(
        _ shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1,
        using generator: inout SeededRandomNumberGenerator
    ) -> Tensor {
        let sigma = Double(standardDeviation), mu = Double(mean)
        return Tensor(shape: shape) { out in
            for i in 0..<out.count { out[i] = Scalar(mu + sigma * generator.nextStandardNormal()) }
        }
    }
}
