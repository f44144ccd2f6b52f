/// Real FFTs over the trailing 1, 2 or 3 dimensions through FFTW, batched over the leading ones.
///
/// With `N = n₁⋯n_d` and `θ_j·k = Σ 2π j_i k_i / n_i`:
/// ```
/// rfft:   X[k] = Σ_j x[j] e^{−i θ_j·k},   k_d = 0 … n_d/2        (unnormalized)
/// irfft:  x[j] = (1/N) Σ_k X̃[k] e^{+i θ_j·k}                     (X̃ the Hermitian extension)
/// ```
/// This is NumPy's and PyTorch's default ("backward") normalization, so `irfft(rfft(x)) = x`.
/// Complex spectra are interleaved: shape `[…, n₁, …, n_d/2 + 1, 2]`.
///
/// `irfft` of a spectrum that is not exactly Hermitian on the planes `k_d = 0` and `k_d = n_d/2`
/// (as happens after a spectral layer multiplies modes by learned weights) is defined as the real
/// part of the inverse transform, `x = Re(ifft_{1…d−1}(c2r_d X))`: those two planes are projected
/// onto their Hermitian part first, which leaves that real part unchanged and makes FFTW's
/// multi-dimensional c2r exact. The pullbacks in AutoDiff rely on this definition.
extension Tensor {
    /// Shape of the half spectrum of a real tensor transformed over its last `dimensionCount` axes.
    @inlinable
    public static func halfSpectrumShape(realShape: [Int], dimensionCount: Int) -> [Int] {
        var result = realShape
        result[result.count - 1] = realShape[realShape.count - 1] / 2 + 1
        return result + [2]
    }

