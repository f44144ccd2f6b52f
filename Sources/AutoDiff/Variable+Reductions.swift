import TensorCore

/// Sums and means. The pullback of a sum broadcasts the gradient back over the summed axes.
extension Variable {
    /// Sum of all elements, as a rank-0 variable.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sum() -> Variable {
        let sourceShape = shape
        return Variable.recording(Tensor(value.sum()), operation: "sum", inputs: [self]) { g in
            [g.broadcast(toShape: sourceShape)]
        }
    }

    /// Mean of all elements, as a rank-0 variable.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func mean() -> Variable { sum() * (1 / Scalar(Swift.max(value.count, 1))) }

    /// Sum along axes.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Variable {
        let normalized = axes.map { value.normalizedAxis($0) }
        let sourceShape = shape
        var keptShape = shape
        for axis in normalized { keptShape[axis] = 1 }
        let result = value.sum(alongAxes: normalized, keepingDimensions: keepingDimensions)
        return Variable.recording(result, operation: "sumAxes", inputs: [self]) { g in
            [g.reshaped(keptShape).broadcast(toShape: sourceShape)]
        }
    }

    /// Mean along axes.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Variable {
        let count = axes.map { shape[value.normalizedAxis($0)] }.reduce(1, *)
        return sum(alongAxes: axes, keepingDimensions: keepingDimensions) * (1 / Scalar(Swift.max(count, 1)))
    }
}
