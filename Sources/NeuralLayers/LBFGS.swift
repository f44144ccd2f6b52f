import Foundation
import TensorCore

/// Limited-memory BFGS with a strong-Wolfe line search, minimizing a loss over parameters.
///
/// Search direction by the two-loop recursion over the last `m` pairs
/// `s_i = θ_{i+1} − θ_i`, `y_i = ∇_{i+1} − ∇_i` (pairs with `sᵀy ≤ 0` are skipped), scaled by
/// `γ = sᵀy / yᵀy`. The step length satisfies the strong Wolfe conditions
/// ```
/// f(θ + αd) ≤ f(θ) + c₁ α ∇ᵀd,      |∇(θ + αd)ᵀd| ≤ c₂ |∇ᵀd|,      c₁ = 1e-4, c₂ = 0.9
/// ```
/// found by bracketing and cubic-interpolation zoom. A trial point whose loss or gradient is not
/// finite counts as "too far" (the step is shortened); a run whose starting point is not finite, or
/// whose line search found nothing but non-finite points, ends with ``Outcome/nonFinite`` and the
/// parameters at the last finite point — never with a convergence outcome.
/// References: Nocedal & Wright, "Numerical Optimization", 2nd ed., Alg. 7.4, 3.5, 3.6.
public final class LBFGS<Scalar: TensorScalar> {
    /// How a run ended.
    public enum Outcome: String, Sendable {
        case gradientTolerance, lossChangeTolerance, iterationLimit, lineSearchFailed
        /// The loss or the gradient was NaN or infinite at the start, or at every trial point of
        /// the last line search. Not a convergence: the caller must report it as a failure.
        case nonFinite

        /// Whether the run stopped because a tolerance was met.
        public var isConvergence: Bool { self == .gradientTolerance || self == .lossChangeTolerance }
    }

    /// Summary of `minimize`.
    public struct Report: Sendable {
        public let outcome: Outcome
        public let iterations: Int
        public let functionEvaluations: Int
        public let finalLoss: Double
        public let lossHistory: [Double]
    }

    /// The optimizer between two iterations: the iterate, its loss and gradient, the curvature pairs
    /// and the iteration count. Continuing from it (``minimize(_:maximumIterations:resumingFrom:iterationDidFinish:objective:)``)
    /// repeats the uninterrupted run bitwise (`ρ_i = 1 / s_iᵀy_i` is recomputed the same way).
    public struct State: Sendable {
        public var iterate: [Double]
        public var loss: Double
        public var gradient: [Double]
        /// `s_i`, oldest first (at most `historySize`).
        public var steps: [[Double]]
        /// `y_i`, paired with `steps`.
        public var gradientChanges: [[Double]]
        /// Iterations done in this `minimize` call.
        public var iterations: Int

        public init(iterate: [Double], loss: Double, gradient: [Double], steps: [[Double]], gradientChanges: [[Double]], iterations: Int) {
            self.iterate = iterate
            self.loss = loss
            self.gradient = gradient
            self.steps = steps
            self.gradientChanges = gradientChanges
            self.iterations = iterations
        }
    }

    public let historySize: Int
    public let gradientTolerance: Double
    public let lossChangeTolerance: Double

    public init(historySize: Int = 20, gradientTolerance: Double = 1e-9, lossChangeTolerance: Double = 1e-14) {
        self.historySize = historySize
        self.gradientTolerance = gradientTolerance
        self.lossChangeTolerance = lossChangeTolerance
    }

