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

    /// Why the parameters cannot be used, or nil: a step size below 1 (`--step-size -5` would
    /// otherwise halve the rate every step), γ outside (0, 1], total step counts below 1, a
    /// non-finite or negative minimum rate, a warm-up fraction outside [0, 1), division factors
    /// that are not finite and ≥ 1.
    public var invalidParameterDescription: String? {
        switch self {
        case .constant:
            return nil
        case .step(let stepSize, let gamma):
            if stepSize < 1 { return "the step schedule's step size must be at least 1 (got \(stepSize))" }
            if !(gamma > 0 && gamma <= 1) { return "the step schedule's factor γ must lie in (0, 1] (got \(gamma))" }
        case .cosine(let total, let minimum):
            if total < 1 { return "the cosine schedule needs at least 1 step (got \(total))" }
            if !(minimum.isFinite && minimum >= 0) { return "the cosine schedule's minimum rate must be finite and ≥ 0 (got \(minimum))" }
        case .oneCycle(let total, let warmupFraction, let divFactor, let finalDivFactor):
            if total < 1 { return "the one-cycle schedule needs at least 1 step (got \(total))" }
            if !(warmupFraction >= 0 && warmupFraction < 1) { return "the one-cycle warm-up fraction must lie in [0, 1) (got \(warmupFraction))" }
            if !(divFactor.isFinite && divFactor >= 1 && finalDivFactor.isFinite && finalDivFactor >= 1) {
                return "the one-cycle division factors must be finite and ≥ 1 (got \(divFactor), \(finalDivFactor))"
            }
        }
        return nil
    }

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
