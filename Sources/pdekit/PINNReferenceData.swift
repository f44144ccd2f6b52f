import Foundation

/// A minimal reader for `.npz` archives whose members are stored uncompressed and hold
/// little-endian float64 arrays (as DeepXDE's `Burgers.npz`). The full NPY/NPZ reader belongs to
/// the Datasets module; this covers the PINN reference data until then.
enum PINNReferenceData {
    struct ReadError: Error, CustomStringConvertible {
        let description: String
    }

    /// Arrays by member name (without `.npy`): shape and values in C order.
    static func readNPZ(_ url: URL) throws -> [String: (shape: [Int], values: [Double])] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw ReadError(description: "cannot read \(url.path): \(error.localizedDescription)") }
        let bytes = [UInt8](data)
        func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        var result: [String: (shape: [Int], values: [Double])] = [:]
        var offset = 0
        while offset + 30 <= bytes.count, u32(offset) == 0x0403_4b50 {   // local file header "PK\3\4"
            let method = u16(offset + 8)
            var compressedSize = u32(offset + 18)
            let nameLength = u16(offset + 26), extraLength = u16(offset + 28)
            let name = String(decoding: bytes[(offset + 30)..<(offset + 30 + nameLength)], as: UTF8.self)
            let start = offset + 30 + nameLength + extraLength
            if compressedSize == 0xFFFF_FFFF, extraLength >= 20 {   // ZIP64 extra field
                let extra = offset + 30 + nameLength
                compressedSize = u32(extra + 12) | u32(extra + 16) << 32
            }
            guard method == 0 else { throw ReadError(description: "\(url.lastPathComponent): member \(name) is compressed; only stored npz members are supported") }
            guard start + compressedSize <= bytes.count else { throw ReadError(description: "\(url.lastPathComponent): truncated member \(name)") }
            let member = Array(bytes[start..<(start + compressedSize)])
            let key = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
            result[key] = try parseNPY(member, name: name)
            offset = start + compressedSize
        }
        guard !result.isEmpty else { throw ReadError(description: "\(url.lastPathComponent) is not an npz archive") }
        return result
    }

    static func parseNPY(_ bytes: [UInt8], name: String) throws -> (shape: [Int], values: [Double]) {
        guard bytes.count > 10, bytes[0] == 0x93, String(decoding: bytes[1..<6], as: UTF8.self) == "NUMPY" else {
            throw ReadError(description: "\(name) is not an NPY array")
        }
        let major = bytes[6]
        let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        let headerStart = major == 1 ? 10 : 12
        guard headerStart + headerLength <= bytes.count else { throw ReadError(description: "\(name): truncated header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard header.contains("'<f8'") else { throw ReadError(description: "\(name): only little-endian float64 ('<f8') is supported") }
        let fortran = header.contains("'fortran_order': True")
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw ReadError(description: "\(name): no shape in header")
        }
        let shape = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let count = shape.reduce(1, *)
        let dataStart = headerStart + headerLength
        guard dataStart + 8 * count <= bytes.count else { throw ReadError(description: "\(name): truncated data") }
        var values = [Double](repeating: 0, count: count)
        for i in 0..<count {
            var bits: UInt64 = 0
            for b in 0..<8 { bits |= UInt64(bytes[dataStart + 8 * i + b]) << UInt64(8 * b) }
            values[i] = Double(bitPattern: bits)
        }
        if fortran && shape.count == 2 {   // to C order
            let (rows, columns) = (shape[0], shape[1])
            var c = values
            for i in 0..<rows { for j in 0..<columns { c[i * columns + j] = values[j * rows + i] } }
            values = c
        }
        return (shape, values)
    }
}
