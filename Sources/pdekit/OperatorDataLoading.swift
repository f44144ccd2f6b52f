import ArgumentParser
import Foundation
import PDEKit

/// A one-line user error of `train` / `evaluate`.
struct OperatorCommandError: Error, CustomStringConvertible {
    let description: String
}

extension SampleOrder: ExpressibleByArgument {}

/// Reads arrays for operator learning and shapes them channels first.
enum OperatorDataLoading {
    /// The array `key` of `path` as Float32. `path` is any file the Datasets module reads (HDF5,
    /// NPY, NPZ, MATLAB v5/v7.3, detected from its first bytes), or a directory holding `<key>.npy`.
    static func array(path: String, key: String) throws -> Tensor<Float> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw OperatorCommandError(description: "no such file: \(path)")
        }
        if isDirectory.boolValue {
            let file = URL(fileURLWithPath: path).appendingPathComponent(key + ".npy").path
            guard FileManager.default.fileExists(atPath: file) else {
                throw OperatorCommandError(description: "no array '\(key)' in \(path) (looked for \(file))")
            }
            return try DatasetLoader.open(file).tensor(named: key, as: Float.self)
        }
        return try DatasetLoader.open(path).tensor(named: key, as: Float.self)
    }

    /// Rows of `path` in `order` (nil: keep the stored order). Only HDF5 files from `pdekit generate`
    /// carry the `sample_index` array that `.sampled` needs; other files keep their order.
    static func rows(path: String, order: SampleOrder, rowCount: Int) throws -> [Int]? {
        var isDirectory: ObjCBool = false
        guard order == .sampled, FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        return try DatasetLoader.open(path).rows(in: order, rowCount: rowCount)
    }

    /// `tensor`'s samples (first axis) in the order `rows` lists them.
    static func reordered(_ tensor: Tensor<Float>, rows: [Int]?) -> Tensor<Float> {
        guard let rows else { return tensor }
        return tensor.gathered(indexMaps: [rows] + tensor.shape.dropFirst().map { Array(0..<$0) })
    }

    /// `[N, grid…]` becomes `[N, 1, grid…]`; `[N, C, grid…]` stays.
    static func channelsFirst(_ tensor: Tensor<Float>, spatialDimensions d: Int, name: String) throws -> Tensor<Float> {
        if tensor.rank == d + 1 { return tensor.reshaped([tensor.shape[0], 1] + Array(tensor.shape.dropFirst())) }
        if tensor.rank == d + 2 { return tensor }
        throw OperatorCommandError(description: "\(name) has shape \(tensor.shape); expected [samples, \(d) grid axes] or [samples, channels, \(d) grid axes]")
    }

    /// Every `stride`-th point along each grid axis.
    static func subsampled(_ tensor: Tensor<Float>, stride: Int) -> Tensor<Float> {
        guard stride > 1 else { return tensor }
        let maps = tensor.shape.enumerated().map { axis, size in
            axis < 2 ? Array(0..<size) : Array(Swift.stride(from: 0, to: size, by: stride))
        }
        return tensor.gathered(indexMaps: maps)
    }

    /// Samples `range` along the first axis.
    static func samples(_ tensor: Tensor<Float>, _ range: Range<Int>) -> Tensor<Float> { tensor.sliced(alongAxis: 0, range) }
}

/// PNG output of `train` and `evaluate`.
enum OperatorPlots {
    /// Input / truth / prediction / error panels of one sample (first channel); 1-D fields as line plots.
    static func writeFields(input: Tensor<Float>, truth: Tensor<Float>, prediction: Tensor<Float>, sample: Int, to url: URL) throws {
        func field(_ t: Tensor<Float>) -> [Double] {
            let per = t.count / t.shape[0] / t.shape[1]
            return t.scalars[(sample * t.shape[1]) * per..<(sample * t.shape[1] + 1) * per].map(Double.init)
        }
        let grid = Array(truth.shape.dropFirst(2))
        let a = field(input), u = field(truth), p = field(prediction)
        let error = zip(p, u).map { $0 - $1 }
        if grid.count == 1 {
            let x = (0..<grid[0]).map { Double($0) / Double(max(grid[0] - 1, 1)) }
            try LinePlot(title: "sample \(sample)", xLabel: "x", yLabel: "u", series: [
                LineSeries(label: "input", x: x, y: a), LineSeries(label: "truth", x: x, y: u),
                LineSeries(label: "prediction", x: x, y: p), LineSeries(label: "error", x: x, y: error),
            ]).write(to: url)
            return
        }
        // 2-D (3-D: the middle slice along the first axis).
        let rows = grid[grid.count - 2], columns = grid[grid.count - 1]
        let offset = grid.count == 3 ? (grid[0] / 2) * rows * columns : 0
        func slice(_ v: [Double]) -> [Double] { Array(v[offset..<(offset + rows * columns)]) }
        try HeatmapFigure(panels: [
            HeatmapPanel(title: "input", rows: rows, columns: columns, values: slice(a)),
            HeatmapPanel(title: "truth", rows: rows, columns: columns, values: slice(u)),
            HeatmapPanel(title: "prediction", rows: rows, columns: columns, values: slice(p)),
            HeatmapPanel(title: "error", rows: rows, columns: columns, values: slice(error), colorMap: .diverging),
        ], columns: 2).write(to: url)
    }

    /// Train loss and validation relative L2 per epoch, from a run's `metrics.jsonl`.
    static func writeLossCurve(metrics: URL, to url: URL) throws {
        try LossPlotObserver.write(MetricsLogObserver.read(metrics), to: url)
    }
}
