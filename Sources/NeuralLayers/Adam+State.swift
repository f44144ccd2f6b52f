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

/// A checkpoint's Adam state that cannot be used (read before anything is restored).
public enum AdamStateError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    public var description: String { "optimizer state: " + { if case .invalid(let reason) = self { return reason }; return "" }() }
}

extension Adam {
    /// The largest step count a checkpoint may record (2⁴⁰ updates; larger values are corrupt files,
    /// and `t + 1` must not overflow).
    public static var maximumCheckpointStep: Int { 1 << 40 }

    /// Adds the state of the named parameters to `archive` in PDEKit's one Adam checkpoint format:
    /// tensors `optimizer.m.<path>`, `optimizer.v.<path>` and the step count `optimizer.step` in the
    /// metadata (every parameter of a trained model receives the same number of updates).
    public func save(_ parameters: [(name: String, parameter: Parameter<Scalar>)], into archive: inout SafetensorsArchive) {
        var steps = 0
        for (name, parameter) in parameters {
            guard let state = state(of: parameter) else { continue }
            archive.add(state.firstMoment, named: "optimizer.m." + name)
            archive.add(state.secondMoment, named: "optimizer.v." + name)
            steps = max(steps, state.stepCount)
        }
        archive.metadata["optimizer.step"] = String(steps)
    }

    /// Reads and checks the state of the named parameters in `archive` without changing the optimizer:
    /// the current form (`optimizer.m.<path>`, `optimizer.v.<path>`, `optimizer.step`) or the form DCDM
    /// wrote (`<path>.adam_m`, `<path>.adam_v`, `adam_t.<path>`). Moments must have the parameter's
    /// element count and be finite; step counts must lie in `0...maximumCheckpointStep`. A parameter
    /// without saved moments gets nil (it starts fresh).
    public static func checkpointStates(for parameters: [(name: String, parameter: Parameter<Scalar>)],
                                        in archive: SafetensorsArchive) throws(AdamStateError) -> [AdamParameterState<Scalar>?] {
        func step(_ text: String?, _ what: String) throws(AdamStateError) -> Int {
            guard let text else { return 0 }
            guard let value = Int(text), (0...maximumCheckpointStep).contains(value) else {
                throw .invalid("\(what) '\(text.prefix(40))' is not a step count in 0…\(maximumCheckpointStep)")
            }
            return value
        }
        let sharedStep = try step(archive.metadata["optimizer.step"], "optimizer.step")
        let names = Set(archive.names)
        var states: [AdamParameterState<Scalar>?] = []
        for (name, parameter) in parameters {
            let keys: (String, String), count: Int
            if names.contains("optimizer.m." + name) || names.contains("optimizer.v." + name) {
                keys = ("optimizer.m." + name, "optimizer.v." + name); count = sharedStep
            } else if names.contains(name + ".adam_m") || names.contains(name + ".adam_v") {
                keys = (name + ".adam_m", name + ".adam_v"); count = try step(archive.metadata["adam_t." + name], "adam_t.\(name)")
            } else {
                states.append(nil); continue
            }
            let m: Tensor<Scalar>, v: Tensor<Scalar>
            do { m = try archive.tensor(named: keys.0); v = try archive.tensor(named: keys.1) } catch {
                throw .invalid("Adam moments of \(name): \(error)")
            }
            guard m.count == parameter.count, v.count == parameter.count else {
                throw .invalid("Adam moments of \(name) have \(m.count) and \(v.count) values, the parameter \(parameter.count)")
            }
            guard m.isFinite, v.isFinite, v.scalars.allSatisfy({ $0 >= 0 }) else {
                throw .invalid("Adam moments of \(name) are not finite (or a second moment is negative)")
            }
            states.append(AdamParameterState(firstMoment: m, secondMoment: v, stepCount: count))
        }
        return states
    }

    /// Restores states read by ``checkpointStates(for:in:)`` (same parameters, same order).
    public func restore(_ states: [AdamParameterState<Scalar>?], of parameters: [(name: String, parameter: Parameter<Scalar>)]) {
        for (state, (_, parameter)) in zip(states, parameters) { restoreState(state, of: parameter) }
    }
}
