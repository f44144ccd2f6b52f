import Foundation

/// Fields and coordinates in a PDEBench HDF5 file.
public struct PDEBenchData: Sendable {
    /// Which of the two PDEBench layouts the file uses.
    public enum Layout: String, Sendable {
        /// One `tensor` dataset `[N, T, X(, Y)…]` with `x-coordinate`, `t-coordinate` (1-D
        /// Burgers, advection, diffusion–sorption…).
        case singleTensor
        /// One group per sample (`0000`, `0001`, …), each with `data` `[T, X(, Y)…, C]` and
        /// `grid/x`, `grid/t` (2-D diffusion–reaction, shallow water…).
        case groupedSamples
    }

    public var layout: Layout
    /// All samples, sample axis first: `[N, T, X(, Y)…(, C)]`.
    public var fields: NumericArray
    /// Coordinates along x (and y, if present) and t, when the file has them.
    public var x: NumericArray?
    public var y: NumericArray?
    public var t: NumericArray?

    public init(layout: Layout, fields: NumericArray, x: NumericArray? = nil, y: NumericArray? = nil, t: NumericArray? = nil) {
        self.layout = layout
        self.fields = fields
        self.x = x
        self.y = y
        self.t = t
    }
}

/// Reads (and, for fixtures and exports, writes) the two PDEBench HDF5 layouts.
///
/// References: Takamoto et al., "PDEBench: An Extensive Benchmark for Scientific Machine
/// Learning", NeurIPS 2022 Datasets and Benchmarks (data format section of the repository).
public enum PDEBenchFile {
    /// Reads samples `range` (all if nil) of a PDEBench file of either layout.
    public static func read(_ path: String, samples range: Range<Int>? = nil) throws -> PDEBenchData {
        let file = try HDF5File(opening: path)
        defer { try? file.close() }
        if try file.exists("tensor") {
            let info = try file.datasetInfo("tensor")
            let fields = try file.readSamples("tensor", range ?? 0..<(info.shape.first ?? 0))
            func optional(_ name: String) throws -> NumericArray? { try file.exists(name) ? try file.readDataset(name) : nil }
            return PDEBenchData(layout: .singleTensor, fields: fields, x: try optional("x-coordinate"),
                                y: try optional("y-coordinate"), t: try optional("t-coordinate"))
        }
        let groups = try file.contents().filter { entry in
            entry.kind == .group && entry.path.dropFirst().allSatisfy(\.isNumber) && entry.path.count > 1
        }.map(\.path).sorted()
        guard !groups.isEmpty else {
            let available = try file.contents().filter { $0.kind == .dataset }.map { String($0.path.dropFirst()) }
            throw DatasetError.missingKey(path: path, key: "tensor", available: available)
        }
        let selected = range ?? 0..<groups.count
        guard selected.lowerBound >= 0, selected.upperBound <= groups.count else {
            throw DatasetError.shapeMismatch(path: path, detail: "samples \(selected) out of range for \(groups.count) groups")
        }
        let fields = try NumericArray.stacked(selected.map { try file.readDataset(groups[$0] + "/data") })
        let first = groups[selected.isEmpty ? 0 : selected.lowerBound]
        func optional(_ name: String) throws -> NumericArray? { try file.exists(first + "/grid/" + name) ? try file.readDataset(first + "/grid/" + name) : nil }
        return PDEBenchData(layout: .groupedSamples, fields: fields, x: try optional("x"), y: try optional("y"), t: try optional("t"))
    }

    /// Writes `data` in its layout, atomically.
    public static func write(_ data: PDEBenchData, to path: String, deflateLevel: Int? = nil) throws {
        try HDF5File.writeAtomically(to: path) { file in
            switch data.layout {
            case .singleTensor:
                try file.writeDataset("tensor", data.fields, options: HDF5DatasetOptions(deflateLevel: deflateLevel))
                if let x = data.x { try file.writeDataset("x-coordinate", x) }
                if let y = data.y { try file.writeDataset("y-coordinate", y) }
                if let t = data.t { try file.writeDataset("t-coordinate", t) }
            case .groupedSamples:
                let count = data.fields.shape.first ?? 0
                for sample in 0..<count {
                    let group = String(format: "%04ld", sample)
                    let field = try data.fields.samples(sample..<sample + 1).reshaped(Array(data.fields.shape.dropFirst()))
                    try file.writeDataset(group + "/data", field, options: HDF5DatasetOptions(deflateLevel: deflateLevel))
                    if let x = data.x { try file.writeDataset(group + "/grid/x", x) }
                    if let y = data.y { try file.writeDataset(group + "/grid/y", y) }
                    if let t = data.t { try file.writeDataset(group + "/grid/t", t) }
                }
            }
        }
    }
}
