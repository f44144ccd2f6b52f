import CPNG
import Foundation

/// An RGB raster image with the drawing primitives plots need, encoded to PNG through libpng.
public struct Canvas: Sendable {
    public let width: Int
    public let height: Int
    /// Row-major RGB bytes, 3 per pixel, top row first.
    public private(set) var pixels: [UInt8]

    /// A canvas filled with `background`.
    public init(width: Int, height: Int, background: RGBColor = .white) {
        precondition(width > 0 && height > 0, "canvas size must be positive")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, color: background)
    }

    /// The colour at (x, y).
    public func color(x: Int, y: Int) -> RGBColor {
        let offset = (y * width + x) * 3
        return RGBColor(red: pixels[offset], green: pixels[offset + 1], blue: pixels[offset + 2])
    }

    /// Sets one pixel; coordinates outside the canvas are ignored.
    public mutating func set(x: Int, y: Int, color: RGBColor) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let offset = (y * width + x) * 3
        pixels[offset] = color.red
        pixels[offset + 1] = color.green
        pixels[offset + 2] = color.blue
    }

    /// Fills a rectangle (clipped to the canvas).
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: RGBColor) {
        guard w > 0, h > 0 else { return }
        let rowEnd = Swift.min(height, y.addingReportingOverflow(h).overflow ? Int.max : y + h)
        let columnEnd = Swift.min(width, x.addingReportingOverflow(w).overflow ? Int.max : x + w)
        let rowStart = Swift.max(0, y), columnStart = Swift.max(0, x)
        guard rowStart < rowEnd, columnStart < columnEnd else { return }   // wholly outside the canvas
        for row in rowStart..<rowEnd {
            for column in columnStart..<columnEnd { set(x: column, y: row, color: color) }
        }
    }

    /// Outlines a rectangle one pixel wide.
    public mutating func strokeRectangle(x: Int, y: Int, width w: Int, height h: Int, color: RGBColor) {
        drawLine(from: (x, y), to: (x + w - 1, y), color: color)
        drawLine(from: (x, y + h - 1), to: (x + w - 1, y + h - 1), color: color)
        drawLine(from: (x, y), to: (x, y + h - 1), color: color)
        drawLine(from: (x + w - 1, y), to: (x + w - 1, y + h - 1), color: color)
    }

    /// A straight line (Bresenham), `thickness` pixels wide.
    public mutating func drawLine(from start: (Int, Int), to end: (Int, Int), color: RGBColor, thickness: Int = 1) {
        var (x0, y0) = start
        let (x1, y1) = end
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let stepX = x0 < x1 ? 1 : -1, stepY = y0 < y1 ? 1 : -1
        var error = dx + dy
        let half = (thickness - 1) / 2
        while true {
            if thickness == 1 { set(x: x0, y: y0, color: color) } else {
                fill(x: x0 - half, y: y0 - half, width: thickness, height: thickness, color: color)
            }
            if x0 == x1 && y0 == y1 { break }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x0 += stepX }
            if doubled <= dx { error += dx; y0 += stepY }
        }
    }

    /// Draws `text` with its top-left corner at (x, y), glyphs magnified `scale` times.
    public mutating func drawText(_ text: String, x: Int, y: Int, color: RGBColor = .black, scale: Int = 1) {
        var cursor = x
        for character in text {
            if let rows = BitmapFont.rows(for: character) {
                for (rowIndex, bits) in rows.enumerated() {
                    for column in 0..<BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - column)) != 0 {
                        fill(x: cursor + column * scale, y: y + rowIndex * scale, width: scale, height: scale, color: color)
                    }
                }
            }
            cursor += BitmapFont.advance * scale
        }
    }

    /// Draws `text` centred horizontally on `centerX`.
    public mutating func drawText(_ text: String, centeredAt centerX: Int, y: Int, color: RGBColor = .black, scale: Int = 1) {
        drawText(text, x: centerX - BitmapFont.width(of: text, scale: scale) / 2, y: y, color: color, scale: scale)
    }

    /// Width in pixels of `text` at `scale`.
    public static func textWidth(_ text: String, scale: Int = 1) -> Int { BitmapFont.width(of: text, scale: scale) }
    /// Height in pixels of one line of text at `scale`.
    public static func textHeight(scale: Int = 1) -> Int { BitmapFont.glyphHeight * scale }

    /// The image as PNG bytes (8-bit RGB), encoded by libpng's simplified API.
    public func pngData() throws -> Data {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = UInt32(PNG_FORMAT_RGB)
        var size = 0
        // First call sizes the buffer, second call writes it.
        guard pixels.withUnsafeBytes({ png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) }) != 0 else {
            throw PlotError.encodingFailed(Self.message(of: &image))
        }
        var output = [UInt8](repeating: 0, count: size)
        let status = output.withUnsafeMutableBytes { destination in
            pixels.withUnsafeBytes { png_image_write_to_memory(&image, destination.baseAddress, &size, 0, $0.baseAddress, 0, nil) }
        }
        guard status != 0 else { throw PlotError.encodingFailed(Self.message(of: &image)) }
        png_image_free(&image)
        return Data(output.prefix(size))
    }

    /// Writes the PNG atomically (temporary file, then rename), creating the folder if needed.
    public func writePNG(to url: URL) throws {
        let data = try pngData()
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw PlotError.unwritable(path: url.path, reason: error.localizedDescription)
        }
    }

    /// Decodes a PNG (any format libpng reads) into an RGB canvas.
    public init(pngData data: Data) throws {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let begun = data.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, data.count) }
        guard begun != 0 else { throw PlotError.encodingFailed(Self.message(of: &image)) }
        image.format = UInt32(PNG_FORMAT_RGB)
        let width = Int(image.width), height = Int(image.height)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let finished = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard finished != 0 else { throw PlotError.encodingFailed(Self.message(of: &image)) }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
