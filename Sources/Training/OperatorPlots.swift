import Foundation
import TensorCore
import Plotting

/// PNG output of operator training and evaluation runs.
public enum OperatorPlots {
    /// Input / truth / prediction / error panels of one sample (first channel); 1-D fields as line plots,
    /// 3-D fields as the middle slice along the first axis.
    public static func writeFields(input: Tensor<Float>, truth: Tensor<Float>, prediction: Tensor<Float>, sample: Int, to url: URL) throws {
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
    public static func writeLossCurve(metrics: URL, to url: URL) throws {
        try LossPlotObserver.write(MetricsLogObserver.read(metrics), to: url)
    }
}
