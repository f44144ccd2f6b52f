import Foundation
import Testing
import Datasets
import TorchInterop

/// Hand-built `torch.save` archives (the layout PyTorch writes: `<folder>/data.pkl`, `byteorder`,
/// `data/<key>`) and damaged real ones: every defect is a typed error, nothing is executed.
@Suite struct MalformedCheckpointTests {
    /// Pickle opcodes for a one-tensor state dict `{name: view of storage '0'}` (protocol 2, as torch.save).
    static func statePickle(name: String = "w", storageType: String = "FloatStorage", storageCount: Int, offset: Int,
                            size: [Int], stride: [Int], extra: [UInt8] = []) -> [UInt8] {
        var p: [UInt8] = [0x80, 0x02]
        func text(_ s: String) { p += [0x58] + withUnsafeBytes(of: UInt32(s.utf8.count).littleEndian, Array.init) + Array(s.utf8) }
        func int(_ v: Int) { p += [0x4A] + withUnsafeBytes(of: Int32(truncatingIfNeeded: v).littleEndian, Array.init) }
        func long(_ v: Int) { p += [0x8A, 8] + withUnsafeBytes(of: Int64(v).littleEndian, Array.init) }
        func global(_ module: String, _ name: String) { p += [0x63] + Array("\(module)\n\(name)\n".utf8) }
        global("collections", "OrderedDict"); p += [0x29, 0x52]          // OrderedDict()
        p += [0x28]                                                      // MARK (items)
        text(name)
        global("torch._utils", "_rebuild_tensor_v2")
        p += [0x28]                                                      // MARK (arguments)
        p += [0x28]; text("storage"); global("torch", storageType); text("0"); text("cpu"); int(storageCount); p += [0x74, 0x51]
        int(offset)
        p += [0x28]; size.forEach(long); p += [0x74]
        p += [0x28]; stride.forEach(long); p += [0x74]
        p += [0x89]
        global("collections", "OrderedDict"); p += [0x29, 0x52]
        p += [0x74, 0x52]                                                // TUPLE, REDUCE
        p += extra
        p += [0x75, 0x2E]                                                // SETITEMS, STOP
        return p
    }

    static func archive(pickle: [UInt8], storage: [Float], byteOrder: String = "little", storageBytes: [UInt8]? = nil) throws -> [UInt8] {
        let bytes = storageBytes ?? storage.flatMap { value -> [UInt8] in
            let bits = value.bitPattern
            let little = withUnsafeBytes(of: bits.littleEndian, Array.init)
            return byteOrder == "big" ? little.reversed() : little
        }
        return try ZipArchive.archive([("archive/data.pkl", pickle), ("archive/byteorder", Array(byteOrder.utf8)),
                                       ("archive/data/0", bytes), ("archive/version", Array("3\n".utf8))], deflate: false, path: "test")
    }

    static func read(_ bytes: [UInt8]) throws -> TorchStateDict {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("malformed-\(UUID().uuidString).pt")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try TorchStateDict.read(contentsOf: url.path)
    }

    @Test func aStridedViewWithAnOffsetReadsTheElementsItNames() throws {
        // storage 0…6; view offset 1, size (3, 2), stride (1, 3): rows (1,4), (2,5), (3,6) — a transpose.
        let pickle = Self.statePickle(storageCount: 7, offset: 1, size: [3, 2], stride: [1, 3])
        let state = try Self.read(try Self.archive(pickle: pickle, storage: [0, 1, 2, 3, 4, 5, 6]))
        #expect(state["w"]?.shape == [3, 2])
        #expect(state["w"]?.scalars == [1, 4, 2, 5, 3, 6])
        let big = try Self.read(try Self.archive(pickle: pickle, storage: [0, 1, 2, 3, 4, 5, 6], byteOrder: "big"))
        #expect(big["w"]?.scalars == [1, 4, 2, 5, 3, 6])
    }

