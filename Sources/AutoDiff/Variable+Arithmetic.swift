import TensorCore

/// Arithmetic with broadcasting. Pullbacks sum the gradient back over broadcast axes:
/// ```
/// z = x + y:  x̄ = Σ_bcast z̄,           ȳ = Σ_bcast z̄
/// z = x − y:  x̄ = Σ_bcast z̄,           ȳ = −Σ_bcast z̄
/// z = x ⊙ y:  x̄ = Σ_bcast z̄ ⊙ y,       ȳ = Σ_bcast z̄ ⊙ x
/// z = x ⊘ y:  x̄ = Σ_bcast z̄ ⊘ y,       ȳ = −Σ_bcast z̄ ⊙ x ⊘ y²
/// ```
extension Variable {
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func + (lhs: Variable, rhs: Variable) -> Variable {
        // The pullback keeps only the shapes: capturing the operands would keep both tensors alive
        // until the graph is released (at 128², batch 8 a third of MgNO's training memory).
        let lhsShape = lhs.shape, rhsShape = rhs.shape
        return recording(lhs.value + rhs.value, operation: "add", inputs: [lhs, rhs]) { g in
            [g.summed(toShape: lhsShape), g.summed(toShape: rhsShape)]
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func - (lhs: Variable, rhs: Variable) -> Variable {
        let lhsShape = lhs.shape, rhsShape = rhs.shape
        return recording(lhs.value - rhs.value, operation: "subtract", inputs: [lhs, rhs]) { g in
            [g.summed(toShape: lhsShape), (-g).summed(toShape: rhsShape)]
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func * (lhs: Variable, rhs: Variable) -> Variable {
        recording(lhs.value * rhs.value, operation: "multiply", inputs: [lhs, rhs]) { g in
            [lhs.requiresGradient ? (g * rhs).summed(toShape: lhs.shape) : nil,
             rhs.requiresGradient ? (g * lhs).summed(toShape: rhs.shape) : nil]
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func / (lhs: Variable, rhs: Variable) -> Variable {
        recording(lhs.value / rhs.value, operation: "divide", inputs: [lhs, rhs]) { g in
            [lhs.requiresGradient ? (g / rhs).summed(toShape: lhs.shape) : nil,
             rhs.requiresGradient ? (-(g * lhs) / (rhs * rhs)).summed(toShape: rhs.shape) : nil]
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static prefix func - (operand: Variable) -> Variable {
        recording(-operand.value, operation: "negate", inputs: [operand]) { g in [-g] }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func + (lhs: Variable, rhs: Scalar) -> Variable {
        recording(lhs.value + rhs, operation: "addScalar", inputs: [lhs]) { g in [g] }
    }
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func + (lhs: Scalar, rhs: Variable) -> Variable { rhs + lhs }
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func - (lhs: Variable, rhs: Scalar) -> Variable { lhs + (-rhs) }
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func - (lhs: Scalar, rhs: Variable) -> Variable { (-rhs) + lhs }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func * (lhs: Variable, rhs: Scalar) -> Variable {
        recording(lhs.value * rhs, operation: "scale", inputs: [lhs]) { g in [g * rhs] }
    }
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func * (lhs: Scalar, rhs: Variable) -> Variable { rhs * lhs }
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func / (lhs: Variable, rhs: Scalar) -> Variable { lhs * (1 / rhs) }

    /// Multiplication by a constant tensor (broadcasting), cheaper than wrapping it in a variable.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func * (lhs: Variable, rhs: Tensor<Scalar>) -> Variable { lhs * Variable(rhs) }
    /// Addition of a constant tensor (broadcasting).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func + (lhs: Variable, rhs: Tensor<Scalar>) -> Variable { lhs + Variable(rhs) }
    /// Subtraction of a constant tensor (broadcasting).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func - (lhs: Variable, rhs: Tensor<Scalar>) -> Variable { lhs - Variable(rhs) }

    /// Sums over broadcast axes down to `targetShape` (the adjoint of `broadcast(toShape:)`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func summed(toShape targetShape: [Int]) -> Variable {
        if shape == targetShape { return self }
        let sourceShape = shape
        return Variable.recording(value.summed(toShape: targetShape), operation: "sumToShape", inputs: [self]) { g in
            [g.broadcast(toShape: sourceShape)]
        }
    }

    /// Repeats size-1 axes up to `targetShape` (the adjoint of `summed(toShape:)`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func broadcast(toShape targetShape: [Int]) -> Variable {
        if shape == targetShape { return self }
        let sourceShape = shape
        return Variable.recording(value.broadcast(toShape: targetShape), operation: "broadcast", inputs: [self]) { g in
            [g.summed(toShape: sourceShape)]
        }
    }
}
