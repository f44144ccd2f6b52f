import TensorCore

/// How many of the training rows are held out for validation.
public enum ValidationSize: Sendable, Equatable {
    /// Exactly this many (0: no validation set).
    case count(Int)
    /// ⌊fraction · train⌋ of them.
    case fraction(Double)

    /// 10 % of the training rows.
    public static let `default` = ValidationSize.fraction(0.1)

    /// The number of rows out of `train`.
    /// - Throws: `DatasetError.invalidSplit` for a negative count or a fraction outside [0, 1).
    public func rows(outOf train: Int, path: String) throws -> Int {
        switch self {
        case .count(let count):
            guard count >= 0 else { throw DatasetError.invalidSplit(path: path, detail: "a validation count must not be negative, got \(count)") }
            return count
        case .fraction(let fraction):
            guard fraction.isFinite, fraction >= 0, fraction < 1 else {
                throw DatasetError.invalidSplit(path: path, detail: "a validation fraction must be in [0, 1), got \(fraction)")
            }
            return Int((fraction * Double(train)).rounded(.down))
        }
    }
}

/// Training, validation and test pairs cut from one or two files.
///
/// The rows, in the file's ``SampleOrder``:
/// ```
/// 0 ..< train − v          training
/// train − v ..< train      validation (v rows taken from the end of the training rows)
/// train ..< train + test   test (or rows 0 ..< test of a separate test file)
/// ```
/// so asking for validation never moves the test rows, and with v = 0 the training and test sets
/// are those `pdekit train` has always used.
public struct FieldPairSplit: Sendable {
    public let train: FieldPairs
    /// nil when v = 0.
    public let validation: FieldPairs?
    public let test: FieldPairs
}

extension FieldPairFile {
    /// Cuts the sets described by ``FieldPairSplit``.
    ///
    /// - Parameters:
    ///   - train: rows for training and validation together (> 0).
    ///   - validation: how many of those validate (fewer than `train`).
    ///   - test: test rows (> 0), after the training rows or from `testFile`.
    ///   - testFile: a separate file of test pairs; it must have this file's grid axes and channels.
    /// - Throws: `DatasetError.invalidSplit` when a count is out of range, `nonFinite` for NaN or
    ///   infinity in a used row, `shapeMismatch` when the test file's samples differ in shape.
    public func split(train: Int, validation: ValidationSize = .default, test: Int, testFile: FieldPairFile? = nil) throws -> FieldPairSplit {
        guard train > 0, test > 0 else {
            throw DatasetError.invalidSplit(path: path, detail: "the training and test sets need at least one sample each (asked for \(train) and \(test))")
        }
        let validationRows = try validation.rows(outOf: train, path: path)
        guard validationRows < train else {
            throw DatasetError.invalidSplit(path: path, detail: "\(validationRows) validation samples leave none of the \(train) training samples")
        }
        let testPairs: FieldPairs
        if let testFile {
            guard count >= train else {
                throw DatasetError.invalidSplit(path: path, detail: "has \(count) samples, fewer than \(train) training samples")
            }
            guard testFile.spatialDimensions == spatialDimensions else {
                throw DatasetError.shapeMismatch(path: testFile.path, detail: "\(testFile.spatialDimensions) grid axes, the training data have \(spatialDimensions)")
            }
            guard testFile.count >= test else {
                throw DatasetError.invalidSplit(path: testFile.path, detail: "has \(testFile.count) samples, fewer than \(test) test samples")
            }
            testPairs = try testFile.pairs(0..<test)
        } else {
            guard count >= train, count - train >= test else {   // never forms train + test, which may overflow
                throw DatasetError.invalidSplit(path: path, detail: "has \(count) samples, fewer than \(train) training + \(test) test samples")
            }
            testPairs = try pairs(train..<(train + test))
        }
        return FieldPairSplit(train: try pairs(0..<(train - validationRows)),
                              validation: validationRows > 0 ? try pairs((train - validationRows)..<train) : nil,
                              test: testPairs)
    }
}