    @Test func stridesOverrunningTheStorageAreRefused() throws {
        for (offset, size, stride) in [(2, [2, 3], [3, 1]), (0, [2, 2], [Int.max / 2, 1]), (0, [5], [2]), (7, [1], [1]), (0, [2], [-1]), (-1, [1], [1])] {
            let bytes = try Self.archive(pickle: Self.statePickle(storageCount: 7, offset: offset, size: size, stride: stride),
                                         storage: [0, 1, 2, 3, 4, 5, 6])
            #expect(throws: TorchInteropError.self, "offset \(offset) size \(size) stride \(stride)") { _ = try Self.read(bytes) }
        }
    }

    @Test func aStorageShorterThanItsDeclaredCountIsRefused() throws {
        let bytes = try Self.archive(pickle: Self.statePickle(storageCount: 1_000, offset: 0, size: [10], stride: [1]), storage: [1, 2, 3])
        #expect(throws: TorchInteropError.self) { _ = try Self.read(bytes) }
        let huge = try Self.archive(pickle: Self.statePickle(storageCount: Int(Int32.max), offset: 0, size: [Int.max / 4, 8], stride: [1, 1]), storage: [1])
        #expect(throws: TorchInteropError.self) { _ = try Self.read(huge) }
    }

    @Test func unsupportedStorageTypesAndOpcodesAreRefused() throws {
        let quantized = try Self.archive(pickle: Self.statePickle(storageType: "QInt8Storage", storageCount: 1, offset: 0, size: [1], stride: [1]), storage: [1])
        #expect(throws: TorchInteropError.self) { _ = try Self.read(quantized) }
        // INST (0x69) and OBJ (0x6F) build arbitrary objects: never interpreted.
        for opcode: UInt8 in [0x69, 0x6F, 0x82, 0x49] {
            var pickle = Self.statePickle(storageCount: 1, offset: 0, size: [1], stride: [1])
            pickle.insert(opcode, at: 2)
            do {
                _ = try Self.read(try Self.archive(pickle: pickle, storage: [1]))
                Issue.record("opcode \(opcode) accepted")
            } catch let error as TorchInteropError {
                guard case .unsupportedOpcode(_, let found, _) = error else { Issue.record("\(error)"); continue }
                #expect(found == opcode)
            }
        }
    }

    /// A million `TUPLE1` opcodes (a 1 MB data.pkl) nest a value a million deep: refused while it is
    /// built, so neither reading nor releasing it recurses that deep.
    @Test func aMillionDeepTupleChainIsRefusedWhileBuilding() throws {
        let pickle: [UInt8] = [0x80, 2, 0x4E] + [UInt8](repeating: 0x85, count: 1_000_000) + [0x2E]
        let result = Result { () throws(TorchInteropError) in try TorchArchive.unpickle(pickle, path: "deep.pkl") }
        guard case .failure(.malformed(_, let detail)) = result else { Issue.record("not refused as malformed: \(result)"); return }
        #expect(detail.contains("deeper than \(RestrictedUnpickler.maximumDepth)"))
    }

