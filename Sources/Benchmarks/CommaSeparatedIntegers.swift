import Foundation

/// The comma-separated lists of the `pdekit bench` flags (`--sizes 64,128`, `--darcy`, `--grids`, `--batches`,
/// `--tolerances`, `--methods`): one splitting rule for all of them.
public enum CommaSeparatedIntegers {
    /// The items of `text`: split at commas, spaces around an item removed, empty items skipped.
    public static func items(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The integers of `text` (``items(_:)``); nil when `text` has no item or an item is not an integer of
    /// at least `minimum`.
    public static func parse(_ text: String, minimum: Int = .min) -> [Int]? {
        var values: [Int] = []
        for item in items(text) {
            guard let value = Int(item), value >= minimum else { return nil }
            values.append(value)
        }
        return values.isEmpty ? nil : values
    }
}