    /// Forward real FFT over the last `dimensionCount` axes (1, 2 or 3), unnormalized.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func rfft(dimensionCount: Int) -> Tensor {
        precondition((1...3).contains(dimensionCount) && rank >= dimensionCount,
                     "rfft over \(dimensionCount) axes of a rank-\(rank) tensor")
        let sizes = Array(shape.suffix(dimensionCount))
        precondition(sizes.allSatisfy { $0 > 0 }, "rfft of an empty axis")
        let batch = shape.dropLast(dimensionCount).reduce(1, *)
        let realPerItem = sizes.reduce(1, *)
        let outputShape = Tensor.halfSpectrumShape(realShape: shape, dimensionCount: dimensionCount)
        let complexPerItem = outputShape.suffix(dimensionCount + 1).reduce(1, *)
        // Out-of-place r2c plans preserve their input (FFTW's default), so no copy is needed.
        return Tensor(shape: outputShape) { destination in
            scalars.withUnsafeBufferPointer { source in
                Tensor.executeChunked(direction: .realToComplex, sizes: sizes, batch: batch,
                                      inputPerItem: realPerItem, outputPerItem: complexPerItem,
                                      input: UnsafeMutablePointer(mutating: source.baseAddress!),
                                      output: destination.baseAddress!)
            }
        }
    }

    /// Inverse real FFT over the last `dimensionCount` axes, scaled by `1/N`.
    /// - Parameter lastSize: the real-space size of the last transformed axis (`n_d`); the
    ///   spectrum's last axis must have `n_d/2 + 1` entries.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func irfft(dimensionCount: Int, lastSize: Int) -> Tensor {
        complexToReal(dimensionCount: dimensionCount, lastSize: lastSize, normalized: true)
    }

    /// Inverse real FFT without the `1/N` factor (FFTW's c2r after the Hermitian projection).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func complexToRealUnnormalized(dimensionCount: Int, lastSize: Int) -> Tensor {
        complexToReal(dimensionCount: dimensionCount, lastSize: lastSize, normalized: false)
    }

    /// c2r on a scratch copy of the spectrum (FFTW's multi-dimensional c2r destroys its input).
    /// The `1/N` factor, when asked for, is applied while copying, which costs no extra pass.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func complexToReal(dimensionCount: Int, lastSize: Int, normalized: Bool) -> Tensor {
        precondition(shape.last == 2 && rank >= dimensionCount + 1, "irfft needs an interleaved complex spectrum")
        let spectralSizes = Array(shape.dropLast().suffix(dimensionCount))
        precondition(spectralSizes.last == lastSize / 2 + 1,
                     "irfft: last spectral size \(spectralSizes.last!) does not match real size \(lastSize)")
        var sizes = spectralSizes
        sizes[sizes.count - 1] = lastSize
        let batch = shape.dropLast(dimensionCount + 1).reduce(1, *)
        let complexPerItem = spectralSizes.reduce(1, *) * 2
        let realPerItem = sizes.reduce(1, *)
        let scale: Scalar = normalized ? 1 / Scalar(realPerItem) : 1
        var input = [Scalar](unsafeUninitializedCapacity: scalars.count) { copy, initialized in
            scalars.withUnsafeBufferPointer { source in
                if normalized {
                    for i in 0..<source.count { copy[i] = source[i] * scale }
                } else {
                    _ = copy.initialize(from: source)
                }
            }
            initialized = scalars.count
        }
        if dimensionCount > 1 {
            input.withUnsafeMutableBufferPointer { buffer in
                Tensor.projectEdgePlanesToHermitian(buffer, batch: batch, spectralSizes: spectralSizes, lastSize: lastSize)
            }
        }
        return Tensor(shape: Array(shape.dropLast(dimensionCount + 1)) + sizes) { destination in
            input.withUnsafeMutableBufferPointer { source in
                Tensor.executeChunked(direction: .complexToReal, sizes: sizes, batch: batch,
                                      inputPerItem: complexPerItem, outputPerItem: realPerItem,
                                      input: source.baseAddress!, output: destination.baseAddress!)
            }
        }
    }

    /// Replaces the `k_d = 0` and `k_d = n_d/2` planes by their Hermitian parts,
    /// `Y[m] ← (Y[m] + conj(Y[−m]))/2` over the leading transformed axes.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func projectEdgePlanesToHermitian(
        _ buffer: UnsafeMutableBufferPointer<Scalar>, batch: Int, spectralSizes: [Int], lastSize: Int
    ) {
        let leadingSizes = Array(spectralSizes.dropLast())
        let lastSpectral = spectralSizes.last!
        let planeCount = leadingSizes.reduce(1, *)
        var edges = [0]
        if lastSize % 2 == 0 && lastSize / 2 != 0 { edges.append(lastSize / 2) }
        let leadingStrides = Tensor.contiguousStrides(for: leadingSizes)
        var mirror = [Int](repeating: 0, count: planeCount)
        for flat in 0..<planeCount {
            var negated = 0
            for axis in 0..<leadingSizes.count {
                let index = (flat / leadingStrides[axis]) % leadingSizes[axis]
                negated += ((leadingSizes[axis] - index) % leadingSizes[axis]) * leadingStrides[axis]
            }
            mirror[flat] = negated
        }
        let itemSize = planeCount * lastSpectral * 2
        for item in 0..<batch {
            let base = item * itemSize
            for edge in edges {
                for flat in 0..<planeCount where mirror[flat] >= flat {
                    let p = base + (flat * lastSpectral + edge) * 2
                    let q = base + (mirror[flat] * lastSpectral + edge) * 2
                    let real = (buffer[p] + buffer[q]) / 2
                    let imaginary = (buffer[p + 1] - buffer[q + 1]) / 2
                    buffer[p] = real; buffer[p + 1] = imaginary
                    buffer[q] = real; buffer[q + 1] = -imaginary
                }
            }
        }
    }

    /// Executes cached plans over the batch, in parallel chunks when that is possible.
    ///
    /// The chunks are `ParallelLoop.reductionBlocks` of the batch, fixed by the sizes and never by the
    /// core count: FFTW's plan for a batch of `h` items may round differently from its plan for another
    /// `h`, so chunking by cores would make the bits depend on the machine. The plans are FFTW_ESTIMATE
    /// plans, the same in every process.
    static func executeChunked(
        direction: FFTDirection, sizes: [Int], batch: Int, inputPerItem: Int, outputPerItem: Int,
        input: UnsafeMutablePointer<Scalar>, output: UnsafeMutablePointer<Scalar>
    ) {
        let cache = FFTPlanCache.shared
        let blocks = (batch >= 2 && batch * inputPerItem >= 32_768) ? ParallelLoop.reductionBlocks(count: batch) : [0..<batch]
        let chunks = blocks.count
        let bounds = blocks.map(\.lowerBound) + [batch]
        var plans: [FFTPlanCache.Plan] = []
        var aligned = true
        for chunk in 0..<chunks {
            let plan = cache.plan(Scalar.self, direction: direction, sizes: sizes, batch: bounds[chunk + 1] - bounds[chunk])
            plans.append(plan)
            let inputPointer = input + bounds[chunk] * inputPerItem
            let outputPointer = output + bounds[chunk] * outputPerItem
            if Scalar.fftwAlignment(of: inputPointer) != plan.inputAlignment
                || Scalar.fftwAlignment(of: outputPointer) != plan.outputAlignment { aligned = false }
        }
        if !aligned || chunks == 1 {
            let plan = cache.plan(Scalar.self, direction: direction, sizes: sizes, batch: batch)
            executeAligned(plan, direction: direction, input: input, output: output,
                           inputCount: batch * inputPerItem, outputCount: batch * outputPerItem)
            return
        }
        let source = SendablePointer(input), destination = SendablePointer(output)
        let planBox = UncheckedSendableBox(plans)
        ParallelLoop.forEachChunk(count: chunks, minimumItemsPerChunk: 1) { range in
            for chunk in range {
                let plan = planBox.value[chunk]
                execute(plan.pointer, direction: direction,
                        input: source.base + bounds[chunk] * inputPerItem,
                        output: destination.base + bounds[chunk] * outputPerItem)
            }
        }
    }

    /// Executes a plan, staging through fresh arrays if the given arrays' alignment differs from
    /// the planning arrays' (FFTW's requirement for its new-array interface).
    static func executeAligned(
        _ plan: FFTPlanCache.Plan, direction: FFTDirection,
        input: UnsafeMutablePointer<Scalar>, output: UnsafeMutablePointer<Scalar>, inputCount: Int, outputCount: Int
    ) {
        if Scalar.fftwAlignment(of: input) == plan.inputAlignment && Scalar.fftwAlignment(of: output) == plan.outputAlignment {
            execute(plan.pointer, direction: direction, input: input, output: output)
            return
        }
        var stagedInput = Array(UnsafeBufferPointer(start: input, count: inputCount))
        var stagedOutput = [Scalar](repeating: 0, count: outputCount)
        stagedInput.withUnsafeMutableBufferPointer { i in
            stagedOutput.withUnsafeMutableBufferPointer { o in
                precondition(Scalar.fftwAlignment(of: i.baseAddress!) == plan.inputAlignment
                             && Scalar.fftwAlignment(of: o.baseAddress!) == plan.outputAlignment,
                             "FFTW alignment of staging arrays differs from the plan's")
                execute(plan.pointer, direction: direction, input: i.baseAddress!, output: o.baseAddress!)
            }
        }
        output.update(from: stagedOutput, count: outputCount)
    }

    @inline(__always)
    static func execute(_ plan: OpaquePointer, direction: FFTDirection,
                        input: UnsafeMutablePointer<Scalar>, output: UnsafeMutablePointer<Scalar>) {
        switch direction {
        case .realToComplex: Scalar.fftwExecuteRealToComplex(plan, input: input, output: output)
        case .complexToReal: Scalar.fftwExecuteComplexToReal(plan, input: input, output: output)
        }
    }
}

import Dispatch
