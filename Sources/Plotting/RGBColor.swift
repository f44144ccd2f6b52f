/// An 8-bit sRGB colour.
public struct RGBColor: Equatable, Sendable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// From a 0xRRGGBB literal.
    public init(hex: UInt32) {
        self.init(red: UInt8((hex >> 16) & 0xFF), green: UInt8((hex >> 8) & 0xFF), blue: UInt8(hex & 0xFF))
    }

    /// Linear interpolation `(1 − t)·self + t·other`, t ∈ [0, 1].
    func mixed(with other: RGBColor, fraction t: Double) -> RGBColor {
        func channel(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + t * (Double(b) - Double(a))).rounded()) }
        return RGBColor(red: channel(red, other.red), green: channel(green, other.green), blue: channel(blue, other.blue))
    }

    public static let white = RGBColor(hex: 0xFFFFFF)
    public static let black = RGBColor(hex: 0x000000)
    public static let gray = RGBColor(hex: 0x808080)
    public static let lightGray = RGBColor(hex: 0xDDDDDD)
    /// Colours for successive line series (a qualitative palette).
    public static let seriesPalette: [RGBColor] = [
        RGBColor(hex: 0x1F77B4), RGBColor(hex: 0xD62728), RGBColor(hex: 0x2CA02C),
        RGBColor(hex: 0xFF7F0E), RGBColor(hex: 0x9467BD), RGBColor(hex: 0x8C564B),
    ]
}
