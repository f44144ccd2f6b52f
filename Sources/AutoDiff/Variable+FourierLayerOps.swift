import TensorCore

/// Fused, differentiable operations of a Fourier-neural-operator block (channels first).
///
/// ```
/// spectralConvolution:  y = F⁻¹(1_K · (F x) W)             F the real FFT over the spatial axes
///                       x̄ = F⁻¹(1_K · (F ȳ) Wᴴ),   W̄_k = (c_k/N) X_kᴴ (F ȳ)_k
/// pointwiseAffine:      y_b = W x_b + c + g ⊙ a_b
/// gelu:                 y = x Φ(x)
/// ```
/// (`c_k` = 1 on the `k_d = 0` and `k_d = n_d/2` planes of the half spectrum, 2 elsewhere; the two FFT
/// scalings of the chain rule cancel on the retained modes.) The first-order pullbacks run fused
/// kernels. When the backward pass is itself recorded (`createGraph: true`), each pullback instead
/// rebuilds its operation from elementary differentiable operations and differentiates that, so
/// higher derivatives stay exact.
extension Variable {
    /// Flat offsets of the retained modes and the weights' per-mode `c_k/N` factors for a grid.
    static func spectralGeometry(spatial: [Int], modes: [Int]) -> (offsets: [Int], scales: [Scalar], lastBins: Int) {
        let d = spatial.count
        var spectralSizes = spatial
        spectralSizes[d - 1] = spatial[d - 1] / 2 + 1
        let offsets = Tensor<Scalar>.retainedModeOffsets(spectralSizes: spectralSizes, modes: modes)
        let total = Scalar(spatial.reduce(1, *))
        let lastSize = spatial[d - 1], bins = spectralSizes[d - 1]
        let scales = offsets.map { offset -> Scalar in
            let k = offset % bins
            let isEdge = k == 0 || (lastSize % 2 == 0 && k == lastSize / 2)
            return (isEdge ? 1 : 2) / total
        }
        return (offsets, scales, bins)
    }

    /// The spectral convolution `F⁻¹(1_K · (F x) W)` of `x: [B, C_in, n₁…n_d]` with mode weights
    /// `weights: [K, C_in, C_out, 2]` on the retained `modes` (see `Tensor.retainedModeOffsets`).
    public static func spectralConvolution(_ x: Variable, weights: Variable, modes: [Int]) -> Variable {
        let d = modes.count
        let spatial = Array(x.shape.suffix(d)), lastSize = spatial[d - 1]
        let geometry = spectralGeometry(spatial: spatial, modes: modes)
        let inverseTotal = 1 / Scalar(spatial.reduce(1, *))
        if d == 2 {
            return prunedSpectralConvolution2D(x, weights: weights, modes: modes, spatial: spatial, geometry: geometry)
        }
        let spectrum = x.value.rfft(dimensionCount: d)
        let mixed = Tensor.spectralModeProduct(spectrum: spectrum, weights: weights.value, modeOffsets: geometry.offsets,
                                               outputScale: inverseTotal)
        let result = mixed.complexToRealUnnormalized(dimensionCount: d, lastSize: lastSize)
        return recording(result, operation: "spectralConvolution", inputs: [x, weights]) { g in
            if GradientRecording.isEnabled {
                // Recorded backward pass: differentiate the composition of elementary operations.
                return rebuiltGradients(of: g, inputs: [x, weights]) { v in
                    Variable.spectralMixing(v[0].rfft(dimensionCount: d), v[1], modeOffsets: geometry.offsets)
                        .irfft(dimensionCount: d, lastSize: lastSize)
                }
            }
            let cotangentSpectrum = g.value.rfft(dimensionCount: d)
            var gradients: [Variable?] = [nil, nil]
            if x.requiresGradient {
                let adjoint = Tensor.spectralModeProduct(spectrum: cotangentSpectrum, weights: weights.value, modeOffsets: geometry.offsets,
                                                         conjugateTransposeWeights: true, outputScale: inverseTotal)
                gradients[0] = Variable(adjoint.complexToRealUnnormalized(dimensionCount: d, lastSize: lastSize))
            }
            if weights.requiresGradient {
                gradients[1] = Variable(Tensor.spectralModeWeightGradient(spectrum: spectrum, cotangent: cotangentSpectrum,
                                                                          modeOffsets: geometry.offsets, modeScales: geometry.scales))
            }
            return gradients
        }
    }

