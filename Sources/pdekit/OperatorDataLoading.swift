import ArgumentParser
import Foundation
import PDEKit

/// A one-line user error of `train` / `evaluate` (the library's ``OperatorRunError``).
typealias OperatorCommandError = OperatorRunError

extension SampleOrder: ExpressibleByArgument {}

extension OperatorTrainingOptions {
    /// The training, validation and test pairs the data flags ask for, and the number of grid axes:
    /// `--data`/`--test-data` read by key in `--sample-order`, `--channels-first` or not, every
    /// `--subsample`-th point, split by `--train`/`--test` (`validation` rows come out of `--train`).
    func dataSplit(validation: ValidationSize = .count(0)) throws -> (split: FieldPairSplit, spatialDimensions: Int) {
        let layout: FieldLayout = channelsFirst ? .samplesChannelsGrid : .samplesGrid
        func file(_ path: String) throws -> FieldPairFile {
            try FieldPairFile(path: path, inputKey: inputKey, targetKey: targetKey, layout: layout, order: sampleOrder, stride: subsample)
        }
        let training = try file(data)
        let split = try training.split(train: train, validation: validation, test: test, testFile: try testData.map(file))
        return (split, training.spatialDimensions)
    }
}
