/// Per-mode complex channel mixing on a set of retained Fourier modes (the kernel of a Fourier layer).
///
/// A half spectrum `X` of shape `[B, C, s₁, …, s_d, 2]` (interleaved complex) holds, at every
/// retained mode `k` (a flat offset into the `s₁⋯s_d` spectral grid), a `[B, C]` complex matrix
/// `X_k`. With per-mode weights `W_k` (`[K, C_in, C_out, 2]`):
/// ```
/// product:            Y_k = X_k W_k        (or X_k W_kᴴ with conjugateTransposeWeights)
///                     Y = 0 at every mode that is not retained
/// weight gradient:    W̄_k = X_kᴴ G_k
/// ```
/// One small complex GEMM per mode (`[B, C_in] × [C_in, C_out]`), modes split across cores.
/// Reference: Li et al., "Fourier Neural Operator for Parametric PDEs", ICLR 2021 (eq. 5).
extension Tensor {
    /// `Y_k = X_k op(W_k)` on the retained modes, zero elsewhere.
    /// - Parameters:
    ///   - spectrum: `[B, C, s…, 2]`.
    ///   - weights: `[K, C_in, C_out, 2]`, one complex matrix per retained mode.
    ///   - modeOffsets: `K` distinct flat offsets into the spectral grid `s…` (complex units).
    ///   - conjugateTransposeWeights: use `W_kᴴ` (maps `C_out` channels to `C_in`).
    ///   - outputScale: a factor applied to every output mode.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public static func spectralModeProduct(
        spectrum: Tensor, weights: Tensor, modeOffsets: [Int], conjugateTransposeWeights: Bool = false, outputScale: Scalar = 1
    ) -> Tensor {
        precondition(spectrum.rank >= 4 && spectrum.shape.last == 2, "spectralModeProduct: bad spectrum \(spectrum.shape)")
        precondition(weights.rank == 4 && weights.shape[3] == 2 && weights.shape[0] == modeOffsets.count,
                     "spectralModeProduct: weights \(weights.shape) for \(modeOffsets.count) modes")
        let batch = spectrum.shape[0], channels = spectrum.shape[1]
        let rows = weights.shape[1], columns = weights.shape[2]
        let (inner, outer) = conjugateTransposeWeights ? (columns, rows) : (rows, columns)
        precondition(channels == inner, "spectralModeProduct: \(channels) channels for weights \(weights.shape)")
        let plane = spectrum.shape[2..<(spectrum.rank - 1)].reduce(1, *)
        let modeCount = modeOffsets.count
        var outputShape = spectrum.shape
        outputShape[1] = outer
        var output = Tensor.zeros(outputShape)
        if batch == 0 || modeCount == 0 { return output }
        _ = BLASRuntime.configureOnce
        spectrum.scalars.withUnsafeBufferPointer { xBuffer in
            weights.scalars.withUnsafeBufferPointer { wBuffer in
                output.scalars.withUnsafeMutableBufferPointer { yBuffer in
                    modeOffsets.withUnsafeBufferPointer { offsets in
                        let x = SendablePointer(mutating: xBuffer.baseAddress!), w = SendablePointer(mutating: wBuffer.baseAddress!)
                        let y = SendablePointer(yBuffer.baseAddress!), o = SendablePointer(mutating: offsets.baseAddress!)
                        let work = batch * inner * outer
                        ParallelLoop.forEachChunk(count: modeCount, minimumItemsPerChunk: max(1, 8_192 / max(1, work))) { range in
                            let gathered = UnsafeMutablePointer<Scalar>.allocate(capacity: 2 * batch * inner)
                            let mixed = UnsafeMutablePointer<Scalar>.allocate(capacity: 2 * batch * outer)
                            defer { gathered.deallocate(); mixed.deallocate() }
                            for mode in range {
                                let offset = 2 * o.base[mode]
                                // X_k[b, i] = X[b, i, k]
                                for b in 0..<batch {
                                    for i in 0..<inner {
                                        let source = x.base + ((b * inner + i) * plane) * 2 + offset
                                        gathered[2 * (b * inner + i)] = source[0]
                                        gathered[2 * (b * inner + i) + 1] = source[1]
                                    }
                                }
                                // Y_k = X_k op(W_k)
                                Scalar.complexGEMM(conjugateTransposeA: false, conjugateTransposeB: conjugateTransposeWeights,
                                                   m: batch, n: outer, k: inner, a: gathered, lda: inner,
                                                   b: w.base + mode * rows * columns * 2, ldb: columns,
                                                   beta: 0, c: mixed, ldc: outer)
                                // Y[b, o, k] = Y_k[b, o]
                                for b in 0..<batch {
                                    for j in 0..<outer {
                                        let destination = y.base + ((b * outer + j) * plane) * 2 + offset
                                        destination[0] = outputScale * mixed[2 * (b * outer + j)]
                                        destination[1] = outputScale * mixed[2 * (b * outer + j) + 1]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// `W̄_k = X_kᴴ G_k` for every retained mode: the gradient of `spectralModeProduct` in its weights.
    /// - Parameters:
    ///   - spectrum: `X`, `[B, C_in, s…, 2]`.
    ///   - cotangent: `G`, `[B, C_out, s…, 2]`.
    ///   - modeScales: optional per-mode factors `s_k` (`W̄_k = s_k X_kᴴ G_k`).
    /// - Returns: `[K, C_in, C_out, 2]`.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public static func spectralModeWeightGradient(spectrum: Tensor, cotangent: Tensor, modeOffsets: [Int], modeScales: [Scalar]? = nil) -> Tensor {
        precondition(spectrum.rank >= 4 && spectrum.shape.last == 2 && cotangent.rank == spectrum.rank
                     && cotangent.shape[0] == spectrum.shape[0] && cotangent.shape[2...] == spectrum.shape[2...],
                     "spectralModeWeightGradient: shapes \(spectrum.shape) and \(cotangent.shape)")
        let batch = spectrum.shape[0], inner = spectrum.shape[1], outer = cotangent.shape[1]
        let plane = spectrum.shape[2..<(spectrum.rank - 1)].reduce(1, *)
        let modeCount = modeOffsets.count
        var output = Tensor.zeros([modeCount, inner, outer, 2])
        if batch == 0 || modeCount == 0 { return output }
        _ = BLASRuntime.configureOnce
        spectrum.scalars.withUnsafeBufferPointer { xBuffer in
            cotangent.scalars.withUnsafeBufferPointer { gBuffer in
                output.scalars.withUnsafeMutableBufferPointer { wBuffer in
                    modeOffsets.withUnsafeBufferPointer { offsets in
                        let x = SendablePointer(mutating: xBuffer.baseAddress!), g = SendablePointer(mutating: gBuffer.baseAddress!)
                        let w = SendablePointer(wBuffer.baseAddress!), o = SendablePointer(mutating: offsets.baseAddress!)
                        let work = batch * inner * outer
                        let scales = UncheckedSendableBox(modeScales)
                        ParallelLoop.forEachChunk(count: modeCount, minimumItemsPerChunk: max(1, 8_192 / max(1, work))) { range in
                            let gatheredX = UnsafeMutablePointer<Scalar>.allocate(capacity: 2 * batch * inner)
                            let gatheredG = UnsafeMutablePointer<Scalar>.allocate(capacity: 2 * batch * outer)
                            defer { gatheredX.deallocate(); gatheredG.deallocate() }
                            for mode in range {
                                let offset = 2 * o.base[mode]
                                for b in 0..<batch {
                                    for i in 0..<inner {
                                        let source = x.base + ((b * inner + i) * plane) * 2 + offset
                                        gatheredX[2 * (b * inner + i)] = source[0]
                                        gatheredX[2 * (b * inner + i) + 1] = source[1]
                                    }
                                    for j in 0..<outer {
                                        let source = g.base + ((b * outer + j) * plane) * 2 + offset
                                        gatheredG[2 * (b * outer + j)] = source[0]
                                        gatheredG[2 * (b * outer + j) + 1] = source[1]
                                    }
                                }
                                // W̄_k = X_kᴴ G_k
                                Scalar.complexGEMM(conjugateTransposeA: true, conjugateTransposeB: false,
                                                   m: inner, n: outer, k: batch, a: gatheredX, lda: inner,
                                                   b: gatheredG, ldb: outer, beta: 0,
                                                   c: w.base + mode * inner * outer * 2, ldc: outer)
                                if let factor = scales.value?[mode], factor != 1 {
                                    let block = w.base + mode * inner * outer * 2
                                    for i in 0..<(2 * inner * outer) { block[i] *= factor }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Flat offsets (complex units) of the retained modes of a half spectrum `s₁ × ⋯ × s_d`
    /// (`s_d = n_d/2 + 1`): along every axis but the last the lowest `m_i` non-negative and the
    /// `m_i` most negative frequencies (`0…m_i−1` and `s_i−m_i…s_i−1`), along the last `0…m_d−1`.
    ///
    /// The order matches a weight tensor of shape `[2m₁, …, 2m_{d−1}, m_d, …]` (row-major).
    /// Requires `2m_i ≤ s_i` and `m_d ≤ s_d`.
    public static func retainedModeOffsets(spectralSizes: [Int], modes: [Int]) -> [Int] {
        precondition(spectralSizes.count == modes.count && !modes.isEmpty, "retainedModeOffsets: \(spectralSizes) vs \(modes)")
        let d = modes.count
        var perAxis: [[Int]] = []
        for axis in 0..<d {
            let size = spectralSizes[axis], m = modes[axis]
            if axis == d - 1 {
                precondition(m <= size, "retainedModeOffsets: \(m) modes on a last axis of \(size)")
                perAxis.append(Array(0..<m))
            } else {
                precondition(2 * m <= size, "retainedModeOffsets: 2×\(m) modes on an axis of \(size)")
                perAxis.append(Array(0..<m) + Array((size - m)..<size))
            }
        }
        let strides = contiguousStrides(for: spectralSizes)
        var offsets = [0]
        // (perAxis in row-major order of the weight tensor)
        for axis in 0..<d {
            offsets = offsets.flatMap { base in perAxis[axis].map { base + $0 * strides[axis] } }
        }
        return offsets
    }
}
