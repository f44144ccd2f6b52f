import Foundation

/// One epoch's numbers, as written to `metrics.jsonl` (0-based `epoch`).
///
/// The held-out numbers are on the VALIDATION split (the split that selects the best epoch and stops
/// early); the test split is never looked at during training. Runs written before the validation split
/// logged `testRelativeL2`/`testRelativeH1` (the test split then selected); those lines decode into the
/// validation fields so that an old run resumes with its history.
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    /// Mean training loss over the epoch's mini-batches.
    public var trainLoss: Double
    /// Relative L2 on the validation split (nil without one).
    public var validationRelativeL2: Double?
    /// Relative H1 on the validation split (nil without one or for losses without a gradient norm).
    public var validationRelativeH1: Double?
    /// What selected the best epoch: the validation metric, or the training loss without a validation split.
    public var selection: Double
    public var learningRate: Double
    public var seconds: Double

    public init(epoch: Int, trainLoss: Double, validationRelativeL2: Double?, validationRelativeH1: Double?,
                selection: Double, learningRate: Double, seconds: Double) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.validationRelativeL2 = validationRelativeL2
        self.validationRelativeH1 = validationRelativeH1
        self.selection = selection
        self.learningRate = learningRate
        self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey {
        case epoch, trainLoss, validationRelativeL2, validationRelativeH1, selection, learningRate, seconds
        case testRelativeL2, testRelativeH1   // the pre-validation names (read only)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epoch = try c.decode(Int.self, forKey: .epoch)
        trainLoss = try c.decode(Double.self, forKey: .trainLoss)
        validationRelativeL2 = try c.decodeIfPresent(Double.self, forKey: .validationRelativeL2)
            ?? c.decodeIfPresent(Double.self, forKey: .testRelativeL2)
        validationRelativeH1 = try c.decodeIfPresent(Double.self, forKey: .validationRelativeH1)
            ?? c.decodeIfPresent(Double.self, forKey: .testRelativeH1)
        selection = try c.decodeIfPresent(Double.self, forKey: .selection) ?? validationRelativeL2 ?? trainLoss
        learningRate = try c.decode(Double.self, forKey: .learningRate)
        seconds = try c.decode(Double.self, forKey: .seconds)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(trainLoss, forKey: .trainLoss)
        try c.encodeIfPresent(validationRelativeL2, forKey: .validationRelativeL2)
        try c.encodeIfPresent(validationRelativeH1, forKey: .validationRelativeH1)
        try c.encode(selection, forKey: .selection)
        try c.encode(learningRate, forKey: .learningRate)
        try c.encode(seconds, forKey: .seconds)
    }
}