    /// Lists made first and nested afterwards, innermost last (memo `LONG_BINGET k, k−1, APPEND`), so
    /// that no container's recorded depth grows: still refused at `STOP`, and released without recursion.
    @Test func aDeepListChainNestedThroughTheMemoIsRefusedAndReleased() throws {
        let count = 300_000
        func key(_ k: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(k).littleEndian, Array.init) }
        var pickle: [UInt8] = [0x80, 2]
        for k in 0..<count { pickle += [0x5D, 0x72] + key(k) + [0x30] }               // EMPTY_LIST, LONG_BINPUT k, POP
        for k in stride(from: count - 1, to: 0, by: -1) {
            pickle += [0x6A] + key(k) + [0x6A] + key(k - 1) + [0x61, 0x30]          // LONG_BINGET k, k−1, APPEND, POP
        }
        pickle += [0x6A] + key(count - 1) + [0x2E]
        #expect(throws: TorchInteropError.self) { _ = try TorchArchive.unpickle(pickle, path: "deep-lists.pkl") }
    }

    /// The limits the NPZ object-array reader had (GLOBAL lines of at most 256 bytes, a bounded stack)
    /// hold for checkpoints too: one pickle interpreter (Datasets' `RestrictedUnpickler`) with the
    /// stricter limits of both.
    @Test func overlongGlobalLinesAndHugeStacksAreRefused() throws {
        let long: [UInt8] = [0x80, 2, 0x63] + Array((String(repeating: "m", count: 300) + "\nname\n").utf8) + [0x2E]
        #expect(throws: TorchInteropError.self) { _ = try TorchArchive.unpickle(long, path: "long.pkl") }
        let wide: [UInt8] = [0x80, 2] + [UInt8](repeating: 0x4E, count: RestrictedUnpickler.maximumStackCount + 1) + [0x2E]
        let result = Result { () throws(TorchInteropError) in try TorchArchive.unpickle(wide, path: "wide.pkl") }
        guard case .failure(.malformed(_, let detail)) = result else { Issue.record("not refused as malformed: \(result)"); return }
        #expect(detail.contains("stack"))
    }

    /// `posix.system('touch …')` in the pickle stays an opaque value: nothing runs, the file is never made.
    @Test func unknownGlobalsStayOpaqueAndAreNeverCalled() throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("pickle-executed-\(UUID().uuidString)")
        var extra: [UInt8] = [0x58] + withUnsafeBytes(of: UInt32(4).littleEndian, Array.init) + Array("evil".utf8)
        extra += [0x63] + Array("posix\nsystem\n".utf8)
        let command = "touch \(marker.path)"
        extra += [0x58] + withUnsafeBytes(of: UInt32(command.utf8.count).littleEndian, Array.init) + Array(command.utf8)
        extra += [0x85, 0x52]                                            // TUPLE1, REDUCE
        let state = try Self.read(try Self.archive(pickle: Self.statePickle(storageCount: 1, offset: 0, size: [1], stride: [1], extra: extra), storage: [5]))
        #expect(state["w"]?.scalars == [5])
        guard case .opaque(let callable, _, _)? = state.extra("evil") else { Issue.record("not opaque: \(String(describing: state.extra("evil")))"); return }
        #expect(callable.description == "posix.system")
        #expect(!FileManager.default.fileExists(atPath: marker.path))
        #expect(throws: TorchInteropError.self) { _ = try NeuraloperatorFNO.model(from: state) }
    }

    @Test func truncatedAndBitFlippedRealCheckpointsGiveTypedErrors() throws {
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: FixturePaths.path("fno1d.pt"))))
        for length in [0, 10, 100, original.count / 2, original.count - 30, original.count - 1] {
            #expect(throws: (any Error).self, "length \(length)") { _ = try Self.read(Array(original.prefix(length))) }
        }
        // The pickle itself, damaged (the zip's CRC would catch it first): every mutation reads or throws.
        let zip = try ZipArchive(bytes: original, path: "fno1d.pt")
        let pickle = try zip.contents(of: try #require(zip.entries.first { $0.name.hasSuffix("data.pkl") }))
        var generator = SystemRandomNumberGenerator()
        var refused = 0
        for _ in 0..<400 {
            var mutated = pickle
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            do { _ = try TorchArchive.unpickle(mutated, path: "mutated") } catch { refused += 1 }
        }
        #expect(refused > 0)
        // Recursion and memo misuse: a list appended to itself, a memo read before any write.
        let recursive: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E]
        #expect(throws: TorchInteropError.self) { _ = try TorchArchive.unpickle(recursive, path: "recursive") }
        #expect(throws: TorchInteropError.self) { _ = try TorchArchive.unpickle([0x80, 0x02, 0x68, 0x05, 0x2E], path: "memo") }
    }

    @Test func missingKeysAndWrongShapesAreNamed() throws {
        var state = try TorchStateDict.read(contentsOf: FixturePaths.path("fno1d.pt"))
        var without = state
        without.tensors.removeAll { $0.name == "fno_blocks.fno_skips.1.conv.weight" }
        #expect(throws: TorchInteropError.missingTensor(name: "fno_blocks.fno_skips.1.conv.weight")) { _ = try NeuraloperatorFNO.model(from: without) }
        let index = try #require(state.tensors.firstIndex { $0.name == "projection.fcs.0.weight" })
        state.tensors[index].tensor.shape = [state.tensors[index].tensor.shape[0], 3, 1]
        #expect(throws: TorchInteropError.self) { _ = try NeuraloperatorFNO.model(from: state) }
    }
}