    /// The 2-D spectral convolution through pruned FFTs on the retained modes only
    /// (`Tensor.retainedModes2D`); the same function and pullbacks as the general path.
    static func prunedSpectralConvolution2D(
        _ x: Variable, weights: Variable, modes: [Int], spatial: [Int],
        geometry: (offsets: [Int], scales: [Scalar], lastBins: Int)
    ) -> Variable {
        let d = 2, lastSize = spatial[1]
        let inverseTotal = 1 / Scalar(spatial.reduce(1, *))
        let compact = Array(0..<geometry.offsets.count)        // the compact spectra hold exactly the retained modes
        let spectrum = x.value.retainedModes2D(modes: modes)
        let mixed = Tensor.spectralModeProduct(spectrum: spectrum, weights: weights.value, modeOffsets: compact,
                                               outputScale: inverseTotal)
        let result = mixed.realFieldFromRetainedModes2D(spatialSize: spatial, modes: modes)
        return recording(result, operation: "spectralConvolution", inputs: [x, weights]) { g in
            if GradientRecording.isEnabled {
                return rebuiltGradients(of: g, inputs: [x, weights]) { v in
                    Variable.spectralMixing(v[0].rfft(dimensionCount: d), v[1], modeOffsets: geometry.offsets)
                        .irfft(dimensionCount: d, lastSize: lastSize)
                }
            }
            let cotangentSpectrum = g.value.retainedModes2D(modes: modes)
            var gradients: [Variable?] = [nil, nil]
            if x.requiresGradient {
                let adjoint = Tensor.spectralModeProduct(spectrum: cotangentSpectrum, weights: weights.value, modeOffsets: compact,
                                                         conjugateTransposeWeights: true, outputScale: inverseTotal)
                gradients[0] = Variable(adjoint.realFieldFromRetainedModes2D(spatialSize: spatial, modes: modes))
            }
            if weights.requiresGradient {
                gradients[1] = Variable(Tensor.spectralModeWeightGradient(spectrum: spectrum, cotangent: cotangentSpectrum,
                                                                          modeOffsets: compact, modeScales: geometry.scales))
            }
            return gradients
        }
    }

    /// `y_b = W x_b + c + g ⊙ a_b` for `x: [B, C_in, N…]`, `W: [C_out, C_in]`, bias `c: [C_out]`,
    /// addend `a: [B, C_out, N…]`, gate `g: [C_out]` (the last three optional).
    public static func pointwiseAffine(_ x: Variable, weight: Variable, bias: Variable? = nil, addend: Variable? = nil,
                                       addendGate: Variable? = nil) -> Variable {
        precondition(addendGate == nil || addend != nil, "pointwiseAffine: a gate needs an addend")
        let result = Tensor.pointwiseAffine(x.value, weight: weight.value, bias: bias?.value, addend: addend?.value,
                                            addendGate: addendGate?.value)
        var inputs = [x, weight]
        if let bias { inputs.append(bias) }
        if let addend { inputs.append(addend) }
        if let addendGate { inputs.append(addendGate) }
        let hasBias = bias != nil, hasAddend = addend != nil, hasGate = addendGate != nil
        return recording(result, operation: "pointwiseAffine", inputs: inputs) { g in
            if GradientRecording.isEnabled {
                return rebuiltGradients(of: g, inputs: inputs) { v in
                    let batch = v[0].shape[0], channels = v[1].shape[0]
                    let spatial = Array(v[0].shape.dropFirst(2))
                    var y = Variable.matmul(v[1], v[0].reshaped([batch, v[0].shape[1], -1]))
                    var next = 2
                    if hasBias { y = y + v[next].reshaped([channels, 1]); next += 1 }
                    var shaped = y.reshaped([batch, channels] + spatial)
                    if hasAddend {
                        var a = v[next]
                        if hasGate { a = a * v[next + 1].reshaped([channels] + [Int](repeating: 1, count: spatial.count)) }
                        shaped = shaped + a
                    }
                    return shaped
                }
            }
            let grads = Tensor.pointwiseAffineGradients(
                g.value, input: x.value, weight: weight.value, addend: addend?.value, addendGate: addendGate?.value,
                wantInput: x.requiresGradient, wantWeight: weight.requiresGradient, wantBias: bias?.requiresGradient ?? false,
                wantAddend: addend?.requiresGradient ?? false, wantGate: addendGate?.requiresGradient ?? false)
            var result: [Variable?] = [grads.input.map(Variable.init), grads.weight.map(Variable.init)]
            if hasBias { result.append(grads.bias.map(Variable.init)) }
            if hasAddend { result.append(grads.addend.map(Variable.init)) }
            if hasGate { result.append(grads.gate.map(Variable.init)) }
            return result
        }
    }

    /// Exact GELU `x Φ(x)` through a fused kernel (Float to a few ulps, Double by libm's erfc; see
    /// `Tensor.gaussianErrorLinearUnit`).
    public func fusedGELU() -> Variable {
        let input = self
        return Variable.recording(value.gaussianErrorLinearUnit(), operation: "fusedGELU", inputs: [self]) { g in
            if GradientRecording.isEnabled { return [g * geluDerivative(input)] }
            return [Variable(Tensor.gaussianErrorLinearUnitPullback(input.value, cotangent: g.value))]
        }
    }

    /// `Φ(x) + x φ(x)` from elementary differentiable operations.
    func geluDerivative(_ x: Variable) -> Variable {
        let cdf = ((x * (1 / Scalar(2).squareRoot())).erf() + 1) * 0.5
        let pdf = (x * x * -0.5).exp() * (1 / Scalar(2 * Double.pi).squareRoot())
        return cdf + x * pdf
    }

    /// Gradients of `⟨g, f(inputs)⟩` with respect to `inputs` for a fixed cotangent `g`, recorded (for
    /// higher derivatives). `g` is held constant: when it depends on `inputs` itself (as inside a second
    /// derivative), differentiating through it would add wrong terms and recurse into this pullback.
    static func rebuiltGradients(of g: Variable, inputs: [Variable], _ f: ([Variable]) -> Variable) -> [Variable?] {
        let output = (f(inputs) * g).sum()
        let result = Backpropagation.gradients(of: output, withRespectTo: inputs, holdingConstant: [g], createGraph: true)
        return zip(inputs, result).map { $0.requiresGradient ? $1 : nil }
    }
}
