/// A typed HDF5 attribute value: strings are written as variable-length UTF-8 (what h5py
/// writes for `str`), integers as 64-bit signed, reals as 64-bit floats.
public enum HDF5AttributeValue: Equatable, Sendable, Codable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case double(Double)
    case strings([String])
    case ints([Int])
    case doubles([Double])

    public var description: String {
        switch self {
        case .string(let value): return "\"\(value)\""
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .strings(let values): return "[" + values.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        case .ints(let values): return "\(values)"
        case .doubles(let values): return "\(values)"
        }
    }

    /// The value as a string, if it is one (or a one-element string array).
    public var stringValue: String? {
        switch self {
        case .string(let value): return value
        case .strings(let values) where values.count == 1: return values[0]
        default: return nil
        }
    }

    /// The value as an integer, if it is one (or a one-element integer array).
    public var intValue: Int? {
        switch self {
        case .int(let value): return value
        case .ints(let values) where values.count == 1: return values[0]
        default: return nil
        }
    }

    /// The value as a real number (integers convert).
    public var doubleValue: Double? {
        switch self {
        case .double(let value): return value
        case .doubles(let values) where values.count == 1: return values[0]
        case .int(let value): return Double(value)
        case .ints(let values) where values.count == 1: return Double(values[0])
        default: return nil
        }
    }
}

/// How a dataset is stored: chunking, compression and whether axis 0 may grow.
public struct HDF5DatasetOptions: Sendable, Equatable {
    /// Chunk extents (same rank as the data). Nil picks chunks of whole samples of about 1 MiB
    /// when chunking is needed (compression or an extendable axis 0), else a contiguous layout.
    public var chunkShape: [Int]?
    /// Deflate (gzip) level 1–9, or nil for no compression.
    public var deflateLevel: Int?
    /// Whether axis 0 is unlimited, so `appendSamples` can grow the dataset.
    public var extendable: Bool

    public init(chunkShape: [Int]? = nil, deflateLevel: Int? = nil, extendable: Bool = false) {
        self.chunkShape = chunkShape
        self.deflateLevel = deflateLevel
        self.extendable = extendable
    }
}

/// Shape, element type and storage of an HDF5 dataset.
public struct HDF5DatasetInfo: Sendable, Equatable {
    /// The dataset's path inside the file.
    public var path: String
    /// Current extents.
    public var shape: [Int]
    /// Maximum extents; nil marks an unlimited axis.
    public var maximumShape: [Int?]
    /// Element type the data reads as, or nil if it is not numeric (strings, compounds…).
    public var elementType: ElementType?
    /// A short name of the stored type (e.g. `float32`, `string`, `compound`).
    public var storedTypeName: String
    /// Chunk extents, nil for a contiguous or compact layout.
    public var chunkShape: [Int]?
    /// Whether any filter (deflate…) is applied.
    public var isCompressed: Bool
    /// Bytes of storage actually allocated in the file (`H5Dget_storage_size`); less than the
    /// logical size when chunks were never written (they read as the fill value).
    public var allocatedBytes: Int = 0

    /// Bytes the whole dataset takes in memory (nil for non-numeric data or on overflow).
    public var logicalBytes: Int? {
        guard let elementType, let count = NumericArray.elementCount(shape) else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: elementType.byteCount)
        return overflow ? nil : bytes
    }

    /// Why statistics over the whole dataset would not be honest work, or nil when they are:
    /// reading must stay proportional to what the file holds. A dataset whose logical size
    /// exceeds its allocated storage by more than DEFLATE's maximal ratio (about 1032:1) is mostly
    /// unwritten chunks (fill values), e.g. a tiny file declaring 2³¹×17×17 elements.
    public var statisticsSkipReason: String? {
        guard let logicalBytes else { return "its size overflows" }
        if logicalBytes > 0 && allocatedBytes == 0 { return "no data has been written (every element is the fill value)" }
        if !Self.storageExplains(bytes: logicalBytes, allocatedBytes: allocatedBytes) {
            return "only \(allocatedBytes) of \(logicalBytes) bytes are allocated (unwritten chunks read as the fill value)"
        }
        return nil
    }

    /// Whether `allocatedBytes` of storage can hold `bytes` of data: at most DEFLATE's maximal
    /// ratio of about 1032:1, with 64 MiB allowed regardless (small fill-value reads are cheap).
    static func storageExplains(bytes: Int, allocatedBytes: Int) -> Bool {
        let (bound, overflow) = allocatedBytes.multipliedReportingOverflow(by: 1032)
        return overflow || bytes <= max(bound, 64 << 20)
    }
}

/// One object found by listing an HDF5 file.
public struct HDF5Entry: Sendable, Equatable {
    public enum Kind: String, Sendable { case group, dataset, other }
    /// Absolute path such as `/0000/grid/x`.
    public var path: String
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }
}
