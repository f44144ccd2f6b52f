import Foundation
import Testing
import TensorCore
import NeuralLayers

/// Safetensors headers a hostile file could carry: every one is `SafetensorsError.malformed`.
@Suite struct SafetensorsHostileTests {
    /// A file whose JSON header is `header` (length field correct unless `declaredLength` is given).
    func file(_ header: String, data: [UInt8], declaredLength: UInt64? = nil) -> Data {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (declaredLength ?? UInt64(header.utf8.count)).littleEndian) { bytes.append(contentsOf: $0) }
        return Data(bytes + Array(header.utf8) + data)
    }

    func isMalformed(_ error: any Error) -> Bool {
        if case SafetensorsError.malformed = error { return true }
        return false
    }

    @Test func hostileHeadersAreMalformed() throws {
        let eightFloats = [UInt8](repeating: 0, count: 32)
        // Control: a valid header with two adjacent tensors decodes.
        let valid = file(#"{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}}"#, data: eightFloats)
        #expect(try SafetensorsArchive(data: valid).names == ["a", "b"])
        let hostile: [(String, Data)] = [
            ("shape product overflows", file(#"{"a":{"dtype":"F64","shape":[2305843009213693952,8],"data_offsets":[0,32]}}"#, data: eightFloats)),
            ("element count × size overflows", file(#"{"a":{"dtype":"F64","shape":[1152921504606846976,2],"data_offsets":[0,0]}}"#, data: eightFloats)),
            ("extent 1e300", file(#"{"a":{"dtype":"F32","shape":[1e300],"data_offsets":[0,32]}}"#, data: eightFloats)),
            ("fractional extent", file(#"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,32]}}"#, data: eightFloats)),
            ("offset 2^63", file(#"{"a":{"dtype":"F32","shape":[8],"data_offsets":[0,9223372036854775808]}}"#, data: eightFloats)),
            ("offsets past the end", file(#"{"a":{"dtype":"F32","shape":[16],"data_offsets":[0,64]}}"#, data: eightFloats)),
            ("negative offset", file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}"#, data: eightFloats)),
            ("overlapping ranges", file(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}"#, data: eightFloats)),
            ("dtype does not fill the range", file(#"{"a":{"dtype":"F64","shape":[8],"data_offsets":[0,32]}}"#, data: eightFloats)),
            ("header length past the file", file(#"{}"#, data: [], declaredLength: UInt64.max)),
            ("header length 2^40", file(#"{}"#, data: [], declaredLength: 1 << 40)),
        ]
        for (label, data) in hostile {
            #expect("\(label)") { try SafetensorsArchive(data: data) } throws: { isMalformed($0) }
        }
    }
}
