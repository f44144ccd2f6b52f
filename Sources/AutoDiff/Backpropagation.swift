import TensorCore

/// Reverse-mode differentiation over the graph recorded by `Variable` operations.
///
/// For a scalar (or seeded) output `y`, the nodes reachable from `y` are visited in reverse
/// topological order and each pullback maps `ȳ_node` to its inputs' gradients, which are summed:
/// ```
/// x̄ = Σ_{nodes n using x} pullback_n(n̄)[x]
/// ```
/// With `createGraph: true` the pullbacks run with recording on, so the returned gradients are
/// variables that can be differentiated again.
public enum Backpropagation {
    /// Gradients of `output` with respect to `targets` (zeros for targets it does not depend on).
    ///
    /// - Parameters:
    ///   - output: The variable to differentiate; its gradient seed is `seed` or ones.
    ///   - targets: Variables (usually leaves) whose gradients are wanted.
    ///   - seed: `∂L/∂output`; defaults to ones of the output's shape (so a scalar output gives ∇).
    ///   - createGraph: Record the backward pass so the gradients are differentiable.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func gradients<Scalar>(
        of output: Variable<Scalar>, withRespectTo targets: [Variable<Scalar>],
        seed: Tensor<Scalar>? = nil, createGraph: Bool = false
    ) -> [Variable<Scalar>] {
        let targetIDs = Set(targets.compactMap { $0.node.map(ObjectIdentifier.init) })
        let accumulated = propagate(from: output, seed: seed, createGraph: createGraph, targetIDs: targetIDs)
        return targets.map { target in
            if let node = target.node, let gradient = accumulated[ObjectIdentifier(node)] { return gradient }
            return Variable(Tensor.zeros(target.shape))
        }
    }

    /// Gradients of `output` with respect to `targets` with the variables `constants` held constant:
    /// backpropagation does not enter them (their own histories contribute nothing), though recorded
    /// gradients still refer to them. Fused ops use this to differentiate `⟨f(inputs), g⟩` in `inputs`
    /// for a cotangent `g` that itself depends on those inputs.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func gradients<Scalar>(
        of output: Variable<Scalar>, withRespectTo targets: [Variable<Scalar>], holdingConstant constants: [Variable<Scalar>],
        createGraph: Bool
    ) -> [Variable<Scalar>] {
        let targetIDs = Set(targets.compactMap { $0.node.map(ObjectIdentifier.init) })
        let blocked = Set(constants.compactMap { $0.node.map(ObjectIdentifier.init) }).subtracting(targetIDs)
        let accumulated = propagate(from: output, seed: nil, createGraph: createGraph, targetIDs: targetIDs, blocked: blocked)
        return targets.map { target in
            if let node = target.node, let gradient = accumulated[ObjectIdentifier(node)] { return gradient }
            return Variable(Tensor.zeros(target.shape))
        }
    }

    /// Accumulates `∂output/∂leaf` into the `gradient` of every leaf node the output depends on.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func backward<Scalar>(from output: Variable<Scalar>, seed: Tensor<Scalar>? = nil) {
        let accumulated = propagate(from: output, seed: seed, createGraph: false, targetIDs: nil)
        guard let root = output.node else { return }
        for node in topologicalOrder(from: root) where node.isLeaf {
            guard let gradient = accumulated[ObjectIdentifier(node)] else { continue }
            if node.gradient == nil { node.gradient = gradient.value } else { node.gradient!.addInPlace(gradient.value) }
        }
    }

    /// Nodes reachable from `root`, each after all of its inputs (iterative depth-first search).
    static func topologicalOrder<Scalar>(from root: GradientNode<Scalar>) -> [GradientNode<Scalar>] {
        var order: [GradientNode<Scalar>] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradientNode<Scalar>, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (node, next) = stack.popLast() {
            if next < node.inputs.count {
                stack.append((node, next + 1))
                if let input = node.inputs[next], visited.insert(ObjectIdentifier(input)).inserted {
                    stack.append((input, 0))
                }
            } else {
                order.append(node)
            }
        }
        return order
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func propagate<Scalar>(
        from output: Variable<Scalar>, seed: Tensor<Scalar>?, createGraph: Bool, targetIDs: Set<ObjectIdentifier>?,
        blocked: Set<ObjectIdentifier> = []
    ) -> [ObjectIdentifier: Variable<Scalar>] {
        guard let root = output.node else { return [:] }
        let order = topologicalOrder(from: root)
        // With explicit targets, skip nodes from which no target is reachable.
        var relevant = Set<ObjectIdentifier>()
        if let targetIDs {
            for node in order {
                let id = ObjectIdentifier(node)
                if targetIDs.contains(id)
                    || (!blocked.contains(id) && node.inputs.contains(where: { $0.map { relevant.contains(ObjectIdentifier($0)) } ?? false })) {
                    relevant.insert(id)
                }
            }
        }
        let seedValue = seed ?? Tensor.ones(output.shape)
        precondition(seedValue.shape == output.shape, "backward: seed shape \(seedValue.shape) differs from output \(output.shape)")
        var gradients: [ObjectIdentifier: Variable<Scalar>] = [ObjectIdentifier(root): Variable(seedValue)]
        GradientRecording.with(enabled: createGraph) {
            for node in order.reversed() {
                let id = ObjectIdentifier(node)
                if targetIDs != nil && !relevant.contains(id) { continue }
                guard let pullback = node.pullback, let outputGradient = gradients[id] else { continue }
                let inputGradients = pullback(outputGradient)
                precondition(inputGradients.count == node.inputs.count, "pullback of \(node.operation) returned the wrong count")
                for (input, gradient) in zip(node.inputs, inputGradients) {
                    guard let input, let gradient else { continue }
                    precondition(gradient.shape == input.shape,
                                 "pullback of \(node.operation) gave shape \(gradient.shape) for input \(input.shape)")
                    let inputID = ObjectIdentifier(input)
                    if let existing = gradients[inputID] { gradients[inputID] = existing + gradient } else { gradients[inputID] = gradient }
                }
                // Free interior gradients once used (targets and leaves are kept).
                if !node.isLeaf && !(targetIDs?.contains(id) ?? false) { gradients[id] = nil }
            }
        }
        return gradients
    }
}

extension Variable {
    /// Accumulates the gradient of this variable (seeded with ones) into the leaves it depends on.
    public func backward(seed: Tensor<Scalar>? = nil) { Backpropagation.backward(from: self, seed: seed) }
}

/// `∂output/∂targets`; see `Backpropagation.gradients(of:withRespectTo:seed:createGraph:)`.
public func gradients<Scalar>(
    of output: Variable<Scalar>, withRespectTo targets: [Variable<Scalar>],
    seed: Tensor<Scalar>? = nil, createGraph: Bool = false
) -> [Variable<Scalar>] {
    Backpropagation.gradients(of: output, withRespectTo: targets, seed: seed, createGraph: createGraph)
}
