import TensorCore

/// Elementwise functions and their derivatives:
/// ```
/// exp: ȳ·y          log: ȳ/x           sin: ȳ·cos x       cos: −ȳ·sin x
/// tanh: ȳ·(1 − y²)  sigmoid: ȳ·y(1 − y) relu: ȳ·[x > 0]   erf: ȳ·(2/√π) e^{−x²}
/// sqrt: ȳ/(2y)      x^p: ȳ·p x^{p−1}   abs: ȳ·sign x
/// gelu(x) = x Φ(x):  ȳ·(Φ(x) + x φ(x)),  Φ(x) = (1 + erf(x/√2))/2,  φ(x) = e^{−x²/2}/√(2π)
/// silu(x) = x σ(x)   (composed, so its derivatives follow)
/// ```
/// Derivatives are built from these same functions, so second derivatives exist (ReLU's is zero).
extension Variable {
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func exp() -> Variable {
        let y = value.map { Scalar.exponential($0) }
        return Variable.recording(y, operation: "exp", inputs: [self]) { [self] g in
            // Reuse the forward value unless the backward pass itself is being recorded.
            [g * (GradientRecording.isEnabled ? self.exp() : Variable(y))]
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func log() -> Variable {
        Variable.recording(value.map { Scalar.logarithm($0) }, operation: "log", inputs: [self]) { [self] g in [g / self] }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sin() -> Variable {
        Variable.recording(value.map { Scalar.sine($0) }, operation: "sin", inputs: [self]) { [self] g in [g * self.cos()] }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func cos() -> Variable {
        Variable.recording(value.map { Scalar.cosine($0) }, operation: "cos", inputs: [self]) { [self] g in [-(g * self.sin())] }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func tanh() -> Variable {
        let y = value.map { Scalar.hyperbolicTangent($0) }
        return Variable.recording(y, operation: "tanh", inputs: [self]) { [self] g in
            let t = GradientRecording.isEnabled ? self.tanh() : Variable(y)
            return [g * (1 - t * t)]
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sigmoid() -> Variable {
        let y = value.map { 1 / (1 + Scalar.exponential(-$0)) }
        return Variable.recording(y, operation: "sigmoid", inputs: [self]) { [self] g in
            let s = GradientRecording.isEnabled ? self.sigmoid() : Variable(y)
            return [g * s * (1 - s)]
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func relu() -> Variable {
        let mask = value.map { $0 > 0 ? 1 : 0 }
        return Variable.recording(value.map { Swift.max($0, 0) }, operation: "relu", inputs: [self]) { g in [g * mask] }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func erf() -> Variable {
        let factor = 2 / Scalar(Double.pi).squareRoot()
        return Variable.recording(value.map { Scalar.errorFunction($0) }, operation: "erf", inputs: [self]) { [self] g in
            [g * ((-(self * self)).exp() * factor)]
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func squareRoot() -> Variable {
        Variable.recording(value.map { $0.squareRoot() }, operation: "sqrt", inputs: [self]) { [self] g in
            [g / (self.squareRoot() * 2)]
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func squared() -> Variable { self * self }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func power(_ exponent: Scalar) -> Variable {
        Variable.recording(value.map { Scalar.power($0, exponent) }, operation: "power", inputs: [self]) { [self] g in
            [g * (self.power(exponent - 1) * exponent)]
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func absoluteValue() -> Variable {
        let sign = value.map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
        return Variable.recording(value.map { Swift.abs($0) }, operation: "abs", inputs: [self]) { g in [g * sign] }
    }

    /// Gaussian error linear unit, exact (erf) form.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gelu() -> Variable {
        let inverseRootTwo = 1 / Scalar(2).squareRoot()
        let y = value.map { $0 * (1 + Scalar.errorFunction($0 * inverseRootTwo)) / 2 }
        return Variable.recording(y, operation: "gelu", inputs: [self]) { [self] g in
            let cdf = ((self * inverseRootTwo).erf() + 1) * 0.5
            let pdf = (self * self * -0.5).exp() * (1 / Scalar(2 * Double.pi).squareRoot())
            return [g * (cdf + self * pdf)]
        }
    }

    /// Sigmoid linear unit `x σ(x)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func silu() -> Variable { self * sigmoid() }
}
