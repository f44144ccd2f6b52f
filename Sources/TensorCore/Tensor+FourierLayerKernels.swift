import Foundation
import CKernels

/// Fused kernels of a Fourier-neural-operator block on channels-first fields `[B, C, N…]`:
/// a pointwise affine map with an optional gated addend, and the exact GELU.
///
/// ```
/// affine:  y[b, o, p] = Σ_i W[o, i] x[b, i, p] + c[o] + g[o] · a[b, o, p]      (one GEMM per batch entry)
/// gelu:    y = x Φ(x),   y' = Φ(x) + x φ(x)
/// ```
/// Specialized for Float and Double so that generic callers run concrete code.
extension Tensor {
    /// `y_b = W x_b + c + g ⊙ a_b` (bias `c`, addend `a`, per-channel gate `g` all optional).
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public static func pointwiseAffine(_ x: Tensor, weight: Tensor, bias: Tensor?, addend: Tensor?, addendGate: Tensor?) -> Tensor {
        let batch = x.shape[0], inputs = x.shape[1], outputs = weight.shape[0]
        precondition(weight.rank == 2 && weight.shape[1] == inputs, "pointwiseAffine: weight \(weight.shape) for input \(x.shape)")
        let points = x.count / max(batch * inputs, 1)
        let outputShape = [batch, outputs] + Array(x.shape.dropFirst(2))
        if let addend { precondition(addend.shape == outputShape, "pointwiseAffine: addend \(addend.shape) for output \(outputShape)") }
        _ = BLASRuntime.configureOnce
        return Tensor(shape: outputShape) { out in
            guard out.count > 0 else { return }
            let o = SendablePointer(out.baseAddress!)
            x.scalars.withUnsafeBufferPointer { xs in
                weight.scalars.withUnsafeBufferPointer { ws in
                    let xp = SendablePointer(mutating: xs.baseAddress!), wp = SendablePointer(mutating: ws.baseAddress!)
                    withOptionalBuffers(bias, addend, addendGate) { biasBuffer, addendBuffer, gateBuffer in
                        let perBatch = { (b: Int) in
                            let row = o.base + b * outputs * points
                            for channel in 0..<outputs {
                                let destination = row + channel * points
                                let c = biasBuffer?[channel] ?? 0
                                if let addendBuffer {
                                    let source = addendBuffer.baseAddress! + (b * outputs + channel) * points
                                    let g = gateBuffer?[channel] ?? 1
                                    for p in 0..<points { destination[p] = g * source[p] + c }
                                } else {
                                    for p in 0..<points { destination[p] = c }
                                }
                            }
                            if inputs > 0 {
                                Scalar.gemm(transposeA: false, transposeB: false, m: outputs, n: points, k: inputs, alpha: 1,
                                            a: wp.base, lda: inputs, b: xp.base + b * inputs * points, ldb: points,
                                            beta: 1, c: row, ldc: points)
                            }
                        }
                        ParallelLoop.forEachChunk(count: batch, minimumItemsPerChunk: max(1, 16_384 / max(1, outputs * points))) { range in
                            for b in range { perBatch(b) }
                        }
                    }
                }
            }
        }
    }

