import Foundation
import Plotting

/// PNG plots of a GP run: solution, error, learned spectrum (weights vs frequency) and loss.
public enum GaussianProcessPlots {
    public static func write(axes: [[Double]], predicted: [Double], exact: [Double], kernels: [StationaryKernel],
                      losses: [Double], directory: URL) throws {
        let error = zip(predicted, exact).map { $0 - $1 }
        if axes.count == 1 {
            try LinePlot(title: "solution", xLabel: "x", yLabel: "u", series: [
                LineSeries(label: "exact", x: axes[0], y: exact),
                LineSeries(label: "GP", x: axes[0], y: predicted),
            ]).write(to: directory.appendingPathComponent("solution.png"))
            try LinePlot(title: "absolute error", xLabel: "x", yLabel: "|u - exact|", logScaleY: true, series: [
                LineSeries(label: "error", x: axes[0], y: error.map { abs($0) }),
            ]).write(to: directory.appendingPathComponent("error.png"))
        } else {
            let rows = axes[0].count, columns = axes[1].count
            try HeatmapFigure(panels: [
                HeatmapPanel(title: "GP", rows: rows, columns: columns, values: predicted),
                HeatmapPanel(title: "exact", rows: rows, columns: columns, values: exact),
                HeatmapPanel(title: "error", rows: rows, columns: columns, values: error, colorMap: .diverging),
            ], columns: 3).write(to: directory.appendingPathComponent("solution.png"))
        }
        try LinePlot(title: "learned spectrum", xLabel: "frequency (cycles per unit)", yLabel: "weight", logScaleY: true,
                     series: kernels.enumerated().map { axis, k in
                         LineSeries(label: "axis \(axis)", x: k.frequencies.map { abs($0) }, y: k.weights, markersOnly: true)
                     }).write(to: directory.appendingPathComponent("spectrum.png"))
        if losses.count > 1 {
            let shift = max(0, -(losses.min() ?? 0)) + 1
            try LinePlot(title: "objective (+ shift to positive)", xLabel: "evaluation", yLabel: "loss", logScaleY: true, series: [
                LineSeries(label: "loss + \(shift)", x: (0..<losses.count).map(Double.init), y: losses.map { $0 + shift }),
            ]).write(to: directory.appendingPathComponent("loss.png"))
        }
    }
}
