import Foundation

/// One field drawn as a heat map with a title and a colour bar.
public struct HeatmapPanel: Sendable {
    public var title: String
    public var rows: Int
    public var columns: Int
    /// Row-major values; row 0 is drawn at the top.
    public var values: [Double]
    public var colorMap: ColorMap
    /// Colour range; nil uses the data's finite minimum and maximum (symmetric about 0 for `.diverging`).
    public var range: ClosedRange<Double>?

    public init(title: String, rows: Int, columns: Int, values: [Double], colorMap: ColorMap = .viridis,
                range: ClosedRange<Double>? = nil) {
        self.title = title
        self.rows = rows
        self.columns = columns
        self.values = values
        self.colorMap = colorMap
        self.range = range
    }

    /// The range colours are scaled to.
    var effectiveRange: ClosedRange<Double> {
        if let range { return range }
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return 0...1 }
        if colorMap == .diverging {
            let bound = max(abs(low), abs(high), .leastNonzeroMagnitude)
            return -bound...bound
        }
        return low < high ? low...high : (low - 0.5)...(high + 0.5)
    }
}

/// Several heat maps side by side (input / truth / prediction / error), written as one PNG.
public struct HeatmapFigure: Sendable {
    public var panels: [HeatmapPanel]
    public var columns: Int
    /// Longest side of each panel's image in pixels.
    public var panelSize: Int
    public var title: String?

    public init(panels: [HeatmapPanel], columns: Int, panelSize: Int = 256, title: String? = nil) {
        self.panels = panels
        self.columns = max(1, columns)
        self.panelSize = panelSize
        self.title = title
    }

    private static let margin = 12, titleScale = 2, labelWidth = 62, barWidth = 12

    /// Renders the figure.
    public func render() throws -> Canvas {
        guard !panels.isEmpty else { throw PlotError.invalidData("a heat-map figure needs at least one panel") }
        for panel in panels {
            guard panel.rows > 0, panel.columns > 0, panel.values.count == panel.rows * panel.columns else {
                throw PlotError.invalidData("panel '\(panel.title)' has \(panel.values.count) values for \(panel.rows)×\(panel.columns)")
            }
        }
        let margin = Self.margin
        let titleHeight = Canvas.textHeight(scale: Self.titleScale) + 8
        let cellWidth = margin + panelSize + 8 + Self.barWidth + 4 + Self.labelWidth
        let cellHeight = titleHeight + panelSize + margin
        let gridRows = (panels.count + columns - 1) / columns
        let figureTitleHeight = title == nil ? 0 : Canvas.textHeight(scale: 2) + 12
        var canvas = Canvas(width: min(columns, panels.count) * cellWidth + margin,
                            height: figureTitleHeight + gridRows * cellHeight + margin)
        if let title { canvas.drawText(title, centeredAt: canvas.width / 2, y: 8, scale: 2) }
        for (index, panel) in panels.enumerated() {
            let originX = margin + (index % columns) * cellWidth
            let originY = figureTitleHeight + margin + (index / columns) * cellHeight
            draw(panel, on: &canvas, x: originX, y: originY + titleHeight)
            canvas.drawText(panel.title, x: originX, y: originY, scale: Self.titleScale)
        }
        return canvas
    }

    private func draw(_ panel: HeatmapPanel, on canvas: inout Canvas, x: Int, y: Int) {
        // Keep the field's aspect ratio; the longer side gets `panelSize` pixels.
        let scale = Double(panelSize) / Double(max(panel.rows, panel.columns))
        let imageWidth = max(1, Int((Double(panel.columns) * scale).rounded()))
        let imageHeight = max(1, Int((Double(panel.rows) * scale).rounded()))
        let range = panel.effectiveRange
        let span = range.upperBound - range.lowerBound
        for py in 0..<imageHeight {
            let row = min(panel.rows - 1, Int(Double(py) / scale))
            for px in 0..<imageWidth {
                let column = min(panel.columns - 1, Int(Double(px) / scale))
                let value = panel.values[row * panel.columns + column]
                canvas.set(x: x + px, y: y + py, color: panel.colorMap.color(at: (value - range.lowerBound) / span))
            }
        }
        canvas.strokeRectangle(x: x - 1, y: y - 1, width: imageWidth + 2, height: imageHeight + 2, color: .gray)
        // Colour bar with its end labels and midpoint.
        let barX = x + panelSize + 8
        for py in 0..<panelSize {
            let t = 1 - Double(py) / Double(max(1, panelSize - 1))
            canvas.fill(x: barX, y: y + py, width: Self.barWidth, height: 1, color: panel.colorMap.color(at: t))
        }
        canvas.strokeRectangle(x: barX - 1, y: y - 1, width: Self.barWidth + 2, height: panelSize + 2, color: .gray)
        let labelX = barX + Self.barWidth + 4
        canvas.drawText(AxisTicks.label(range.upperBound), x: labelX, y: y)
        canvas.drawText(AxisTicks.label((range.lowerBound + range.upperBound) / 2), x: labelX, y: y + panelSize / 2 - 3)
        canvas.drawText(AxisTicks.label(range.lowerBound), x: labelX, y: y + panelSize - 7)
    }

    /// Renders and writes the figure as a PNG (atomically).
    public func write(to url: URL) throws {
        try render().writePNG(to: url)
    }
}
