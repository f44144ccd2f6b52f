/// Maxima for test oracles that NaN cannot slip through.
///
/// `Swift.max(worst, x)` returns `worst` when `x` is NaN, and `[…].max()` skips a NaN unless it comes
/// first, so a fold of errors with them passes on NaN output. These return NaN as soon as any input
/// is NaN, so `worst < tolerance` fails.

/// The larger of `a` and `b`; NaN when either is NaN.
public func maxOrNaN<T: FloatingPoint>(_ a: T, _ b: T) -> T {
    a.isNaN || b.isNaN ? .nan : (a < b ? b : a)
}

extension Sequence where Element: FloatingPoint {
    /// The largest element; NaN when any element is NaN; nil when empty.
    public func maxOrNaN() -> Element? {
        var result: Element? = nil
        for value in self {
            if value.isNaN { return .nan }
            if result.map({ value > $0 }) ?? true { result = value }
        }
        return result
    }
}
