import Foundation

/// What `pdekit inspect` reports about a dataset file: format, arrays (shape, element type, min/max/mean
/// read in blocks of about 16 MiB, HDF5 chunks, compression, attributes), groups, root attributes,
/// PDEKit's manifest, and a collection's own description (``TrajectoryCollection/describe(_:)``).
public struct DatasetReport: Codable {
    public struct ArrayReport: Codable {
        public var name: String
        public var shape: [Int]
        public var dtype: String
        public var minimum: Double?
        public var maximum: Double?
        public var mean: Double?
        public var chunks: [Int]?
        public var compressed: Bool?
        public var attributes: [String: HDF5AttributeValue]?
        public var unsupported: String?
        public var statisticsSkipped: String?
    }

    public var path: String
    public var format: String
    public var arrays: [ArrayReport]
    public var groups: [String]
    public var attributes: [String: HDF5AttributeValue]
    public var manifest: DatasetManifest?
    /// The Well / PDEBench description (``TrajectoryCollection/describe(_:)``), for such files.
    public var collection: [String]?

    /// Running min/max/mean over blocks of samples.
    struct RunningStatistics {
        var minimum = Double.infinity, maximum = -Double.infinity, sum = 0.0, count = 0
        mutating func add(_ array: NumericArray) {
            guard let statistics = array.statistics else { return }
            minimum = min(minimum, statistics.minimum)
            maximum = max(maximum, statistics.maximum)
            sum += statistics.mean * Double(array.count)
            count += array.count
        }
        var result: (Double, Double, Double)? { count == 0 ? nil : (minimum, maximum, sum / Double(count)) }
    }

    /// Reads `file`'s metadata and, unless `statistics` is false, every element for min/max/mean.
    /// - Throws: `DatasetError` for a missing, unreadable or malformed file.
    public init(file: String, statistics: Bool = true) throws {
        let noStats = !statistics
        let opened = try DatasetLoader.open(file)
        var report = DatasetReport(path: file, format: opened.format.description, arrays: [], groups: [], attributes: [:], manifest: nil, collection: nil)
        if let hdf5 = opened.hdf5File {
            report.attributes = Dictionary(try hdf5.attributes(of: "/").map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
            if DatasetManifest.isPresent(in: hdf5) { report.manifest = try DatasetManifest(from: hdf5) }
            for entry in try hdf5.contents() {
                let name = String(entry.path.dropFirst())
                switch entry.kind {
                case .group:
                    report.groups.append(name)
                case .other:
                    continue
                case .dataset:
                    let info = try hdf5.datasetInfo(name)
                    let attributes = Dictionary(try hdf5.attributes(of: name).map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
                    var array = ArrayReport(name: name, shape: info.shape, dtype: info.elementType?.rawValue ?? info.storedTypeName,
                                            chunks: info.chunkShape, compressed: info.isCompressed,
                                            attributes: attributes.isEmpty ? nil : attributes)
                    if info.elementType != nil && !noStats, let reason = info.statisticsSkipReason {
                        array.statisticsSkipped = reason
                    } else if info.elementType != nil && !noStats {
                        var statistics = RunningStatistics()
                        if info.shape.contains(0) {
                            // No elements (statistics stay empty): blocks of rows would be read, 16 Mi rows at a time,
                            // for every one of up to 2^63 rows.
                        } else if let samples = info.shape.first, info.shape.count > 1 {
                            // Read about 16 MiB at a time so huge datasets do not need to fit in memory.
                            let sampleBytes = max((info.logicalBytes ?? 0) / max(samples, 1), 1)
                            let block = max(1, (16 << 20) / sampleBytes)
                            var start = 0
                            while start < samples {
                                let end = min(samples, start + block)
                                statistics.add(try hdf5.readSamples(name, start..<end))
                                start = end
                            }
                        } else {
                            statistics.add(try hdf5.readDataset(name))
                        }
                        if let (minimum, maximum, mean) = statistics.result {
                            array.minimum = minimum
                            array.maximum = maximum
                            array.mean = mean
                        }
                    }
                    report.arrays.append(array)
                }
            }
            report.collection = try TrajectoryCollection.describe(file)
            self = report
            return
        }
        for name in try opened.names() {
            if let reason = opened.unsupportedArrays.first(where: { $0.name == name })?.reason {
                report.arrays.append(ArrayReport(name: name, shape: [], dtype: "-", unsupported: reason))
                continue
            }
            let array = try opened.array(named: name)
            var entry = ArrayReport(name: name, shape: array.shape, dtype: array.elementType.rawValue)
            if !noStats, let statistics = array.statistics {
                entry.minimum = statistics.minimum
                entry.maximum = statistics.maximum
                entry.mean = statistics.mean
            }
            report.arrays.append(entry)
        }
        report.collection = try TrajectoryCollection.describe(file)
        self = report
    }

    init(path: String, format: String, arrays: [ArrayReport], groups: [String], attributes: [String: HDF5AttributeValue],
         manifest: DatasetManifest?, collection: [String]?) {
        (self.path, self.format, self.arrays, self.groups, self.attributes, self.manifest, self.collection) = (path, format, arrays, groups, attributes, manifest, collection)
    }

    static func number(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
        return String(format: "%.6g", value)
    }

    /// The text `pdekit inspect` prints.
    public var text: String {
        let report = self
        var lines = ["\(report.path): \(report.format), \(report.arrays.count) array\(report.arrays.count == 1 ? "" : "s")"]
        if !report.groups.isEmpty { lines.append("groups: " + report.groups.joined(separator: ", ")) }
        let nameWidth = min(40, report.arrays.map(\.name.count).max() ?? 0)
        for array in report.arrays {
            let name = array.name.padding(toLength: max(nameWidth, array.name.count), withPad: " ", startingAt: 0)
            if let reason = array.unsupported {
                lines.append("  \(name)  unsupported: \(reason)")
                continue
            }
            var line = "  \(name)  \(array.dtype.padding(toLength: 7, withPad: " ", startingAt: 0))  [\(array.shape.map(String.init).joined(separator: ", "))]"
            if let minimum = array.minimum, let maximum = array.maximum, let mean = array.mean {
                line += "  min \(Self.number(minimum))  max \(Self.number(maximum))  mean \(Self.number(mean))"
            }
            if let chunks = array.chunks { line += "  chunks [\(chunks.map(String.init).joined(separator: ", "))]" }
            if array.compressed == true { line += "  deflate" }
            if let reason = array.statisticsSkipped { line += "  (no statistics: \(reason))" }
            lines.append(line)
            for (key, value) in (array.attributes ?? [:]).sorted(by: { $0.key < $1.key }) {
                lines.append("      @\(key) = \(value)")
            }
        }
        if !report.attributes.isEmpty {
            lines.append("attributes:")
            for (key, value) in report.attributes.sorted(by: { $0.key < $1.key }) { lines.append("  @\(key) = \(value)") }
        }
        if let manifest = report.manifest {
            var text = "manifest: pde \(manifest.pde), grid \(manifest.grid.map(String.init).joined(separator: "x")), solver \(manifest.solver)"
            if let tolerance = manifest.tolerance { text += ", tolerance \(Self.number(tolerance))" }
            text += ", seed \(manifest.seed), \(manifest.sampleCount) samples, PDEKit \(manifest.pdekitVersion)"
            if !manifest.parameters.isEmpty {
                text += ", parameters " + manifest.parameters.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\(Self.number($0.value))" }.joined(separator: " ")
            }
            lines.append(text)
        }
        if let collection = report.collection { lines += collection }
        return lines.joined(separator: "\n")
    }
}
