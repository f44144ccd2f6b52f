import Foundation
import TensorCore
import NeuralLayers
import NeuralOperators

/// A neural operator the ``Trainer`` can fit: a `Float` layer mapping fields `[batch, C_in, grid…]`
/// to `[batch, C_out, grid…]`, rebuilt from a Codable configuration (stored as JSON in checkpoints).
///
/// `FourierNeuralOperator<Float>` and `MgNO<Float>` conform. Another family needs a conformance, a
/// case of ``OperatorKind`` and a line in `TrainedModel.load(from:)`'s switch.
public protocol OperatorModel: Layer where Scalar == Float {
    associatedtype Configuration: Codable & Sendable & Equatable
    /// Tag stored in checkpoints, used to pick the type when loading.
    static var kind: OperatorKind { get }
    /// Metadata key of the configuration JSON in a checkpoint.
    static var configurationKey: String { get }
    var configuration: Configuration { get }
    /// Number of grid axes the model works on.
    var spatialDimensions: Int { get }
    /// A model with freshly initialized parameters.
    init(operatorConfiguration: Configuration, generator: inout SeededRandomNumberGenerator) throws
    /// Throws (a typed, user-facing error) when inputs of `shape` do not fit the model.
    func validateInput(shape: [Int]) throws
}

extension FourierNeuralOperator: OperatorModel where Scalar == Float {
    public static var kind: OperatorKind { .fno }
    public static var configurationKey: String { "pdekit.fno.configuration" }
    public var spatialDimensions: Int { configuration.spatialDimensions }
    public init(operatorConfiguration: FNOConfiguration, generator: inout SeededRandomNumberGenerator) throws {
        try self.init(operatorConfiguration, generator: &generator)
    }
    public func validateInput(shape: [Int]) throws { try validate(inputShape: shape) }
}

extension MgNO: OperatorModel where Scalar == Float {
    public static var kind: OperatorKind { .mgno }
    public static var configurationKey: String { "pdekit.mgno.configuration" }
    public var spatialDimensions: Int { configuration.spatialDimensions }
    public init(operatorConfiguration: MgNOConfiguration, generator: inout SeededRandomNumberGenerator) throws {
        try self.init(configuration: operatorConfiguration, generator: &generator)
    }
    public func validateInput(shape: [Int]) throws { try validate(inputShape: shape) }
}

extension OperatorModel {
    /// Metadata key of the model kind in a checkpoint.
    public static var kindKey: String { "pdekit.model.kind" }

    /// The configuration as sorted-key JSON.
    func configurationJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(configuration), as: UTF8.self)
    }

    /// Whether `archive` was written for a model of this kind and configuration.
    func matchesConfiguration(in archive: SafetensorsArchive) -> Bool {
        let kind = archive.metadata[Self.kindKey] ?? OperatorKind.fno.rawValue
        guard kind == Self.kind.rawValue, let json = archive.metadata[Self.configurationKey],
              let saved = try? JSONDecoder().decode(Configuration.self, from: Data(json.utf8)) else { return false }
        return saved == configuration
    }

    /// A model of this type rebuilt from the configuration and parameters in `archive`.
    static func load(from archive: SafetensorsArchive, path: String) throws -> Self {
        guard let json = archive.metadata[configurationKey] else {
            throw TrainingError.checkpoint("\(path) has no \(kind.rawValue) configuration")
        }
        let configuration: Configuration
        do { configuration = try JSONDecoder().decode(Configuration.self, from: Data(json.utf8)) } catch {
            throw TrainingError.checkpoint("\(path): unreadable \(kind.rawValue) configuration (\(error.localizedDescription))")
        }
        var generator = SeededRandomNumberGenerator(seed: 0)
        let model = try Self(operatorConfiguration: configuration, generator: &generator)
        try model.loadParameters(from: archive, allowingExtraTensors: true)
        return model
    }

    /// `{"kind": …, "model": configuration, "training": …}`, pretty-printed (a run's configuration.json).
    func runConfigurationJSON(training: TrainingConfiguration) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(RunConfiguration(kind: Self.kind, model: configuration, training: training))
    }
}

/// What a run's configuration.json holds.
struct RunConfiguration<Model: Encodable>: Encodable {
    let kind: OperatorKind
    let model: Model
    let training: TrainingConfiguration
}
