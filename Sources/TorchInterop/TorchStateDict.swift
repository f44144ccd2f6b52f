import Foundation
import Datasets
import NeuralLayers
import RunSupport
import TensorCore

/// The tensors of a PyTorch state dict, read without Python from a `torch.save` zip archive or a
/// safetensors file.
///
/// A `torch.save` archive (PyTorch ≥ 1.6) is a zip whose entries share one folder:
/// ```
/// <folder>/data.pkl      the pickled object (read by Datasets' RestrictedUnpickler: nothing is executed)
/// <folder>/data/<key>    one raw storage per persistent id, in the byte order of
/// <folder>/byteorder     "little" (default when absent) or "big"
/// <folder>/version       format version (read, not needed)
/// ```
/// A tensor is a strided view of its storage; every size, stride and offset is checked with
/// overflow-checked arithmetic against the storage's element count before any element is read.
/// The state dict may be the top-level dict or sit under `state_dict` / `model` (training
/// checkpoints). Non-tensor entries (neuraloperator's `_metadata`, which holds classes and
/// functions as opaque globals) are kept in `extras`.
public struct TorchStateDict: Sendable {
    /// Tensors in the file's order.
    public var tensors: [(name: String, tensor: TorchTensor)]
    /// Entries that are not tensors (for instance `_metadata`).
    public var extras: [(name: String, value: PickleValue)]
    /// The file the dict was read from.
    public let path: String

    public init(tensors: [(name: String, tensor: TorchTensor)], extras: [(name: String, value: PickleValue)] = [], path: String) {
        self.tensors = tensors
        self.extras = extras
        self.path = path
    }

    /// The tensor `name`, if present.
    public subscript(name: String) -> TorchTensor? { tensors.first { $0.name == name }?.tensor }
    /// The tensor names.
    public var names: [String] { tensors.map(\.name) }
    /// The non-tensor entry `name`, if present.
    public func extra(_ name: String) -> PickleValue? { extras.first { $0.name == name }?.value }

    /// Reads a state dict from a `torch.save` zip archive or a safetensors file (told apart by their
    /// first bytes).
    public static func read(contentsOf path: String, budget: MemoryBudget = MemoryBudget()) throws(TorchInteropError) -> TorchStateDict {
        let bytes = try readBytes(path, budget: budget)
        if bytes.starts(with: [0x50, 0x4B]) {
            let archive = try TorchArchive(bytes: bytes, path: path)
            return try archive.stateDict(budget: budget)
        }
        if bytes.count >= 8, bytes[0] == 0x80 {
            throw .unreadable(path: path, reason: "this is the legacy (PyTorch < 1.6) torch.save format; re-save it with a current torch.save")
        }
        return try safetensors(bytes, path: path)
    }

    /// A safetensors state dict (`F32`, `F64`, `F16`, `BF16`, `C64`, integers).
    static func safetensors(_ bytes: [UInt8], path: String) throws(TorchInteropError) -> TorchStateDict {
        let archive: SafetensorsArchive
        do { archive = try SafetensorsArchive(data: Data(bytes)) } catch {
            throw .unreadable(path: path, reason: "neither a torch.save zip archive nor a valid safetensors file (\(error))")
        }
        var tensors: [(name: String, tensor: TorchTensor)] = []
        for name in archive.names {
            guard let entry = archive.entry(named: name) else { continue }
            let values: Tensor<Float>
            do { values = try archive.tensor(named: name) } catch { throw .invalidTensor(path: path, name: name, detail: "\(error)") }
            let type: TorchElementType = entry.elementType == .complex64 ? .complex64 : .float32
            tensors.append((name, TorchTensor(shape: entry.shape, elementType: type, scalars: values.scalars)))
        }
        var extras: [(name: String, value: PickleValue)] = []
        for (key, value) in archive.metadata.sorted(by: { $0.key < $1.key }) { extras.append((key, .string(value))) }
        return TorchStateDict(tensors: tensors, extras: extras, path: path)
    }

    static func readBytes(_ path: String, budget: MemoryBudget) throws(TorchInteropError) -> [UInt8] {
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw .unreadable(path: path, reason: "no such file or not readable")
        }
        guard (attributes[.type] as? FileAttributeType) == .typeRegular else { throw .unreadable(path: path, reason: "not a regular file") }
        if let size = attributes[.size] as? Int {
            do { try budget.require(bytes: size, what: "checkpoint file") } catch { throw .unreadable(path: path, reason: "\(error)") }
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path: path, reason: "cannot read the file") }
        return [UInt8](data)
    }
}
