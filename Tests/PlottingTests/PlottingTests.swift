import Foundation
import Testing
import Plotting

/// Plots: PNG encoding checked by decoding with libpng, colour mapping, layout and bad input.
@Suite struct PlottingTests {
    /// Encoded pixels come back exactly from libpng's decoder.
    @Test func pngRoundTripsPixels() throws {
        var canvas = Canvas(width: 7, height: 5)
        canvas.set(x: 0, y: 0, color: RGBColor(hex: 0x123456))
        canvas.set(x: 6, y: 4, color: RGBColor(hex: 0xABCDEF))
        canvas.drawLine(from: (0, 2), to: (6, 2), color: .black)
        let data = try canvas.pngData()
        #expect(Array(data.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature")
        let decoded = try Canvas(pngData: data)
        #expect(decoded.width == 7 && decoded.height == 5)
        #expect(decoded.pixels == canvas.pixels)
        #expect(decoded.color(x: 3, y: 2) == .black)
        #expect(throws: PlotError.self) { try Canvas(pngData: Data([1, 2, 3, 4])) }
    }

    /// Drawing wholly or partly outside the canvas clips, never traps (a tick label far right of a
    /// plot with a 1e12 axis crashed `gp --maximum-frequency 1e12`: found by the flag fuzz).
    @Test func drawingOutsideTheCanvasClips() {
        var canvas = Canvas(width: 8, height: 6)
        canvas.fill(x: 20, y: 1, width: 3, height: 2, color: .black)
        canvas.fill(x: 1, y: 40, width: 3, height: 2, color: .black)
        canvas.fill(x: Int.max - 1, y: Int.max - 1, width: 5, height: 5, color: .black)
        canvas.drawText("1E12", x: 100, y: 100)
        canvas.drawText("1E12", x: -100, y: -100)
        #expect(canvas.pixels.allSatisfy { $0 == 255 }, "nothing drawn inside")
        canvas.fill(x: 6, y: 4, width: 10, height: 10, color: .black)   // partly inside: the 2×2 corner
        #expect(canvas.color(x: 7, y: 5) == .black && canvas.color(x: 6, y: 4) == .black && canvas.color(x: 5, y: 5) != .black)
    }

    /// Colour maps hit their end colours at 0 and 1, clamp outside, and show NaN as gray.
    @Test func colorMapEndsAndNaN() {
        #expect(ColorMap.viridis.color(at: 0) == RGBColor(hex: 0x440154))
        #expect(ColorMap.viridis.color(at: 1) == RGBColor(hex: 0xFDE725))
        #expect(ColorMap.viridis.color(at: 7) == ColorMap.viridis.color(at: 1))
        #expect(ColorMap.diverging.color(at: 0.5) == RGBColor(hex: 0xF7F7F7))
        #expect(ColorMap.viridis.color(at: .nan) == .gray)
    }

    /// A heat map puts the field's minimum and maximum colours where the data has them.
    @Test func heatmapPlacesValues() throws {
        // 2×2 field: top-left minimum, bottom-right maximum.
        let panel = HeatmapPanel(title: "u", rows: 2, columns: 2, values: [0, 1, 2, 3])
        let canvas = try HeatmapFigure(panels: [panel], columns: 1, panelSize: 64).render()
        // Find the panel image: the first pixel with the minimum colour, scanning rows.
        let low = ColorMap.viridis.color(at: 0), high = ColorMap.viridis.color(at: 1)
        var topLeft: (Int, Int)?
        search: for y in 0..<canvas.height { for x in 0..<canvas.width where canvas.color(x: x, y: y) == low { topLeft = (x, y); break search } }
        let (x0, y0) = try #require(topLeft)
        #expect(canvas.color(x: x0 + 31, y: y0 + 31) == low)
        #expect(canvas.color(x: x0 + 40, y: y0 + 40) == high)
        #expect(canvas.color(x: x0 + 40, y: y0 + 10) == ColorMap.viridis.color(at: 1.0 / 3))

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-plot-\(UUID().uuidString)/f.png")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try HeatmapFigure(panels: [panel, HeatmapPanel(title: "error", rows: 2, columns: 2, values: [-1, 0, 0.5, .nan], colorMap: .diverging)],
                          columns: 2, title: "Darcy").write(to: url)
        let reread = try Canvas(pngData: Data(contentsOf: url))
        #expect(reread.width > 2 * 256)
    }

    /// A line plot draws each series in its palette colour, skipping non-positive values on a log axis.
    @Test func linePlotDrawsSeries() throws {
        let xs = (0..<50).map(Double.init)
        let plot = LinePlot(title: "loss", xLabel: "epoch", yLabel: "relative L2", logScaleY: true, series: [
            LineSeries(label: "train", x: xs, y: xs.map { exp(-$0 / 10) }),
            LineSeries(label: "test", x: xs, y: xs.map { $0 == 10 ? 0 : 2 * exp(-$0 / 10) }),
        ])
        let canvas = try plot.render()
        var counts = [0, 0]
        for y in 0..<canvas.height { for x in 0..<canvas.width {
            let c = canvas.color(x: x, y: y)
            if c == RGBColor.seriesPalette[0] { counts[0] += 1 }
            if c == RGBColor.seriesPalette[1] { counts[1] += 1 }
        } }
        #expect(counts[0] > 300 && counts[1] > 300, "both curves drawn: \(counts)")
    }

    /// Bad input is a typed error, not a crash.
    @Test func badInputThrows() {
        #expect(throws: PlotError.self) { try HeatmapFigure(panels: [], columns: 1).render() }
        #expect(throws: PlotError.self) {
            try HeatmapFigure(panels: [HeatmapPanel(title: "x", rows: 3, columns: 3, values: [1, 2])], columns: 1).render()
        }
        #expect(throws: PlotError.self) { try LinePlot(title: "t", xLabel: "x", yLabel: "y", series: []).render() }
        #expect(throws: PlotError.self) {
            try LinePlot(title: "t", xLabel: "x", yLabel: "y", logScaleY: true, series: [LineSeries(label: "a", x: [1, 2], y: [0, -1])]).render()
        }
        #expect(throws: PlotError.self) {
            try LinePlot(title: "t", xLabel: "x", yLabel: "y", series: [LineSeries(label: "a", x: [1], y: [1, 2])]).render()
        }
        #expect(throws: PlotError.self) {
            try Canvas(width: 2, height: 2).writePNG(to: URL(fileURLWithPath: "/proc/forbidden/plot.png"))
        }
    }
}
