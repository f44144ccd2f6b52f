import Foundation
import Testing
import TensorCore
import NeuralLayers

/// Safetensors checkpoints: byte layout against the specification, round trips, and malformed files.
@Suite struct SafetensorsTests {
    /// A file assembled by hand from the specification decodes to the intended tensors.
    @Test func decodesHandAssembledFile() throws {
        let header = #"{"__metadata__":{"format":"pt"},"b":{"dtype":"F16","shape":[2],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header.utf8)
        for value: Float in [1.5, -2] { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        // binary16: 0x3C00 = 1.0, 0xC500 = -5.0
        bytes.append(contentsOf: [0x00, 0x3C, 0x00, 0xC5])
        let archive = try SafetensorsArchive(data: Data(bytes))
        #expect(archive.metadata == ["format": "pt"])
        #expect(archive.names == ["a", "b"])
        #expect(try archive.tensor(named: "a", as: Double.self).scalars == [1.5, -2])
        #expect(try archive.tensor(named: "b", as: Float.self).scalars == [1, -5])
    }

    /// Encoding puts the header length first, aligns the data to 8 bytes and round-trips exactly.
    @Test func roundTripsBothPrecisions() throws {
        var generator = SeededRandomNumberGenerator(seed: 3)
        let single = Tensor<Float>.normal([3, 4, 5], using: &generator)
        let double = Tensor<Double>.normal([7], using: &generator)
        var archive = SafetensorsArchive(metadata: ["config": "{\"width\": 32}", "quote\"d": "line\nbreak"])
        archive.add(single, named: "blocks.0.weight")
        archive.add(double, named: "bias")
        let data = try archive.encoded()
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + headerLength) % 8 == 0)
        #expect(data.count == 8 + headerLength + 60 * 4 + 7 * 8)
        let decoded = try SafetensorsArchive(data: data)
        #expect(decoded.metadata == archive.metadata)
        #expect(decoded.names == ["blocks.0.weight", "bias"])
        #expect(try decoded.tensor(named: "blocks.0.weight", as: Float.self) == single)
        #expect(try decoded.tensor(named: "bias", as: Double.self) == double)
        #expect(decoded.entry(named: "bias")?.elementType == .float64)
    }

    /// The header is JSON any reader parses to the specification's fields, whatever the names hold
    /// (quotes, backslashes, control characters, non-ASCII, slashes).
    @Test func headerIsSpecificationJSON() throws {
        let names = ["plain", "quote\"d\\back", "tab\tnew\nline\u{01}", "ünïcødé/σ", "blocks.0.weight"]
        var archive = SafetensorsArchive(metadata: ["format": "pt", "path/with/slashes": "{\"a\": [1, 2]}"])
        for (k, name) in names.enumerated() { archive.add(try Tensor<Float>(shape: [k + 1], scalars: (0...k).map(Float.init)), named: name) }
        let data = try archive.encoded()
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let object = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength)))
        let header = try #require(object as? [String: Any])
        #expect(header["__metadata__"] as? [String: String] == archive.metadata)
        var offset = 0
        for (k, name) in names.enumerated() {
            let description = try #require(header[name] as? [String: Any], "\(name) missing from \(header.keys)")
            #expect(description["dtype"] as? String == "F32" && description["shape"] as? [Int] == [k + 1])
            #expect(description["data_offsets"] as? [Int] == [offset, offset + 4 * (k + 1)], "\(name)")
            offset += 4 * (k + 1)
        }
        #expect(header.count == names.count + 1 && data.count == 8 + headerLength + offset)
        #expect(try SafetensorsArchive(data: data).names == names)
    }

    /// A tensor named like the metadata key would make the written file unreadable (its description
    /// read as the metadata): encoding refuses it.
    @Test func aTensorNamedLikeTheMetadataKeyIsRefused() throws {
        var archive = SafetensorsArchive(metadata: ["format": "pt"])
        archive.add(Tensor<Float>([1, 2]), named: SafetensorsArchive.metadataKey)
        #expect(throws: SafetensorsError.self) { try archive.encoded() }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-\(UUID().uuidString).safetensors")
        #expect(throws: SafetensorsError.self) { try archive.write(to: url) }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    /// A layer's parameters survive save and load; names and shapes are checked before anything changes.
    @Test func layerParametersRoundTripThroughAFile() throws {
        var generator = SeededRandomNumberGenerator(seed: 5)
        let source = MultilayerPerceptron<Float>(widths: [3, 8, 2], activation: .tanh, generator: &generator)
        let target = MultilayerPerceptron<Float>(widths: [3, 8, 2], activation: .tanh, generator: &generator)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try source.parameterArchive(metadata: ["model": "mlp"]).write(to: url)
        try target.loadParameters(from: SafetensorsArchive(contentsOf: url))
        let input = Tensor<Float>.normal([4, 3], using: &generator)
        #expect(target.inference(input) == source.inference(input))

        let wider = MultilayerPerceptron<Float>(widths: [3, 9, 2], activation: .tanh, generator: &generator)
        let before = wider.inference(input)
        #expect(throws: SafetensorsError.self) { try wider.loadParameters(from: source.parameterArchive()) }
        #expect(wider.inference(input) == before, "a failed load must leave the layer unchanged")
    }

    /// Every truncation and a few corruptions of a valid file throw typed errors; none crashes.
    @Test func malformedFilesThrow() throws {
        var archive = SafetensorsArchive()
        archive.add(Tensor<Float>([1, 2, 3]), named: "x")
        let valid = try archive.encoded()
        for length in 0..<valid.count {
            #expect(throws: SafetensorsError.self) { try SafetensorsArchive(data: valid.prefix(length)) }
        }
        var hugeHeader = valid
        hugeHeader[7] = 0x7F
        #expect(throws: SafetensorsError.self) { try SafetensorsArchive(data: hugeHeader) }
        var badType = valid
        let typeRange = try #require(badType.range(of: Data("F32".utf8)))
        badType.replaceSubrange(typeRange, with: Data("Q32".utf8))
        #expect(throws: SafetensorsError.unsupportedElementType(name: "x", dtype: "Q32")) {
            try SafetensorsArchive(data: badType)
        }
        #expect(throws: SafetensorsError.self) {
            try SafetensorsArchive(contentsOf: URL(fileURLWithPath: "/nonexistent/model.safetensors"))
        }
    }
}
