/// Maps a value in [0, 1] to a colour for heat maps.
public enum ColorMap: Sendable {
    /// Perceptually ordered dark purple → blue → green → yellow (anchors of the viridis map).
    case viridis
    /// Blue → white → red, for signed quantities such as errors (use with a range symmetric about 0).
    case diverging

    private var anchors: [RGBColor] {
        switch self {
        case .viridis:
            return [RGBColor(hex: 0x440154), RGBColor(hex: 0x3B528B), RGBColor(hex: 0x21918C),
                    RGBColor(hex: 0x5EC962), RGBColor(hex: 0xFDE725)]
        case .diverging:
            return [RGBColor(hex: 0x2166AC), RGBColor(hex: 0x92C5DE), RGBColor(hex: 0xF7F7F7),
                    RGBColor(hex: 0xF4A582), RGBColor(hex: 0xB2182B)]
        }
    }

    /// The colour at `t` (clamped to [0, 1]); NaN maps to gray.
    public func color(at t: Double) -> RGBColor {
        guard !t.isNaN else { return .gray }
        let clamped = min(max(t, 0), 1)
        let anchors = self.anchors
        let position = clamped * Double(anchors.count - 1)
        let lower = min(Int(position), anchors.count - 2)
        return anchors[lower].mixed(with: anchors[lower + 1], fraction: position - Double(lower))
    }
}
