import NeuralLayers

/// Hyperparameters of a training run (stored as JSON in every checkpoint).
///
/// Defaults follow Li et al. 2021's Darcy setup: Adam, learning rate 10⁻³, weight decay 10⁻⁴,
/// step schedule halving every 100 epochs, batch size 20, relative L2 loss.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    public enum OptimizerKind: String, Codable, Sendable, CaseIterable { case adam, adamW }
    public enum LossKind: String, Codable, Sendable, CaseIterable { case relativeL2, relativeH1 }

    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    public var weightDecay: Double
    public var optimizer: OptimizerKind
    /// Learning rate per epoch (`t` = epoch index).
    public var schedule: LearningRateSchedule
    public var loss: LossKind
    /// Seed of the shuffling (each epoch's order depends only on the seed and the epoch).
    public var seed: UInt64
    /// Stop after this many epochs without a better test relative L2 (nil: never).
    public var earlyStoppingPatience: Int?
    /// Normalize inputs and targets to unit Gaussians per grid point (statistics of the training set).
    public var normalize: Bool

    public init(epochs: Int = 500, batchSize: Int = 20, learningRate: Double = 1e-3, weightDecay: Double = 1e-4,
                optimizer: OptimizerKind = .adam, schedule: LearningRateSchedule = .step(stepSize: 100, gamma: 0.5),
                loss: LossKind = .relativeL2, seed: UInt64 = 0, earlyStoppingPatience: Int? = nil, normalize: Bool = true) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.optimizer = optimizer
        self.schedule = schedule
        self.loss = loss
        self.seed = seed
        self.earlyStoppingPatience = earlyStoppingPatience
        self.normalize = normalize
    }

    public func validate() throws(TrainingError) {
        guard epochs > 0, batchSize > 0 else { throw .invalidConfiguration("epochs and batch size must be positive") }
        guard learningRate > 0, learningRate.isFinite, weightDecay >= 0 else {
            throw .invalidConfiguration("learning rate must be positive and weight decay non-negative")
        }
        if let patience = earlyStoppingPatience, patience <= 0 { throw .invalidConfiguration("early-stopping patience must be positive") }
        if let problem = schedule.invalidParameterDescription { throw .invalidConfiguration(problem) }
    }
}
