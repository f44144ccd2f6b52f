#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Number parsing straight from bytes, with no allocation: the hot loop of the Matrix Market reader.
///
/// A decimal `±d₁…dₙ[.dₙ₊₁…][e±x]` is read as w · 10^q with w the first 19 significant digits.
/// ```
/// w < 2⁵³ and |q| ≤ 22:  w · 10^q or w / 10^-q, one IEEE operation on exact operands, so correctly
///                        rounded (Clinger's fast path)
/// q = −k, 1 ≤ k ≤ 19:    d = w / 10^k (two roundings), then verified exactly in 128-bit integers:
///                        d = m·2^e is correct iff (2m−1)·10^k < w·2^(1−e) < (2m+1)·10^k; when the
///                        test says below or above, the neighbouring double is tested instead
/// otherwise (more than 19 digits, a tie, large exponents, inf/nan):  C `strtod`
/// ```
/// so every value is the correctly rounded double of its text, as `strtod` would give.
///
/// References: W. D. Clinger, "How to read floating point numbers accurately", PLDI 1990;
/// D. Lemire, "Number parsing at a gigabyte per second", Softw. Pract. Exp. 51(8), 2021.
enum DecimalScanner {
    static let powersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { acc, _ in acc * 10 } }
    static let integerPowersOfTen: [UInt64] = (0...19).map { k in (0..<k).reduce(UInt64(1)) { acc, _ in acc * 10 } }

    /// Whether `byte` ends a token on a line (space, tab, CR, LF).
    @inline(__always)
    static func isSeparator(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }

    /// Parses a non-negative decimal integer (an optional `+` or `-` allowed) at `p`; nil when the
    /// token is not one or needs more than 18 digits. Advances `p` past the digits.
    @inline(__always)
    static func integer(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int) -> Int? {
        var negative = false
        if p < end, base[p] == 0x2D || base[p] == 0x2B { negative = base[p] == 0x2D; p += 1 }
        var value = 0, digits = 0
        while p < end {
            let d = base[p] &- 0x30
            guard d < 10 else { break }
            value = value &* 10 &+ Int(d)
            digits += 1
            p += 1
        }
        guard digits >= 1, digits <= 18 else { return nil }
        return negative ? -value : value
    }

    /// Parses a floating-point token at `p` (up to the next separator); nil when the token is not a
    /// number. Non-finite spellings (inf, nan) are returned as such; the caller refuses them.
    @inline(__always)
    static func double(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int) -> Double? {
        let start = p
        var negative = false
        if p < end, base[p] == 0x2D || base[p] == 0x2B { negative = base[p] == 0x2D; p += 1 }
        var mantissa: UInt64 = 0
        var significant = 0, exponent = 0
        var sawDigit = false, truncated = false
        while p < end {
            let d = base[p] &- 0x30
            guard d < 10 else { break }
            sawDigit = true
            if significant < 19 {
                if mantissa != 0 || d != 0 { mantissa = mantissa &* 10 &+ UInt64(d); significant += 1 }
            } else {
                exponent += 1; truncated = true
            }
            p += 1
        }
        if p < end, base[p] == 0x2E {
            p += 1
            while p < end {
                let d = base[p] &- 0x30
                guard d < 10 else { break }
                sawDigit = true
                if significant < 19 {
                    if mantissa != 0 || d != 0 { mantissa = mantissa &* 10 &+ UInt64(d); significant += 1 }
                    exponent -= 1
                } else {
                    truncated = true
                }
                p += 1
            }
        }
        guard sawDigit else { return fallback(base, start, &p, end) }
        if p < end, base[p] | 0x20 == 0x65 {
            p += 1
            var exponentNegative = false
            if p < end, base[p] == 0x2D || base[p] == 0x2B { exponentNegative = base[p] == 0x2D; p += 1 }
            var value = 0, digits = 0
            while p < end {
                let d = base[p] &- 0x30
                guard d < 10 else { break }
                if value < 100_000 { value = value * 10 + Int(d) }
                digits += 1
                p += 1
            }
            guard digits >= 1 else { return nil }
            exponent += exponentNegative ? -value : value
        }
        guard p == end || isSeparator(base[p]) else { return nil }
        if truncated { return fallback(base, start, &p, end) }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        if mantissa < (1 << 53), exponent >= -22, exponent <= 22 {
            let w = Double(mantissa)
            let value = exponent >= 0 ? w * powersOfTen[exponent] : w / powersOfTen[-exponent]
            return negative ? -value : value
        }
        if exponent < 0, exponent >= -19, let value = verifiedQuotient(mantissa, -exponent) {
            return negative ? -value : value
        }
        return fallback(base, start, &p, end)
    }

    /// w / 10^k correctly rounded, found next to the two-rounding estimate d = fl(fl(w) / 10^k): d, or
    /// the double one step below or above it, whichever passes the exact test; nil when none does
    /// (a tie, a subnormal, a power-of-two boundary), which is left to `strtod`.
    @inline(__always)
    static func verifiedQuotient(_ w: UInt64, _ k: Int) -> Double? {
        var candidate = Double(w) / powersOfTen[k]
        for _ in 0..<3 {
            guard let side = side(of: w, k, candidate) else { return nil }
            if side == 0 { return candidate }
            candidate = side < 0 ? candidate.nextDown : candidate.nextUp
        }
        return nil
    }

    /// Where w / 10^k lies against the rounding interval of d = m·2^e (m the 53-bit significand):
    /// 0 inside ((2m−1)·10^k < w·2^(1−e) < (2m+1)·10^k, exact in 128-bit integers), −1 below, +1
    /// above; nil when d is not a normal double strictly inside its binade or the products do not fit.
    @inline(__always)
    static func side(of w: UInt64, _ k: Int, _ d: Double) -> Int? {
        guard d.isNormal, d > 0 else { return nil }
        let m = d.significandBitPattern | (1 << 52)
        guard m != 1 << 52 else { return nil }         // the spacing below d halves: leave it to strtod
        let s = 1 - (Int(d.exponent) - 52)
        let bits = 64 - w.leadingZeroBitCount
        guard s >= 0, s + bits <= 128 else { return nil }
        let wHigh: UInt64 = s >= 64 ? w << UInt64(s - 64) : (s == 0 ? 0 : w >> UInt64(64 - s))
        let wLow: UInt64 = s >= 64 ? 0 : w << UInt64(s)
        let p10 = integerPowersOfTen[k]
        let upper = (2 * m + 1).multipliedFullWidth(by: p10)
        let lower = (2 * m - 1).multipliedFullWidth(by: p10)
        let aboveLower = lower.high < wHigh || (lower.high == wHigh && lower.low < wLow)
        let belowUpper = wHigh < upper.high || (wHigh == upper.high && wLow < upper.low)
        return aboveLower ? (belowUpper ? 0 : 1) : -1
    }

    /// `strtod` on the token [start, next separator); nil unless it consumes the whole token.
    static func fallback(_ base: UnsafePointer<UInt8>, _ start: Int, _ p: inout Int, _ end: Int) -> Double? {
        var stop = start
        while stop < end, !isSeparator(base[stop]) { stop += 1 }
        let length = stop - start
        guard length >= 1, length <= 4096 else { return nil }
        // The token NUL-terminated in a stack buffer (no heap allocation per number).
        let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { token -> Double? in
            for i in 0..<length { token[i] = CChar(bitPattern: base[start + i]) }
            token[length] = 0
            var parsedEnd: UnsafeMutablePointer<CChar>?
            let value = strtod(token.baseAddress!, &parsedEnd)
            guard let parsedEnd, parsedEnd - token.baseAddress! == length else { return nil }
            return value
        }
        if value != nil { p = stop }
        return value
    }
}