    /// Gradients of `pointwiseAffine` for the output cotangent `g`: input `Wᵀ g_b`, weight `Σ_b g_b x_bᵀ`,
    /// bias `Σ_{b,p} g`, addend `gate ⊙ g`, gate `Σ_{b,p} g ⊙ a`. Only the requested ones are computed.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public static func pointwiseAffineGradients(
        _ cotangent: Tensor, input x: Tensor, weight: Tensor, addend: Tensor?, addendGate: Tensor?,
        wantInput: Bool, wantWeight: Bool, wantBias: Bool, wantAddend: Bool, wantGate: Bool
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor?, addend: Tensor?, gate: Tensor?) {
        let batch = x.shape[0], inputs = x.shape[1], outputs = weight.shape[0]
        let points = x.count / max(batch * inputs, 1)
        _ = BLASRuntime.configureOnce
        var inputGradient: Tensor?, weightGradient: Tensor?, biasGradient: Tensor?, addendGradient: Tensor?, gateGradient: Tensor?
        cotangent.scalars.withUnsafeBufferPointer { gs in
            let gp = SendablePointer(mutating: gs.baseAddress!)
            if wantInput {
                inputGradient = Tensor(shape: x.shape) { out in
                    let o = SendablePointer(out.baseAddress!)
                    weight.scalars.withUnsafeBufferPointer { ws in
                        let wp = SendablePointer(mutating: ws.baseAddress!)
                        ParallelLoop.forEachChunk(count: batch, minimumItemsPerChunk: max(1, 16_384 / max(1, outputs * points))) { range in
                            for b in range {
                                Scalar.gemm(transposeA: true, transposeB: false, m: inputs, n: points, k: outputs, alpha: 1,
                                            a: wp.base, lda: inputs, b: gp.base + b * outputs * points, ldb: points,
                                            beta: 0, c: o.base + b * inputs * points, ldc: points)
                            }
                        }
                    }
                }
            }
            if wantWeight {
                // One partial sum per reduction block of samples (bounds fixed by the batch size, not the
                // core count), blocks split across cores, partials added in block order.
                let blocks = ParallelLoop.reductionBlocks(count: batch)
                let slice = outputs * inputs
                var partial = [Scalar](repeating: 0, count: max(blocks.count, 1) * slice)
                x.scalars.withUnsafeBufferPointer { xs in
                    partial.withUnsafeMutableBufferPointer { ps in
                        let xp = SendablePointer(mutating: xs.baseAddress!), pp = SendablePointer(ps.baseAddress!)
                        // Σ_p over tiles of ≤ 512 points: OpenBLAS then takes its unpacked small-matrix kernel
                        // (M·N·K ≤ 10⁶, M·N ≤ 1200), 25% faster here than packing a 32 × 4096 panel per call.
                        let tile = (outputs * inputs <= 1200 && points > 512) ? 512 : points
                        let accumulate: @Sendable (Int, SendablePointer<Scalar>) -> Void = { b, c in
                            var start = 0
                            while start < points {
                                let width = min(tile, points - start)
                                Scalar.gemm(transposeA: false, transposeB: true, m: outputs, n: inputs, k: width, alpha: 1,
                                            a: gp.base + b * outputs * points + start, lda: points,
                                            b: xp.base + b * inputs * points + start, ldb: points,
                                            beta: 1, c: c.base, ldc: inputs)
                                start += width
                            }
                        }
                        let blockBox = UncheckedSendableBox(blocks)
                        ParallelLoop.forEachChunk(count: blocks.count, minimumItemsPerChunk: 1) { range in
                            for block in range {
                                for b in blockBox.value[block] { accumulate(b, SendablePointer(pp.base + block * slice)) }
                            }
                        }
                    }
                }
                weightGradient = Tensor(shape: [outputs, inputs]) { out in
                    for i in 0..<out.count {
                        var sum: Scalar = 0
                        for block in 0..<blocks.count { sum += partial[block * slice + i] }
                        out[i] = sum
                    }
                }
            }
            if wantBias || wantGate {
                var biasSums = [Scalar](repeating: 0, count: outputs), gateSums = [Scalar](repeating: 0, count: outputs)
                withOptionalBuffers(addend, nil, nil) { addendBuffer, _, _ in
                    // Per channel (split across cores): Σ_{b,p} g and Σ_{b,p} g a.
                    let addendPointer = addendBuffer.map { SendablePointer(mutating: $0.baseAddress!) }
                    let sums = UnsafeMutablePointer<Scalar>.allocate(capacity: 2 * outputs)
                    defer { sums.deallocate() }
                    let sp = SendablePointer(sums)
                    ParallelLoop.forEachChunk(count: outputs, minimumItemsPerChunk: max(1, 65_536 / max(1, batch * points))) { range in
                        for channel in range {
                            var biasSum: Scalar = 0, gateSum: Scalar = 0
                            for b in 0..<batch {
                                let base = (b * outputs + channel) * points
                                if wantBias { biasSum += Tensor.sum(gp.base + base, count: points) }
                                if wantGate, let addendPointer { gateSum += Tensor.dot(gp.base + base, addendPointer.base + base, count: points) }
                            }
                            sp.base[channel] = biasSum
                            sp.base[outputs + channel] = gateSum
                        }
                    }
                    for channel in 0..<outputs { biasSums[channel] = sums[channel]; gateSums[channel] = sums[outputs + channel] }
                }
                if wantBias { biasGradient = Tensor(uncheckedShape: [outputs], scalars: biasSums) }
                if wantGate { gateGradient = Tensor(uncheckedShape: [outputs], scalars: gateSums) }
            }
            if wantAddend {
                if let addendGate {
                    addendGradient = Tensor(shape: cotangent.shape) { out in
                        let o = SendablePointer(out.baseAddress!)
                        addendGate.scalars.withUnsafeBufferPointer { gate in
                            let gatePointer = SendablePointer(mutating: gate.baseAddress!)
                            ParallelLoop.forEachChunk(count: batch * outputs, minimumItemsPerChunk: max(1, 32_768 / max(1, points))) { range in
                                for row in range {
                                    Tensor.scale(gatePointer.base[row % outputs], gp.base + row * points, into: o.base + row * points, count: points)
                                }
                            }
                        }
                    }
                } else {
                    addendGradient = cotangent
                }
            }
        }
        return (inputGradient, weightGradient, biasGradient, addendGradient, gateGradient)
    }

    /// `Σ x[p]` (vectorized for Float).
    @inlinable
    static func sum(_ x: UnsafeMutablePointer<Scalar>, count: Int) -> Scalar {
        if Scalar.self == Float.self {
            return unsafeBitCast(pdekit_sum_f32(UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), count), to: Scalar.self)
        }
        var s: Scalar = 0
        for p in 0..<count { s += x[p] }
        return s
    }

    /// `Σ x[p] y[p]` (vectorized for Float).
    @inlinable
    static func dot(_ x: UnsafeMutablePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>, count: Int) -> Scalar {
        if Scalar.self == Float.self {
            return unsafeBitCast(pdekit_dot_f32(UnsafeRawPointer(x).assumingMemoryBound(to: Float.self),
                                                UnsafeRawPointer(y).assumingMemoryBound(to: Float.self), count), to: Scalar.self)
        }
        var s: Scalar = 0
        for p in 0..<count { s += x[p] * y[p] }
        return s
    }

    /// `y[p] = a x[p]` (vectorized for Float).
    @inlinable
    static func scale(_ a: Scalar, _ x: UnsafeMutablePointer<Scalar>, into y: UnsafeMutablePointer<Scalar>, count: Int) {
        if Scalar.self == Float.self {
            pdekit_scale_f32(unsafeBitCast(a, to: Float.self), UnsafeRawPointer(x).assumingMemoryBound(to: Float.self),
                             UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self), count)
            return
        }
        for p in 0..<count { y[p] = a * x[p] }
    }

    /// Runs `body` with the buffers of up to three optional tensors.
    @inlinable
    static func withOptionalBuffers<R>(
        _ a: Tensor?, _ b: Tensor?, _ c: Tensor?,
        _ body: (UnsafeBufferPointer<Scalar>?, UnsafeBufferPointer<Scalar>?, UnsafeBufferPointer<Scalar>?) -> R
    ) -> R {
        func with(_ t: Tensor?, _ f: (UnsafeBufferPointer<Scalar>?) -> R) -> R {
            guard let t else { return f(nil) }
            return t.scalars.withUnsafeBufferPointer { f($0) }
        }
        return with(a) { pa in with(b) { pb in with(c) { pc in body(pa, pb, pc) } } }
    }

    /// `Φ(x) = erfc(−x/√2)/2` (libm's erfc, so the lower tail keeps its relative accuracy) and
    /// `φ(x) = e^{−x²/2}/√(2π)`: the generic (Double) path; Float uses the vector kernel
    /// `pdekit_gelu_f32`, which agrees to a few float ulps.
    @inlinable
    static func gaussianCDFAndPDF(_ x: Scalar) -> (cdf: Scalar, pdf: Scalar) {
        let cdf = Scalar.complementaryErrorFunction(-x * Scalar(0.7071067811865476)) / 2
        return (cdf, Scalar.exponential(-x * x / 2) * Scalar(0.3989422804014327))
    }

    /// Exact GELU `x Φ(x)`, elementwise, split across cores.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func gaussianErrorLinearUnit() -> Tensor {
        Tensor(shape: shape) { out in
            let o = SendablePointer(out.baseAddress!)
            scalars.withUnsafeBufferPointer { xs in
                let xp = SendablePointer(mutating: xs.baseAddress!)
                ParallelLoop.forEachChunk(count: out.count, minimumItemsPerChunk: 32_768) { range in
                    if Scalar.self == Float.self {
                        pdekit_gelu_f32(UnsafeRawPointer(xp.base + range.lowerBound).assumingMemoryBound(to: Float.self),
                                        UnsafeMutableRawPointer(o.base + range.lowerBound).assumingMemoryBound(to: Float.self),
                                        range.count)
                        return
                    }
                    for i in range { let v = xp.base[i]; o.base[i] = v * Tensor.gaussianCDFAndPDF(v).cdf }
                }
            }
        }
    }

    /// `g ⊙ (Φ(x) + x φ(x))`, the GELU pullback.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public static func gaussianErrorLinearUnitPullback(_ x: Tensor, cotangent: Tensor) -> Tensor {
        precondition(x.shape == cotangent.shape, "gelu pullback: shapes \(x.shape) and \(cotangent.shape)")
        return Tensor(shape: x.shape) { out in
            let o = SendablePointer(out.baseAddress!)
            x.scalars.withUnsafeBufferPointer { xs in
                cotangent.scalars.withUnsafeBufferPointer { gs in
                    let xp = SendablePointer(mutating: xs.baseAddress!), gp = SendablePointer(mutating: gs.baseAddress!)
                    ParallelLoop.forEachChunk(count: out.count, minimumItemsPerChunk: 32_768) { range in
                        if Scalar.self == Float.self {
                            pdekit_gelu_pullback_f32(UnsafeRawPointer(xp.base + range.lowerBound).assumingMemoryBound(to: Float.self),
                                                     UnsafeRawPointer(gp.base + range.lowerBound).assumingMemoryBound(to: Float.self),
                                                     UnsafeMutableRawPointer(o.base + range.lowerBound).assumingMemoryBound(to: Float.self),
                                                     range.count)
                            return
                        }
                        for i in range {
                            let v = xp.base[i]
                            let (cdf, pdf) = Tensor.gaussianCDFAndPDF(v)
                            o.base[i] = gp.base[i] * (cdf + v * pdf)
                        }
                    }
                }
            }
        }
    }
}
