import CZlib
import Foundation

/// Thin wrappers over zlib's inflate and deflate (raw DEFLATE for zip entries, zlib streams for
/// MATLAB `miCOMPRESSED` elements) and its CRC-32.
enum Zlib {
    /// Stream framing: `raw` DEFLATE (zip) or a `zlib` header and Adler-32 trailer (MATLAB v5).
    enum Framing {
        case raw, zlib
        var windowBits: Int32 { self == .raw ? -15 : 15 }
    }

    /// Inflates `input`. `expectedSize` is a hint (the zip header's size); `limit` bounds the output.
    static func inflate(_ input: ArraySlice<UInt8>, framing: Framing, expectedSize: Int? = nil,
                        limit: Int = Int.max, path: String) throws -> [UInt8] {
        var stream = z_stream()
        guard pdekit_inflateInit2(&stream, framing.windowBits) == Z_OK else {
            throw DatasetError.compression(path: path, detail: "inflateInit failed")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        // DEFLATE expands at most about 1032:1, so a header cannot make us reserve more than that.
        var chunkSize = max(min(expectedSize ?? input.count * 4, limit, input.count * 1032 + 1024, 1 << 30), 1 << 12)
        var status: Int32 = Z_OK
        try input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            guard source.count <= Int(UInt32.max) else {
                throw DatasetError.unsupported(path: path, detail: "compressed streams over 4 GiB are not read")
            }
            stream.avail_in = UInt32(source.count)
            repeat {
                let produced = output.count
                // Never produce more than one byte past the limit, whatever the stream says.
                let room = limit - produced
                if room < chunkSize { chunkSize = room + 1 }
                output.append(contentsOf: repeatElement(0, count: chunkSize))
                output.withUnsafeMutableBufferPointer { destination in
                    stream.next_out = destination.baseAddress! + produced
                    stream.avail_out = UInt32(chunkSize)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                output.removeLast(Int(stream.avail_out))
                guard output.count <= limit else {
                    throw DatasetError.compression(path: path, detail: "inflated data exceeds the declared size \(limit)")
                }
                if status == Z_STREAM_END { break }
                guard status == Z_OK || status == Z_BUF_ERROR else {
                    let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                    throw DatasetError.compression(path: path, detail: message)
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 {
                    throw DatasetError.compression(path: path, detail: "stream ends before its end marker")
                }
                chunkSize = max(chunkSize, 1 << 16)
            } while true
        }
        return output
    }

    /// The first `count` inflated bytes of `input` (e.g. a header that declares the full size);
    /// throws if the stream holds fewer.
    static func inflatePrefix(_ input: ArraySlice<UInt8>, count: Int, framing: Framing, path: String) throws -> [UInt8] {
        var stream = z_stream()
        guard pdekit_inflateInit2(&stream, framing.windowBits) == Z_OK else {
            throw DatasetError.compression(path: path, detail: "inflateInit failed")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: count)
        var status: Int32 = Z_OK
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = UInt32(clamping: source.count)
                stream.next_out = destination.baseAddress
                stream.avail_out = UInt32(count)
                status = CZlib.inflate(&stream, Z_SYNC_FLUSH)
            }
        }
        guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
            let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
            throw DatasetError.compression(path: path, detail: message)
        }
        guard stream.avail_out == 0 else {
            throw DatasetError.compression(path: path, detail: "stream holds fewer than \(count) bytes")
        }
        return output
    }

    /// Deflates `input` at the given level (0–9).
    static func deflate(_ input: [UInt8], framing: Framing, level: Int32 = 6, path: String) throws -> [UInt8] {
        var stream = z_stream()
        guard pdekit_deflateInit2(&stream, level, framing.windowBits) == Z_OK else {
            throw DatasetError.compression(path: path, detail: "deflateInit failed")
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        var status: Int32 = Z_OK
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = UInt32(source.count)
                stream.next_out = destination.baseAddress
                stream.avail_out = UInt32(destination.count)
                status = CZlib.deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else {
            throw DatasetError.compression(path: path, detail: "deflate failed with status \(status)")
        }
        output.removeLast(Int(stream.avail_out))
        return output
    }

    /// CRC-32 (the zip checksum) of `bytes`.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(CZlib.crc32(0, buffer.baseAddress, uInt(buffer.count)))
        }
    }
}
