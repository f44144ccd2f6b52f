import Foundation

/// Learning rate as a function of the step (or epoch) index `t`, from a base rate `η₀`.
///
/// ```
/// constant:  η₀
/// step:      η₀ · γ^⌊t / stepSize⌋
/// cosine:    η_min + (η₀ − η_min)(1 + cos(π t/T))/2
/// oneCycle:  linear warm-up from η₀/divFactor to η₀ over the first `warmupFraction·T` steps,
///            then cosine annealing down to η₀/(divFactor·finalDivFactor)
/// ```
/// References: Loshchilov & Hutter, SGDR (ICLR 2017); Smith & Topin, super-convergence (2019).
public enum LearningRateSchedule: Codable, Sendable, Equatable {
    case constant
    case step(stepSize: Int, gamma: Double)
    case cosine(totalSteps: Int, minimumLearningRate: Double)
    case oneCycle(totalSteps: Int, warmupFraction: Double, divFactor: Double, finalDivFactor: Double)

    /// The learning rate at step `t` (0-based).
    public func learningRate(atStep t: Int, base: Double) -> Double {
        switch self {
        case .constant:
            return base
        case .step(let stepSize, let gamma):
            return base * pow(gamma, Double(t / max(stepSize, 1)))
        case .cosine(let total, let minimum):
            let progress = min(Double(t) / Double(max(total, 1)), 1)
            return minimum + (base - minimum) * (1 + cos(Double.pi * progress)) / 2
        case .oneCycle(let total, let warmupFraction, let divFactor, let finalDivFactor):
            let warmupSteps = max(1.0, warmupFraction * Double(total))
            let initial = base / divFactor
            let final = initial / finalDivFactor
            if Double(t) < warmupSteps {
                return initial + (base - initial) * Double(t) / warmupSteps
            }
            let progress = min((Double(t) - warmupSteps) / max(Double(total) - warmupSteps, 1), 1)
            return final + (base - final) * (1 + cos(Double.pi * progress)) / 2
        }
    }
}
