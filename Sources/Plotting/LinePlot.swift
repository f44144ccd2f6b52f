import Foundation

/// One curve of a line plot.
public struct LineSeries: Sendable {
    public var label: String
    public var x: [Double]
    public var y: [Double]
    /// Draw markers at the points instead of joining them.
    public var markersOnly: Bool

    public init(label: String, x: [Double], y: [Double], markersOnly: Bool = false) {
        self.label = label
        self.x = x
        self.y = y
        self.markersOnly = markersOnly
    }
}

/// Curves on shared axes (loss curves, solution profiles, spectra), written as a PNG.
///
/// Non-finite points, and non-positive values on a logarithmic axis, are skipped and break the line.
public struct LinePlot: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logScaleY: Bool
    public var series: [LineSeries]
    public var width: Int
    public var height: Int

    public init(title: String, xLabel: String, yLabel: String, logScaleY: Bool = false,
                series: [LineSeries], width: Int = 720, height: Int = 460) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logScaleY = logScaleY
        self.series = series
        self.width = width
        self.height = height
    }

    /// y as drawn: log10 on a logarithmic axis, nil when not drawable.
    private func plotted(_ y: Double) -> Double? {
        guard y.isFinite else { return nil }
        if logScaleY { return y > 0 ? log10(y) : nil }
        return y
    }

    /// Renders the plot.
    public func render() throws -> Canvas {
        guard !series.isEmpty else { throw PlotError.invalidData("a line plot needs at least one series") }
        var xs: [Double] = [], ys: [Double] = []
        for curve in series {
            guard curve.x.count == curve.y.count else {
                throw PlotError.invalidData("series '\(curve.label)' has \(curve.x.count) x values and \(curve.y.count) y values")
            }
            for (x, y) in zip(curve.x, curve.y) where x.isFinite {
                if let value = plotted(y) { xs.append(x); ys.append(value) }
            }
        }
        guard let xMin = xs.min(), let xMax = xs.max(), let yMin = ys.min(), let yMax = ys.max() else {
            throw PlotError.invalidData("'\(title)' has no finite points to draw")
        }
        let xRange = xMin < xMax ? (xMin, xMax) : (xMin - 0.5, xMax + 0.5)
        var yRange = yMin < yMax ? (yMin, yMax) : (yMin - 0.5, yMax + 0.5)
        if !logScaleY { let pad = 0.04 * (yRange.1 - yRange.0); yRange = (yRange.0 - pad, yRange.1 + pad) }

        let left = 78, right = 20, top = 40, bottom = 52
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        guard plotWidth > 20, plotHeight > 20 else { throw PlotError.invalidData("plot size \(width)×\(height) is too small") }
        func px(_ x: Double) -> Int { left + Int(((x - xRange.0) / (xRange.1 - xRange.0) * Double(plotWidth - 1)).rounded()) }
        func py(_ y: Double) -> Int { top + plotHeight - 1 - Int(((y - yRange.0) / (yRange.1 - yRange.0) * Double(plotHeight - 1)).rounded()) }

        var canvas = Canvas(width: width, height: height)
        canvas.drawText(title, centeredAt: width / 2, y: 12, scale: 2)
        // Grid and ticks.
        for tick in AxisTicks.linear(lower: xRange.0, upper: xRange.1) {
            let x = px(tick)
            canvas.drawLine(from: (x, top), to: (x, top + plotHeight - 1), color: .lightGray)
            canvas.drawText(AxisTicks.label(tick), centeredAt: x, y: top + plotHeight + 6)
        }
        let yTicks = logScaleY ? AxisTicks.logarithmic(lowerExponent: yRange.0, upperExponent: yRange.1)
                               : AxisTicks.linear(lower: yRange.0, upper: yRange.1)
        for tick in yTicks {
            let y = py(tick)
            canvas.drawLine(from: (left, y), to: (left + plotWidth - 1, y), color: .lightGray)
            let label = logScaleY ? "1E" + String(Int(tick)) : AxisTicks.label(tick)
            canvas.drawText(label, x: left - 6 - Canvas.textWidth(label), y: y - 3)
        }
        canvas.strokeRectangle(x: left, y: top, width: plotWidth, height: plotHeight, color: .black)
        canvas.drawText(xLabel, centeredAt: left + plotWidth / 2, y: height - 18, scale: 1)
        canvas.drawText(yLabel, x: 6, y: top - 14)

        // Curves.
        for (index, curve) in series.enumerated() {
            let color = RGBColor.seriesPalette[index % RGBColor.seriesPalette.count]
            var previous: (Int, Int)?
            for (x, y) in zip(curve.x, curve.y) {
                guard x.isFinite, let value = plotted(y) else { previous = nil; continue }
                let point = (px(x), py(value))
                if curve.markersOnly {
                    canvas.fill(x: point.0 - 2, y: point.1 - 2, width: 5, height: 5, color: color)
                } else if let start = previous {
                    canvas.drawLine(from: start, to: point, color: color, thickness: 2)
                } else {
                    canvas.fill(x: point.0 - 1, y: point.1 - 1, width: 2, height: 2, color: color)
                }
                previous = point
            }
        }
        // Legend, top right inside the axes.
        if series.count > 1 || !series[0].label.isEmpty {
            let legendWidth = (series.map { Canvas.textWidth($0.label) }.max() ?? 0) + 30
            let legendX = left + plotWidth - legendWidth - 8
            canvas.fill(x: legendX - 4, y: top + 6, width: legendWidth + 8, height: series.count * 14 + 6, color: .white)
            for (index, curve) in series.enumerated() {
                let color = RGBColor.seriesPalette[index % RGBColor.seriesPalette.count]
                let rowY = top + 10 + index * 14
                canvas.fill(x: legendX, y: rowY + 2, width: 18, height: 3, color: color)
                canvas.drawText(curve.label, x: legendX + 24, y: rowY)
            }
        }
        return canvas
    }

    /// Renders and writes the plot as a PNG (atomically).
    public func write(to url: URL) throws {
        try render().writePNG(to: url)
    }
}
