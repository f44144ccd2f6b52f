import TensorCore

/// A first-order optimizer: updates parameters from their accumulated gradients.
///
/// State is explicit and per parameter, keyed by the parameter's identity; `learningRate` is
/// public so that a `LearningRateSchedule` can drive it.
public protocol Optimizer<Scalar>: AnyObject {
    associatedtype Scalar: TensorScalar
    /// Step size used by the next `step`.
    var learningRate: Double { get set }
    /// Applies one update to every parameter that has a gradient.
    func step(_ parameters: [Parameter<Scalar>])
}

/// Stochastic gradient descent with optional momentum and L2 weight decay.
///
/// ```
/// g ← ∇ + λ θ;   v ← μ v + g;   θ ← θ − η v
/// ```
public final class SGD<Scalar: TensorScalar>: Optimizer {
    public var learningRate: Double
    public let momentum: Double
    public let weightDecay: Double
    private var velocity: [ObjectIdentifier: Tensor<Scalar>] = [:]

    public init(learningRate: Double, momentum: Double = 0, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step(_ parameters: [Parameter<Scalar>]) {
        for parameter in parameters {
            guard let gradient = parameter.gradient else { continue }
            let id = ObjectIdentifier(parameter)
            var v = velocity[id] ?? .zeros(gradient.shape)
            let mu = Scalar(momentum), lambda = Scalar(weightDecay), eta = Scalar(learningRate)
            v.scalars.withUnsafeMutableBufferPointer { vp in
                gradient.scalars.withUnsafeBufferPointer { gp in
                    parameter.value.scalars.withUnsafeMutableBufferPointer { p in
                        for i in 0..<p.count {
                            vp[i] = mu * vp[i] + gp[i] + lambda * p[i]   // v ← μ v + g
                            p[i] -= eta * vp[i]                          // θ ← θ − η v
                        }
                    }
                }
            }
            velocity[id] = v
        }
    }
}

/// Adam and AdamW.
///
/// ```
/// m ← β₁ m + (1 − β₁) g;   v ← β₂ v + (1 − β₂) g²;   m̂ = m/(1 − β₁ᵗ);   v̂ = v/(1 − β₂ᵗ)
/// Adam:   g = ∇ + λθ,  θ ← θ − η m̂/(√v̂ + ε)
/// AdamW:  g = ∇,       θ ← θ − η (m̂/(√v̂ + ε) + λ θ)
/// ```
/// References: Kingma & Ba, ICLR 2015; Loshchilov & Hutter, ICLR 2019 (decoupled weight decay).
public final class Adam<Scalar: TensorScalar>: Optimizer {
    public var learningRate: Double
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public let weightDecay: Double
    /// Whether weight decay is decoupled from the gradient (AdamW).
    public let decoupledWeightDecay: Bool
    // Internal (not private) so Adam+State.swift can read and restore them for checkpoints.
    var firstMoment: [ObjectIdentifier: Tensor<Scalar>] = [:]
    var secondMoment: [ObjectIdentifier: Tensor<Scalar>] = [:]
    var stepCount: [ObjectIdentifier: Int] = [:]

    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                weightDecay: Double = 0, decoupledWeightDecay: Bool = false) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    /// AdamW with the given decoupled weight decay.
    public static func adamW(learningRate: Double = 1e-3, weightDecay: Double = 1e-2) -> Adam {
        Adam(learningRate: learningRate, weightDecay: weightDecay, decoupledWeightDecay: true)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step(_ parameters: [Parameter<Scalar>]) {
        for parameter in parameters {
            guard let gradient = parameter.gradient else { continue }
            let id = ObjectIdentifier(parameter)
            // Taken out of the dictionaries so the in-place updates below do not copy them.
            var m = firstMoment.removeValue(forKey: id) ?? .zeros(gradient.shape)
            var v = secondMoment.removeValue(forKey: id) ?? .zeros(gradient.shape)
            let t = (stepCount[id] ?? 0) + 1
            stepCount[id] = t
            let b1 = Scalar(beta1), b2 = Scalar(beta2), eps = Scalar(epsilon)
            let correction1 = Scalar(1 - Foundation.pow(beta1, Double(t)))
            let correction2 = Scalar(1 - Foundation.pow(beta2, Double(t)))
            let eta = Scalar(learningRate), lambda = Scalar(weightDecay), decoupled = decoupledWeightDecay
            m.scalars.withUnsafeMutableBufferPointer { mp in
                v.scalars.withUnsafeMutableBufferPointer { vp in
                    gradient.scalars.withUnsafeBufferPointer { gp in
                        parameter.value.scalars.withUnsafeMutableBufferPointer { p in
                            for i in 0..<p.count {
                                let g = decoupled ? gp[i] : gp[i] + lambda * p[i]
                                mp[i] = b1 * mp[i] + (1 - b1) * g
                                vp[i] = b2 * vp[i] + (1 - b2) * g * g
                                let update = (mp[i] / correction1) / ((vp[i] / correction2).squareRoot() + eps)
                                p[i] -= eta * (decoupled ? update + lambda * p[i] : update)
                            }
                        }
                    }
                }
            }
            firstMoment[id] = m
            secondMoment[id] = v
        }
    }
}

import Foundation
