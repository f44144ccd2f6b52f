import Foundation

/// Errors a user can cause in training and evaluation (data, flags, checkpoint files).
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    case dataMismatch(String)
    case nonFiniteData(String)
    case checkpoint(String)
    case divergence(epoch: Int)
    /// A non-finite gradient, metric or learning rate (what and where).
    case nonFinite(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): return "invalid training configuration: \(reason)"
        case .dataMismatch(let reason): return "data does not fit: \(reason)"
        case .nonFiniteData(let what): return "\(what) contains NaN or infinity"
        case .checkpoint(let reason): return "checkpoint: \(reason)"
        case .divergence(let epoch): return "training diverged (non-finite loss) in epoch \(epoch)"
        case .nonFinite(let what): return "non-finite \(what)"
        }
    }
}
