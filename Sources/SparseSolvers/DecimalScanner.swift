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
    // Literal tables: the compiler lays them out as constants (no lazy initialization on each access).
    /// 10^k for k = 0…22, each exact in a double.
    static let powersOfTen: [Double] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                        1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]
    /// 10^k for k = 0…19.
    static let integerPowersOfTen: [UInt64] = [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000,
        100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
        10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000, 10_000_000_000_000_000_000]

    /// Whether `byte` ends a token on a line (space, tab, CR, LF).
    @inline(__always)
    static func isSeparator(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }

    /// Parses a decimal integer (an optional `+` or `-` allowed) at `p`; nil when the token is not
    /// one or needs more than 18 digits. Advances `p` past the digits. Eight bytes are tested and
    /// converted at a time (`digitRun`).
    @inline(__always)
    static func integer(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int) -> Int? {
        var negative = false
        if p < end, base[p] == 0x2D || base[p] == 0x2B { negative = base[p] == 0x2D; p += 1 }
        var value: UInt64 = 0, digits = 0
        guard digitRun(base, &p, end, into: &value, digits: &digits, limit: 18), digits >= 1 else { return nil }
        return negative ? -Int(value) : Int(value)
    }

    /// Appends the run of decimal digits at `p` to `value` (value·10ᵏ + run) and counts them in
    /// `digits`; false, with `p` anywhere inside the run, once `digits` would exceed `limit`
    /// (so `value` never overflows when limit ≤ 19).
    ///
    /// Eight bytes at a time (SWAR): a byte b is a digit iff its high nibble is 3 and its low nibble
    /// plus 6 stays below 16; the run length is the index of the first non-digit byte; the run,
    /// moved to the top of the word so that the bytes below it read as leading zeros, is converted
    /// with three multiplications (`eightDigitValue`). Bytes from the last 7 of the buffer go one
    /// at a time.
    @inline(__always)
    static func digitRun(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int,
                         into value: inout UInt64, digits: inout Int, limit: Int) -> Bool {
        while p + 8 <= end {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self))
            let run = leadingDigitCount(word)
            if run == 0 { return true }
            guard digits + run <= limit else { return false }
            // Subtracting '0' before the shift: a borrow from a non-digit byte only reaches the
            // bytes above it, which the shift drops.
            let digitBytes = (word &- 0x3030_3030_3030_3030) << UInt64(64 - 8 * run)
            value = value &* integerPowersOfTen[run] &+ eightDigitValue(digitBytes)
            digits += run
            p += run
            if run < 8 { return true }
        }
        while p < end {
            let d = base[p] &- 0x30
            guard d < 10 else { return true }
            guard digits < limit else { return false }
            value = value &* 10 &+ UInt64(d)
            digits += 1
            p += 1
        }
        return true
    }

    /// How many of the 8 bytes of `word`, first byte in the low bits, are ASCII digits before the
    /// first one that is not (8 when all are).
    @inline(__always)
    static func leadingDigitCount(_ word: UInt64) -> Int {
        let highNibbleNotThree = (word & 0xF0F0_F0F0_F0F0_F0F0) ^ 0x3030_3030_3030_3030
        let lowNibbleAboveNine = ((word & 0x0F0F_0F0F_0F0F_0F0F) &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0
        let notDigit = highNibbleNotThree | lowNibbleAboveNine
        // The top bit of each byte set iff the byte is non-zero (no carries between bytes).
        let nonZeroBytes = (((notDigit & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | notDigit) & 0x8080_8080_8080_8080
        return nonZeroBytes.trailingZeroBitCount >> 3
    }

    /// The number written by 8 digit values d₀…d₇ (0–9, one per byte, d₀ in the low byte, the most
    /// significant): pairs 10·dₖ + dₖ₊₁ in 16-bit lanes, then 100·pₖ + pₖ₊₁ in 32-bit lanes, then
    /// 10⁴·q₀ + q₁. No lane exceeds its width, so no carry crosses lanes.
    @inline(__always)
    static func eightDigitValue(_ digitBytes: UInt64) -> UInt64 {
        let pairs = (digitBytes &* 10 &+ (digitBytes >> 8)) & 0x00FF_00FF_00FF_00FF
        let quads = (pairs &* 100 &+ (pairs >> 16)) & 0x0000_FFFF_0000_FFFF
        return (quads & 0xFFFF_FFFF) &* 10_000 &+ (quads >> 32)
    }

    /// Parses a floating-point token at `p` (up to the next separator); nil when the token is not a
    /// number. Non-finite spellings (inf, nan) are returned as such; the caller refuses them.
    ///
    /// Tokens with at most 19 digits in their mantissa (leading zeros included) are scanned eight
    /// bytes at a time (`digitRun`); longer ones, and tokens that start without a digit, go through
    /// `doubleByteByByte`, which drops digits beyond the 19th significant one.
    @inline(__always)
    static func double(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int) -> Double? {
        let start = p
        var negative = false
        if p < end, base[p] == 0x2D || base[p] == 0x2B { negative = base[p] == 0x2D; p += 1 }
        var mantissa: UInt64 = 0
        var digits = 0, exponent = 0
        guard digitRun(base, &p, end, into: &mantissa, digits: &digits, limit: 19) else {
            p = start; return doubleByteByByte(base, &p, end)
        }
        if p < end, base[p] == 0x2E {
            p += 1
            let integerDigits = digits
            guard digitRun(base, &p, end, into: &mantissa, digits: &digits, limit: 19) else {
                p = start; return doubleByteByByte(base, &p, end)
            }
            exponent = integerDigits - digits
        }
        guard digits >= 1 else { p = start; return doubleByteByByte(base, &p, end) }
        guard let decimalExponent = exponentPart(base, &p, end), p == end || isSeparator(base[p]) else { return nil }
        exponent += decimalExponent
        return correctlyRounded(mantissa, exponent, negative: negative) ?? fallback(base, start, &p, end)
    }

    /// The same token read one byte at a time: digits beyond the 19th significant one only move the
    /// exponent (and send the token to `strtod`), so any length is read.
    static func doubleByteByByte(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int) -> Double? {
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
        guard let decimalExponent = exponentPart(base, &p, end), p == end || isSeparator(base[p]) else { return nil }
        exponent += decimalExponent
        if truncated { return fallback(base, start, &p, end) }
        return correctlyRounded(mantissa, exponent, negative: negative) ?? fallback(base, start, &p, end)
    }

    /// The exponent `e±x` at `p` if there is one (0 if not; magnitudes beyond 10⁵ are kept at about
    /// 10⁵, far outside the range of doubles); nil for an `e` without digits.
    @inline(__always)
    static func exponentPart(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int) -> Int? {
        guard p < end, base[p] | 0x20 == 0x65 else { return 0 }
        p += 1
        var negative = false
        if p < end, base[p] == 0x2D || base[p] == 0x2B { negative = base[p] == 0x2D; p += 1 }
        var value = 0, digits = 0
        while p < end {
            let d = base[p] &- 0x30
            guard d < 10 else { break }
            if value < 100_000 { value = value * 10 + Int(d) }
            digits += 1
            p += 1
        }
        guard digits >= 1 else { return nil }
        return negative ? -value : value
    }

    /// ±w · 10^q for w < 10¹⁹, correctly rounded, when one of the fast exact paths applies; nil
    /// otherwise (the caller uses `strtod`).
    @inline(__always)
    static func correctlyRounded(_ w: UInt64, _ q: Int, negative: Bool) -> Double? {
        if w == 0 { return negative ? -0.0 : 0.0 }
        if w < (1 << 53), q >= -22, q <= 22 {
            let x = Double(w)
            let value = q >= 0 ? x * powersOfTen[q] : x / powersOfTen[-q]
            return negative ? -value : value
        }
        if q < 0, q >= -19, let value = verifiedQuotient(w, -q) {
            return negative ? -value : value
        }
        return nil
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
