import Foundation

/// Tick positions and labels for plot axes.
enum AxisTicks {
    /// About `target` "nice" ticks (1, 2 or 5 × 10^k apart) covering [lower, upper].
    static func linear(lower: Double, upper: Double, target: Int = 5) -> [Double] {
        guard upper > lower, lower.isFinite, upper.isFinite else { return [lower] }
        let rough = (upper - lower) / Double(target)
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        var ticks: [Double] = []
        var value = ceil(lower / step) * step
        while value <= upper + step * 1e-9 {
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return ticks
    }

    /// Integer powers of ten within [lowerExponent, upperExponent] (log10 units), thinned to at most 8.
    static func logarithmic(lowerExponent: Double, upperExponent: Double) -> [Double] {
        let first = Int(ceil(lowerExponent - 1e-9)), last = Int(floor(upperExponent + 1e-9))
        guard first <= last else { return [] }
        let stride = max(1, (last - first + 7) / 8)
        return Swift.stride(from: first, through: last, by: stride).map(Double.init)
    }

    /// A short label: plain for moderate magnitudes, scientific otherwise.
    static func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        if !value.isFinite { return value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf") }
        let magnitude = abs(value)
        if magnitude >= 1e-3 && magnitude < 1e5 { return String(format: "%.4g", value) }
        return String(format: "%.2e", value)
    }
}
