import Foundation

/// The comma-separated integer lists of the `pdekit bench` flags (`--sizes 64,128`, `--grids`, `--batches`).
public enum CommaSeparatedIntegers {
    /// The integers of `text` (spaces around an item are allowed); nil when `text` has no item or an item
    /// is not an integer of at least `minimum`.
    public static func parse(_ text: String, minimum: Int = .min) -> [Int]? {
        var values: [Int] = []
        for item in text.split(separator: ",") {
            guard let value = Int(item.trimmingCharacters(in: .whitespaces)), value >= minimum else { return nil }
            values.append(value)
        }
        return values.isEmpty ? nil : values
    }
}