    /// Minimizes `objective` over `parameters`.
    ///
    /// - Parameter objective: Zeroes nothing itself; it must compute the loss, call `backward()`
    ///   so that each parameter's gradient holds ∂loss/∂θ (gradients are cleared before each call),
    ///   and return the loss.
    /// - Parameter state: Continue from this state (a checkpoint) instead of evaluating the start point.
    /// - Parameter iterationDidFinish: Called after every iteration that does not end the run on a
    ///   tolerance, with the state to continue from (arrays shared, not copied).
    public func minimize(_ parameters: [Parameter<Scalar>], maximumIterations: Int, resumingFrom state: State? = nil,
                         iterationDidFinish: (State) -> Void = { _ in }, objective: () -> Double) -> Report {
        var evaluations = 0
        var lastEvaluationFinite = true, finiteEvaluations = 0
        func evaluate(_ theta: [Double]) -> (Double, [Double]) {
            write(theta, into: parameters)
            for parameter in parameters { parameter.zeroGradient() }
            let loss = objective()
            evaluations += 1
            let gradient = readGradient(parameters)
            lastEvaluationFinite = loss.isFinite && gradient.allSatisfy(\.isFinite)
            if lastEvaluationFinite { finiteEvaluations += 1 }
            // A point with a non-finite gradient is treated like one with a non-finite loss.
            return (lastEvaluationFinite ? loss : .nan, gradient)
        }
        var theta: [Double], loss: Double, gradient: [Double]
        var sPairs: [[Double]] = [], yPairs: [[Double]] = [], rhos: [Double] = []
        var iteration = 0
        if let state {
            (theta, loss, gradient, iteration) = (state.iterate, state.loss, state.gradient, state.iterations)
            (sPairs, yPairs) = (state.steps, state.gradientChanges)
            rhos = zip(sPairs, yPairs).map { 1 / dot($0, $1) }
            write(theta, into: parameters)
        } else {
            theta = read(parameters)
            (loss, gradient) = evaluate(theta)
        }
        var history: [Double] = [loss]
        guard state != nil || lastEvaluationFinite else {
            return Report(outcome: .nonFinite, iterations: 0, functionEvaluations: evaluations, finalLoss: .nan, lossHistory: history)
        }
        var outcome = Outcome.iterationLimit
        while iteration < maximumIterations {
            if maxAbs(gradient) <= gradientTolerance { outcome = .gradientTolerance; break }
            // Two-loop recursion: d = −H ∇.
            var q = gradient
            var alphas = [Double](repeating: 0, count: sPairs.count)
            for i in stride(from: sPairs.count - 1, through: 0, by: -1) {
                alphas[i] = rhos[i] * dot(sPairs[i], q)
                axpy(-alphas[i], yPairs[i], &q)
            }
            let gamma = sPairs.isEmpty ? min(1, 1 / max(maxAbs(gradient), 1e-300)) : dot(sPairs.last!, yPairs.last!) / dot(yPairs.last!, yPairs.last!)
            for i in 0..<q.count { q[i] *= gamma }
            for i in 0..<sPairs.count {
                let beta = rhos[i] * dot(yPairs[i], q)
                axpy(alphas[i] - beta, sPairs[i], &q)
            }
            var direction = q.map { -$0 }
            var slope = dot(gradient, direction)
            if slope >= 0 {  // not a descent direction: restart from steepest descent
                direction = gradient.map { -$0 }; slope = dot(gradient, direction)
                sPairs.removeAll(); yPairs.removeAll(); rhos.removeAll()
            }
            let finiteBeforeSearch = finiteEvaluations
            guard let (step, newLoss, newGradient) = lineSearch(theta: theta, loss: loss, gradient: gradient,
                                                                  direction: direction, slope: slope,
                                                                  initialStep: 1, evaluate: evaluate) else {
                write(theta, into: parameters)
                outcome = finiteEvaluations == finiteBeforeSearch ? .nonFinite : .lineSearchFailed
                break
            }
            var s = direction
            for i in 0..<s.count { s[i] *= step }
            var y = newGradient
            for i in 0..<y.count { y[i] -= gradient[i] }
            let sy = dot(s, y)
            if sy > 1e-12 * dot(y, y) {
                sPairs.append(s); yPairs.append(y); rhos.append(1 / sy)
                if sPairs.count > historySize { sPairs.removeFirst(); yPairs.removeFirst(); rhos.removeFirst() }
            }
            for i in 0..<theta.count { theta[i] += s[i] }
            let change = abs(loss - newLoss)
            loss = newLoss
            gradient = newGradient
            history.append(loss)
            iteration += 1
            if change <= lossChangeTolerance * max(1, abs(loss)) { outcome = .lossChangeTolerance; break }
            iterationDidFinish(State(iterate: theta, loss: loss, gradient: gradient, steps: sPairs, gradientChanges: yPairs, iterations: iteration))
        }
        write(theta, into: parameters)
        return Report(outcome: outcome, iterations: iteration, functionEvaluations: evaluations,
                      finalLoss: loss, lossHistory: history)
    }

