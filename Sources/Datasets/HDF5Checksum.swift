/// HDF5's metadata checksum: Bob Jenkins' lookup3 `hashlittle` with initial value 0 over the bytes of a
/// structure before its checksum field (HDF5 File Format Specification 1.10, §II.D "Checksum").
///
/// ```
/// a = b = c = 0xdeadbeef + length
/// each 12-byte block: a += w0, b += w1, c += w2 (little-endian words), then mix(a, b, c)
/// the last 1–12 bytes (zero-padded): a += w0, b += w1, c += w2, then final(a, b, c); c is the hash
/// ```
public enum HDF5Checksum {
    public static func lookup3(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        func rotate(_ x: UInt32, _ k: UInt32) -> UInt32 { (x << k) | (x >> (32 - k)) }
        func word(_ i: Int) -> UInt32 {
            var value: UInt32 = 0
            for j in 0..<4 where i + j < bytes.endIndex { value |= UInt32(bytes[i + j]) << (8 * UInt32(j)) }
            return value
        }
        var a = 0xdead_beef &+ UInt32(truncatingIfNeeded: bytes.count), b = a, c = a
        var i = bytes.startIndex, length = bytes.count
        while length > 12 {
            a &+= word(i); b &+= word(i + 4); c &+= word(i + 8)
            a &-= c; a ^= rotate(c, 4); c &+= b
            b &-= a; b ^= rotate(a, 6); a &+= c
            c &-= b; c ^= rotate(b, 8); b &+= a
            a &-= c; a ^= rotate(c, 16); c &+= b
            b &-= a; b ^= rotate(a, 19); a &+= c
            c &-= b; c ^= rotate(b, 4); b &+= a
            length -= 12; i += 12
        }
        guard length > 0 else { return c }
        a &+= word(i); b &+= word(i + 4); c &+= word(i + 8)
        c ^= b; c &-= rotate(b, 14)
        a ^= c; a &-= rotate(c, 11)
        b ^= a; b &-= rotate(a, 25)
        c ^= b; c &-= rotate(b, 16)
        a ^= c; a &-= rotate(c, 4)
        b ^= a; b &-= rotate(a, 14)
        c ^= b; c &-= rotate(b, 24)
        return c
    }

    /// Whether the 4 little-endian bytes at `position` of `bytes` are the checksum of the bytes before them
    /// (from `start`).
    static func matches(_ bytes: [UInt8], from start: Int = 0, at position: Int) -> Bool {
        guard start >= 0, start <= position, position + 4 <= bytes.count else { return false }
        let stored = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[position + $1]) << (8 * UInt32($1)) }
        return stored == lookup3(bytes[start..<position])
    }
}
