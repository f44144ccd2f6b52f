import Foundation

/// The one JSON encoding of what PDEKit writes for people and scripts: summaries, metric lines
/// (`metrics.jsonl`, `log.jsonl`, `loss.jsonl`) and the CLI's JSON output.
///
/// Keys are sorted (one key order on every line and in every run) and slashes are not escaped
/// (paths stay readable). JSON has no ∞ or NaN: a figure that may legitimately be non-finite is
/// declared ``NonFiniteAsNull`` and written as `null`; any other non-finite number is written as the
/// string `"inf"`, `"-inf"` or `"nan"` rather than failing the write (an `EncodingError` after a long
/// run would lose its results).
///
/// Checkpoint metadata (configurations compared on resume) keeps its own encoders: its bytes are part
/// of the stored files.
public enum JSONOutput {
    /// One object on one line.
    case singleLine
    /// Indented, for files read by people (`summary.json`, `configuration.json`).
    case indented

    /// An encoder with this layout and the conventions above.
    public var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = self == .singleLine ? [.sortedKeys, .withoutEscapingSlashes]
                                                 : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// `value` as one line of JSON (no trailing newline).
    public static func line<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try JSONOutput.singleLine.encoder.encode(value), as: UTF8.self)
    }

    /// JSON lines: one line per value, each ended by a newline.
    public static func lines<Values: Sequence>(_ values: Values) throws -> Data where Values.Element: Encodable {
        let encoder = JSONOutput.singleLine.encoder
        var data = Data()
        for value in values {
            data.append(try encoder.encode(value))
            data.append(0x0A)
        }
        return data
    }

    /// `value` as an indented document ended by a newline.
    public static func document<Value: Encodable>(_ value: Value) throws -> Data {
        try JSONOutput.indented.encoder.encode(value) + Data([0x0A])
    }
}

/// A figure that JSON writes as `null` when it is not finite (a residual that overflowed, an error that
/// has no reference): the stated value of ``JSONOutput`` for numbers that may be ∞ or NaN. Decoding
/// reads `null` back as NaN.
@propertyWrapper
public struct NonFiniteAsNull<Value: FiniteOrNullRepresentable>: Codable {
    public var wrappedValue: Value

    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue.finiteOrNull)
    }

    public init(from decoder: any Decoder) throws {
        wrappedValue = Value(finiteOrNull: try decoder.singleValueContainer().decode(Value.Written.self))
    }
}

extension NonFiniteAsNull: Sendable where Value: Sendable {}
extension NonFiniteAsNull: Equatable where Value: Equatable {}

/// Numbers (or arrays of them) with a JSON form in which every non-finite number is `null`.
public protocol FiniteOrNullRepresentable {
    associatedtype Written: Codable
    /// The value with each non-finite number replaced by nil.
    var finiteOrNull: Written { get }
    /// The value back from its written form (nil → NaN).
    init(finiteOrNull: Written)
}

extension Double: FiniteOrNullRepresentable {
    public var finiteOrNull: Double? { isFinite ? self : nil }
    public init(finiteOrNull: Double?) { self = finiteOrNull ?? .nan }
}

extension Array: FiniteOrNullRepresentable where Element == Double {
    public var finiteOrNull: [Double?] { map(\.finiteOrNull) }
    public init(finiteOrNull: [Double?]) { self = finiteOrNull.map { $0 ?? .nan } }
}

extension KeyedEncodingContainer {
    /// `value` under `key`, or null when it is nil or not finite (for keys built at run time, where
    /// ``NonFiniteAsNull`` cannot be declared).
    public mutating func encodeFiniteOrNull(_ value: Double?, forKey key: Key) throws {
        try encode(value?.finiteOrNull, forKey: key)
    }
}
