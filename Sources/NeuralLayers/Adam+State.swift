import TensorCore

/// Adam's state for one parameter: the moment estimates `m`, `v` (same shape as the parameter) and
/// the number of updates `t` that parameter has received (the bias corrections use `1 − βᵗ`).
public struct AdamParameterState<Scalar: TensorScalar>: Equatable, Sendable {
    public var firstMoment: Tensor<Scalar>
    public var secondMoment: Tensor<Scalar>
    public var stepCount: Int

    public init(firstMoment: Tensor<Scalar>, secondMoment: Tensor<Scalar>, stepCount: Int) {
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
        self.stepCount = stepCount
    }
}

extension Adam {
    /// The state Adam keeps for `parameter`, or nil before its first update.
    ///
    /// Adam keys its state by parameter identity; reading it out (and `restoreState`) is what a
    /// checkpoint needs to continue training bit-for-bit in a new process.
    public func state(of parameter: Parameter<Scalar>) -> AdamParameterState<Scalar>? {
        let id = ObjectIdentifier(parameter)
        guard let m = firstMoment[id], let v = secondMoment[id] else { return nil }
        return AdamParameterState(firstMoment: m, secondMoment: v, stepCount: stepCount[id] ?? 0)
    }

    /// Replaces the state kept for `parameter` (nil forgets it, as before the first update).
    /// - Precondition: the moments have the parameter's element count; they are reshaped to its shape.
    public func restoreState(_ state: AdamParameterState<Scalar>?, of parameter: Parameter<Scalar>) {
        let id = ObjectIdentifier(parameter)
        guard let state else {
            firstMoment[id] = nil; secondMoment[id] = nil; stepCount[id] = nil
            return
        }
        let shape = parameter.value.shape
        precondition(state.firstMoment.count == parameter.count && state.secondMoment.count == parameter.count,
                     "Adam state of \(state.firstMoment.shape) for a parameter of shape \(shape)")
        firstMoment[id] = Tensor(uncheckedShape: shape, scalars: state.firstMoment.scalars)
        secondMoment[id] = Tensor(uncheckedShape: shape, scalars: state.secondMoment.scalars)
        stepCount[id] = state.stepCount
    }
}
