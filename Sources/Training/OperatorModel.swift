import Foundation
import TensorCore
import NeuralLayers
import NeuralOperators
import RunSupport

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
    /// Checks a configuration read from a file before a model is built from it: its own `validate()`
    /// and an overflow-checked upper bound of the trainable scalars; returns that bound.
    static func checkedParameterBound(_ configuration: Configuration) throws -> Int
    /// Input and output channels of the configuration.
    static func channels(of configuration: Configuration) -> (input: Int, output: Int)
}

extension FourierNeuralOperator: OperatorModel where Scalar == Float {
    public static var kind: OperatorKind { .fno }
    public static var configurationKey: String { "pdekit.fno.configuration" }
    public var spatialDimensions: Int { configuration.spatialDimensions }
    public init(operatorConfiguration: FNOConfiguration, generator: inout SeededRandomNumberGenerator) throws {
        try self.init(operatorConfiguration, generator: &generator)
    }
    public func validateInput(shape: [Int]) throws { try validate(inputShape: shape) }
    public static func channels(of c: FNOConfiguration) -> (input: Int, output: Int) { (c.inputChannels, c.outputChannels) }

    /// Spectral weights `L · w² · 2^d · Π modes · 2` (complex, both halves of every axis but the last,
    /// counted generously) plus the lifting, projection and pointwise layers.
    public static func checkedParameterBound(_ c: FNOConfiguration) throws -> Int {
        try c.validate()
        let d = c.spatialDimensions, what = "FNO configuration"
        let hidden = max(c.width, c.liftingChannels, c.projectionChannels, 1)
        let spectral = try MemoryBudget.product([c.layerCount, c.width, c.width, 1 << d, 2] + c.modes, what: what)
        // Channel counts come from checkpoint files: every sum is checked too.
        let (layers, layersOverflow) = c.layerCount.addingReportingOverflow(4), (inputs, inputsOverflow) = c.inputChannels.addingReportingOverflow(d)
        guard !layersOverflow, !inputsOverflow else { throw MemoryBudgetError.overflow(what: what, factors: [c.layerCount, c.inputChannels, d]) }
        let dense = try MemoryBudget.product([layers, hidden, max(hidden, inputs, c.outputChannels), 2], what: what)
        let (total, overflow) = spectral.addingReportingOverflow(dense)
        guard !overflow else { throw MemoryBudgetError.overflow(what: what, factors: [spectral, dense]) }
        return total
    }
}

extension MgNO: OperatorModel where Scalar == Float {
    public static var kind: OperatorKind { .mgno }
    public static var configurationKey: String { "pdekit.mgno.configuration" }
    public var spatialDimensions: Int { configuration.spatialDimensions }
    public init(operatorConfiguration: MgNOConfiguration, generator: inout SeededRandomNumberGenerator) throws {
        try self.init(configuration: operatorConfiguration, generator: &generator)
    }
    public func validateInput(shape: [Int]) throws { try validate(inputShape: shape) }
    public static func channels(of c: MgNOConfiguration) -> (input: Int, output: Int) { (c.inputChannels, c.outputChannels) }

    /// ``MgNOConfiguration/checkedParameterCount()`` after validation: the exact count, overflow-checked.
    public static func checkedParameterBound(_ c: MgNOConfiguration) throws -> Int {
        try c.validate()
        return try c.checkedParameterCount()
    }
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

    /// Input and output channels.
    var channelCounts: (input: Int, output: Int) { Self.channels(of: configuration) }

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
        // Refuse absurd configurations (width 1e5, 1e6 layers) before allocating: weights, gradients and
        // Adam's two moments, 4 bytes each.
        do {
            let bound = try checkedParameterBound(configuration)
            try MemoryBudget().require(bytes: MemoryBudget.bytes(elements: bound, bytesPerElement: 16, what: "the \(kind.rawValue) model"),
                                       what: "the \(kind.rawValue) model of \(path)")
        } catch {
            throw TrainingError.checkpoint("\(path): unusable \(kind.rawValue) configuration (\(error))")
        }
        var generator = SeededRandomNumberGenerator(seed: 0)
        let model = try Self(operatorConfiguration: configuration, generator: &generator)
        try model.verifyParameters(in: archive, path: path)
        try model.loadParameters(from: archive, allowingExtraTensors: true)
        return model
    }

    /// Throws unless `archive` holds every parameter with its shape and finite values.
    func verifyParameters(in archive: SafetensorsArchive, path: String) throws {
        for (name, parameter) in namedParameters {
            let tensor: Tensor<Float>
            do { tensor = try archive.tensor(named: name) } catch { throw TrainingError.checkpoint("\(path): \(error)") }
            guard tensor.shape == parameter.value.shape else {
                throw TrainingError.checkpoint("\(path): \(name) has shape \(tensor.shape), the model needs \(parameter.value.shape)")
            }
            guard tensor.isFinite else { throw TrainingError.checkpoint("\(path): \(name) contains NaN or infinity") }
        }
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
