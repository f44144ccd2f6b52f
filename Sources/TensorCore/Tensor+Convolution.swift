import Dispatch

/// Convolution over 1–3 spatial axes (channels-first, `[batch, channels, spatial…]`) and the two
/// adjoint maps that its pullbacks need.
///
/// ```
/// convolution:                y = C(x, w)
/// convolutionTransposed:      x̄ = C_xᵀ(ȳ, w)     (adjoint in x; also the transposed convolution)
/// convolutionWeightGradient:  w̄ = C_wᵀ(x, ȳ)     (adjoint in w)
/// ```
/// By default each is computed by the direct (im2col-free) kernels of `Tensor+DirectConvolution.swift`;
/// `algorithm: .im2col` selects the original per-sample im2col + GEMM (parallel over the batch).
extension Tensor {
    /// `y[b, o, j] = Σ_{c,k} w[o, c, k] x[b, c, j·s − p + k·δ]`, `x: [B, C, S…]`, `w: [O, C, K…]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func convolution(_ input: Tensor, weight: Tensor, geometry g: ConvolutionGeometry) -> Tensor {
        convolution(input, weight: weight, geometry: g, algorithm: .automatic)
    }

    /// The adjoint of `convolution` in its input: `x̄ = C_xᵀ(ȳ, w)`, shape `[B, C, S…]`.
    /// This is also the transposed convolution of `ȳ` with `w` (PyTorch's `conv_transpose`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func convolutionTransposed(_ outputGradient: Tensor, weight: Tensor, geometry g: ConvolutionGeometry) -> Tensor {
        convolutionTransposed(outputGradient, weight: weight, geometry: g, algorithm: .automatic)
    }

    /// The adjoint of `convolution` in its weight: `w̄ = Σ_b ȳ_b · columns(x_b)ᵀ`, shape `[Cout, C, K…]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func convolutionWeightGradient(_ input: Tensor, outputGradient: Tensor, geometry g: ConvolutionGeometry) -> Tensor {
        convolutionWeightGradient(input, outputGradient: outputGradient, geometry: g, algorithm: .automatic)
    }

    /// `convolution` computed by `algorithm`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func convolution(_ input: Tensor, weight: Tensor, geometry g: ConvolutionGeometry,
                                   algorithm: ConvolutionAlgorithm) -> Tensor {
        let d = g.spatialRank
        precondition(input.rank == d + 2 && weight.rank == d + 2, "convolution: ranks of \(input.shape), \(weight.shape)")
        precondition(Array(input.shape.suffix(d)) == g.inputSize && Array(weight.shape.suffix(d)) == g.kernelSize,
                     "convolution: shapes \(input.shape), \(weight.shape) do not match the geometry")
        precondition(input.shape[1] == weight.shape[1], "convolution: \(input.shape[1]) input channels, weight expects \(weight.shape[1])")
        if algorithm != .im2col && input.shape[0] > 0 { return directConvolution(input, weight: weight, geometry: g) }
        let batch = input.shape[0], inChannels = input.shape[1], outChannels = weight.shape[0]
        let rows = inChannels * g.kernelVolume, columnsCount = g.outputVolume
        var output = [Scalar](repeating: 0, count: batch * outChannels * columnsCount)
        input.scalars.withUnsafeBufferPointer { x in
            weight.scalars.withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { y in
                    let px = SendablePointer(mutating: x.baseAddress!), pw = SendablePointer(mutating: w.baseAddress!)
                    let py = SendablePointer(y.baseAddress!)
                    forEachSampleChunk(batch: batch) { samples, parallel in
                        var columns = [Scalar](repeating: 0, count: rows * columnsCount)
                        columns.withUnsafeMutableBufferPointer { col in
                            for b in samples {
                                ImageColumns.imageToColumns(px.base + b * inChannels * g.inputVolume, channels: inChannels,
                                                            geometry: g, columns: col.baseAddress!)
                                gemm(parallel: parallel, transposeA: false, transposeB: false,
                                     m: outChannels, n: columnsCount, k: rows, a: pw.base, lda: rows,
                                     b: col.baseAddress!, ldb: columnsCount, beta: 0,
                                     c: py.base + b * outChannels * columnsCount, ldc: columnsCount)
                            }
                        }
                    }
                }
            }
        }
        return Tensor(uncheckedShape: [batch, outChannels] + g.outputSize, scalars: output)
    }

    /// `convolutionTransposed` computed by `algorithm`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func convolutionTransposed(_ outputGradient: Tensor, weight: Tensor, geometry g: ConvolutionGeometry,
                                             algorithm: ConvolutionAlgorithm) -> Tensor {
        let d = g.spatialRank
        precondition(outputGradient.rank == d + 2 && Array(outputGradient.shape.suffix(d)) == g.outputSize,
                     "convolutionTransposed: \(outputGradient.shape) does not match output size \(g.outputSize)")
        precondition(outputGradient.shape[1] == weight.shape[0], "convolutionTransposed: channel mismatch")
        precondition(weight.rank == d + 2 && Array(weight.shape.suffix(d)) == g.kernelSize,
                     "convolutionTransposed: weight \(weight.shape) does not match the kernel \(g.kernelSize)")
        if algorithm != .im2col && outputGradient.shape[0] > 0 {
            return directConvolutionTransposed(outputGradient, weight: weight, geometry: g)
        }
        let batch = outputGradient.shape[0], outChannels = weight.shape[0], inChannels = weight.shape[1]
        let rows = inChannels * g.kernelVolume, columnsCount = g.outputVolume
        var input = [Scalar](repeating: 0, count: batch * inChannels * g.inputVolume)
        outputGradient.scalars.withUnsafeBufferPointer { gy in
            weight.scalars.withUnsafeBufferPointer { w in
                input.withUnsafeMutableBufferPointer { gx in
                    let pg = SendablePointer(mutating: gy.baseAddress!), pw = SendablePointer(mutating: w.baseAddress!)
                    let px = SendablePointer(gx.baseAddress!)
                    forEachSampleChunk(batch: batch) { samples, parallel in
                        var columns = [Scalar](repeating: 0, count: rows * columnsCount)
                        columns.withUnsafeMutableBufferPointer { col in
                            for b in samples {
                                // columns = Wᵀ ȳ_b   ([C·K, Cout] · [Cout, O])
                                gemm(parallel: parallel, transposeA: true, transposeB: false,
                                     m: rows, n: columnsCount, k: outChannels, a: pw.base, lda: rows,
                                     b: pg.base + b * outChannels * columnsCount, ldb: columnsCount, beta: 0,
                                     c: col.baseAddress!, ldc: columnsCount)
                                ImageColumns.columnsToImageAdding(col.baseAddress!, channels: inChannels, geometry: g,
                                                                  image: px.base + b * inChannels * g.inputVolume)
                            }
                        }
                    }
                }
            }
        }
        return Tensor(uncheckedShape: [batch, inChannels] + g.inputSize, scalars: input)
    }

    /// `convolutionWeightGradient` computed by `algorithm`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func convolutionWeightGradient(_ input: Tensor, outputGradient: Tensor, geometry g: ConvolutionGeometry,
                                                 algorithm: ConvolutionAlgorithm) -> Tensor {
        let d = g.spatialRank
        precondition(input.rank == d + 2 && outputGradient.rank == d + 2 && input.shape[0] == outputGradient.shape[0],
                     "convolutionWeightGradient: shapes \(input.shape), \(outputGradient.shape)")
        precondition(Array(input.shape.suffix(d)) == g.inputSize && Array(outputGradient.shape.suffix(d)) == g.outputSize,
                     "convolutionWeightGradient: shapes \(input.shape), \(outputGradient.shape) do not match the geometry")
        if algorithm != .im2col && input.shape[0] > 0 {
            return directConvolutionWeightGradient(input, outputGradient: outputGradient, geometry: g)
        }
        let batch = input.shape[0], inChannels = input.shape[1], outChannels = outputGradient.shape[1]
        let rows = inChannels * g.kernelVolume, columnsCount = g.outputVolume
        // One accumulator slice per reduction block of samples (bounds fixed by the batch size, not the
        // core count), blocks split across cores, slices summed in block order at the end.
        let blocks = ParallelLoop.reductionBlocks(count: batch)
        let slice = outChannels * rows
        var partials = [Scalar](repeating: 0, count: Swift.max(blocks.count, 1) * slice)
        input.scalars.withUnsafeBufferPointer { x in
            outputGradient.scalars.withUnsafeBufferPointer { gy in
                partials.withUnsafeMutableBufferPointer { accumulators in
                    let px = SendablePointer(mutating: x.baseAddress!), pg = SendablePointer(mutating: gy.baseAddress!)
                    let pa = SendablePointer(accumulators.baseAddress!)
                    let blockBox = UncheckedSendableBox(blocks)
                    ParallelLoop.forEachChunk(count: blocks.count, minimumItemsPerChunk: 1) { blockRange in
                        var columns = [Scalar](repeating: 0, count: rows * columnsCount)
                        columns.withUnsafeMutableBufferPointer { col in
                            for block in blockRange {
                                for b in blockBox.value[block] {
                                    ImageColumns.imageToColumns(px.base + b * inChannels * g.inputVolume, channels: inChannels,
                                                                geometry: g, columns: col.baseAddress!)
                                    // w̄ += ȳ_b · columnsᵀ   ([Cout, O] · [O, C·K])
                                    gemm(parallel: blocks.count == 1, transposeA: false, transposeB: true,
                                         m: outChannels, n: rows, k: columnsCount,
                                         a: pg.base + b * outChannels * columnsCount, lda: columnsCount,
                                         b: col.baseAddress!, ldb: columnsCount, beta: 1,
                                         c: pa.base + block * slice, ldc: rows)
                                }
                            }
                        }
                    }
                }
            }
        }
        let total = Tensor(shape: [outChannels, inChannels] + g.kernelSize) { out in
            partials.withUnsafeBufferPointer { p in
                for i in 0..<slice {
                    var value: Scalar = 0
                    for block in 0..<blocks.count { value += p[block * slice + i] }
                    out[i] = value
                }
            }
        }
        return total
    }

    /// Splits the batch into per-core chunks; `parallel` tells the body whether it may use a
    /// multi-core GEMM (true only when there is a single chunk).
    static func forEachSampleChunk(batch: Int, _ body: (Range<Int>, Bool) -> Void) {
        if batch < 2 || ParallelLoop.workerCount == 1 {
            body(0..<batch, true)
            return
        }
        ParallelLoop.forEachChunk(count: batch, minimumItemsPerChunk: 1) { body($0, false) }
    }

    @inline(__always)
    static func gemm(parallel: Bool, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Scalar>, lda: Int, b: UnsafePointer<Scalar>, ldb: Int,
                     beta: Scalar, c: UnsafeMutablePointer<Scalar>, ldc: Int) {
        if parallel {
            BLASRuntime.parallelGEMM(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
                                     a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        } else {
            BLASRuntime.serialGEMM(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
                                   a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }
}