    /// Strong-Wolfe line search (bracketing, then zoom with cubic interpolation).
    private func lineSearch(
        theta: [Double], loss: Double, gradient: [Double], direction: [Double], slope: Double,
        initialStep: Double, evaluate: ([Double]) -> (Double, [Double])
    ) -> (Double, Double, [Double])? {
        let c1 = 1e-4, c2 = 0.9
        func phi(_ alpha: Double) -> (Double, Double, [Double]) {
            var point = theta
            axpy(alpha, direction, &point)
            let (value, g) = evaluate(point)
            return (value, dot(g, direction), g)
        }
        var previousAlpha = 0.0, previousValue = loss, previousSlope = slope
        var alpha = initialStep
        for attempt in 0..<25 {
            let (value, currentSlope, g) = phi(alpha)
            if !value.isFinite {
                alpha = (previousAlpha + alpha) / 2
                continue
            }
            if value > loss + c1 * alpha * slope || (attempt > 0 && value >= previousValue) {
                return zoom(low: (previousAlpha, previousValue, previousSlope), high: (alpha, value, currentSlope),
                            loss: loss, slope: slope, c1: c1, c2: c2, phi: phi)
            }
            if abs(currentSlope) <= -c2 * slope { return (alpha, value, g) }
            if currentSlope >= 0 {
                return zoom(low: (alpha, value, currentSlope), high: (previousAlpha, previousValue, previousSlope),
                            loss: loss, slope: slope, c1: c1, c2: c2, phi: phi)
            }
            previousAlpha = alpha; previousValue = value; previousSlope = currentSlope
            alpha *= 2
        }
        return nil
    }

    private func zoom(
        low lowIn: (Double, Double, Double), high highIn: (Double, Double, Double),
        loss: Double, slope: Double, c1: Double, c2: Double, phi: (Double) -> (Double, Double, [Double])
    ) -> (Double, Double, [Double])? {
        var low = lowIn, high = highIn
        for _ in 0..<30 {
            // Minimizer of the cubic through (α, φ, φ') at both ends, kept inside the bracket.
            let (a0, f0, d0) = low, (a1, f1, d1) = high
            var alpha: Double
            let d1c = d0 + d1 - 3 * (f0 - f1) / (a0 - a1)
            let radicand = d1c * d1c - d0 * d1
            if radicand >= 0 && a0 != a1 {
                let d2 = (a1 > a0 ? 1.0 : -1.0) * radicand.squareRoot()
                alpha = a1 - (a1 - a0) * (d1 + d2 - d1c) / (d1 - d0 + 2 * d2)
            } else {
                alpha = (a0 + a1) / 2
            }
            let lo = min(a0, a1), hi = max(a0, a1)
            if !alpha.isFinite || alpha <= lo + 0.1 * (hi - lo) || alpha >= hi - 0.1 * (hi - lo) { alpha = (a0 + a1) / 2 }
            let (value, currentSlope, g) = phi(alpha)
            if !value.isFinite || value > loss + c1 * alpha * slope || value >= low.1 {
                high = (alpha, value, currentSlope)
            } else {
                if abs(currentSlope) <= -c2 * slope { return (alpha, value, g) }
                if currentSlope * (high.0 - low.0) >= 0 { high = low }
                low = (alpha, value, currentSlope)
            }
            if abs(high.0 - low.0) < 1e-16 { break }
        }
        // Accept the best point found if it decreased the loss sufficiently.
        if low.0 > 0 && low.1 <= loss + c1 * low.0 * slope {
            let (value, _, g) = phi(low.0)
            return (low.0, value, g)
        }
        return nil
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    private func read(_ parameters: [Parameter<Scalar>]) -> [Double] {
        parameters.flatMap { $0.value.scalars.map(Double.init) }
    }
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    private func readGradient(_ parameters: [Parameter<Scalar>]) -> [Double] {
        parameters.flatMap { p in p.gradient.map { $0.scalars.map(Double.init) } ?? [Double](repeating: 0, count: p.count) }
    }
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    private func write(_ theta: [Double], into parameters: [Parameter<Scalar>]) {
        var offset = 0
        for parameter in parameters {
            let n = parameter.count
            parameter.value.scalars.withUnsafeMutableBufferPointer { p in
                for i in 0..<n { p[i] = Scalar(theta[offset + i]) }
            }
            offset += n
        }
    }
    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var total = 0.0
        for i in 0..<a.count { total += a[i] * b[i] }
        return total
    }
    private func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        for i in 0..<x.count { y[i] += alpha * x[i] }
    }
    /// `max |x_i|`, NaN when any entry is NaN (`Swift.max` would drop it).
    private func maxAbs(_ x: [Double]) -> Double {
        var largest = 0.0
        for value in x {
            if value.isNaN { return .nan }
            largest = Swift.max(largest, abs(value))
        }
        return largest
    }
}
