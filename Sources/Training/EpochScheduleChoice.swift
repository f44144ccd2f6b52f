import NeuralLayers

/// The per-epoch learning-rate schedules `pdekit train fno`/`mgno` offer by name, with the settings of
/// the runs they reproduce: step halves the rate every `stepSize` epochs (Li et al.'s FNO); cosine
/// anneals to lr/1000 over the epochs; one-cycle warms up linearly from lr/25 over 30 % of the epochs,
/// then cosine-anneals to lr/25e4 (MgNO's runs, PyTorch's OneCycleLR defaults).
public enum EpochScheduleChoice: String, CaseIterable, Sendable {
    case step, cosine, constant, oneCycle = "one-cycle"

    public func schedule(epochs: Int, learningRate: Double, stepSize: Int) -> LearningRateSchedule {
        switch self {
        case .step: return .step(stepSize: stepSize, gamma: 0.5)
        case .cosine: return .cosine(totalSteps: epochs, minimumLearningRate: learningRate * 1e-3)
        case .constant: return .constant
        case .oneCycle: return .oneCycle(totalSteps: epochs, warmupFraction: 0.3, divFactor: 25, finalDivFactor: 1e4)
        }
    }
}
