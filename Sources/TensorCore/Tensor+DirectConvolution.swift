import CKernels

/// im2col-free convolution, its input adjoint (transposed convolution) and its weight adjoint.
///
/// Every map becomes a stride-1 *multi-offset correlation* over a flattened buffer (lifted to three
/// spatial axes z, y, x), computed by the C kernels of `CKernels/convolution.c`:
/// ```
/// out[a, m] = Σ_b Σ_t W[a, b, t] · in[b, off_t + m]              (pdekit_conv_corr)
/// W̄[a, b, t] += Σ_m g[a, m] · in[b, off_t + m]                   (pdekit_conv_wgrad)
/// ```
/// **Forward** `y[o, j] = Σ_{c,k} w[o,c,k] x[c, j·s − p + k·δ]`: write `x` zero-padded by `p` and split
/// into `s_z·s_y·s_x` phase images, `x_q[c, r, m] = x_pad[c, s·m + r]` (every image `⌈(S+2p)/s⌉` per axis,
/// row-major with pitches `Y_q, X_q`). With `kδ = s·⌊kδ/s⌋ + r_k`,
/// `x_pad[j·s + kδ] = x_q[r_k, j + ⌊kδ/s⌋]`, so tap `k` is the offset
/// `off_k = image(r_k) + (⌊k_zδ_z/s_z⌋·Y_q + ⌊k_yδ_y/s_y⌋)·X_q + ⌊k_xδ_x/s_x⌋` and output `j` sits at
/// `m = (j_z·Y_q + j_y)·X_q + j_x`; the positions of the flattened range that are not outputs (row
/// ends) are computed and dropped when `y` is extracted.
/// **Weight gradient** `w̄[o,c,k] = Σ_j ȳ[o,j] x_pad[c, j·s + kδ]`: the same `x_q`, with `ȳ` embedded in
/// the output layout and zero at the dropped positions.
/// **Transposed** `x̄[c,i] = Σ_{o,k: j·s−p+kδ=i} w[o,c,k] ȳ[o,j]`: split `x̄` by the phase `r` of
/// `i + p = s·m + r`; the taps with `kδ ≡ r (mod s)` reach it from `j = m − ⌊kδ/s⌋`, a stride-1
/// correlation of `ȳ` (zero-padded in front by `Q = ⌊(K−1)δ/s⌋`) with the channel-swapped sub-kernel,
/// written back into `x̄` at `i = s·m + r − p`. Phases that no tap reaches are zero.
///
/// Work: `2·C_out·C_in·K` flops per output position (per input position for the transposed map),
/// plus `O(C·N)` copies for the layouts, against im2col's `K·C_in·N` copies and BLAS packing.
/// Batches are split across cores; a single sample splits its positions (and layout copies) instead.
extension Tensor {
    /// The layout of one forward/weight-gradient problem (see the type's documentation).
    struct DirectConvolutionLayout {
        let size: [Int], padding: [Int], stride: [Int], output: [Int]
        /// Phase-image extents (Z_q, Y_q, X_q).
        let q: [Int]
        /// Elements per input channel in the phase-split buffer.
        let channelStride: Int
        /// Tap offsets (kernel order z, y, x).
        let offsets: [Int]
        /// Length of the flattened output range.
        let length: Int
        /// Channel stride of the embedded output gradient (a multiple of 16 ≥ length).
        let gradientStride: Int

        init(_ g: ConvolutionGeometry) {
            let S = g.lifted(g.inputSize, fill: 1), K = g.lifted(g.kernelSize, fill: 1)
            let s = g.lifted(g.stride, fill: 1), p = g.lifted(g.padding, fill: 0), d = g.lifted(g.dilation, fill: 1)
            let O = g.lifted(g.outputSize, fill: 1)
            size = S; padding = p; stride = s; output = O
            q = (0..<3).map { (S[$0] + 2 * p[$0] + s[$0] - 1) / s[$0] }
            let image = q[0] * q[1] * q[2]
            channelStride = s[0] * s[1] * s[2] * image
            var offsets: [Int] = []
            offsets.reserveCapacity(K[0] * K[1] * K[2])
            for kz in 0..<K[0] { for ky in 0..<K[1] { for kx in 0..<K[2] {
                let e = [kz * d[0], ky * d[1], kx * d[2]]
                let r = (0..<3).map { e[$0] % s[$0] }, qq = (0..<3).map { e[$0] / s[$0] }
                let phase = (r[0] * s[1] + r[1]) * s[2] + r[2]
                offsets.append(phase * image + (qq[0] * q[1] + qq[1]) * q[2] + qq[2])
            } } }
            self.offsets = offsets
            length = ((O[0] - 1) * q[1] + (O[1] - 1)) * q[2] + O[2]
            gradientStride = (length + 15) / 16 * 16
        }
    }

    /// Readable zeros past the last channel of every scratch buffer (the kernels' vector overrun).
    static var directSlack: Int { 512 }

    static func isPointwise(_ g: ConvolutionGeometry) -> Bool {
        g.kernelSize.allSatisfy { $0 == 1 } && g.stride.allSatisfy { $0 == 1 } && g.padding.allSatisfy { $0 == 0 }
    }

    /// Uninitialized scratch of `count` elements followed by `directSlack` zeros.
    static func scratch(_ count: Int) -> UnsafeMutablePointer<Scalar> {
        let p = UnsafeMutablePointer<Scalar>.allocate(capacity: count + directSlack)
        (p + count).initialize(repeating: 0, count: directSlack)
        return p
    }

    /// Runs `body(range)` over `0..<count` in per-core chunks when `parallel` (at least `minimum` items each).
    @inline(__always)
    static func parts(_ count: Int, parallel: Bool, minimum: Int = 1, _ body: (Range<Int>) -> Void) {
        if parallel { ParallelLoop.forEachChunk(count: count, minimumItemsPerChunk: minimum, body) } else if count > 0 { body(0..<count) }
    }

    // MARK: C entry points for this scalar type

    @inline(__always) static func f32(_ p: UnsafePointer<Scalar>) -> UnsafePointer<Float> { UnsafeRawPointer(p).assumingMemoryBound(to: Float.self) }
    @inline(__always) static func f32(_ p: UnsafeMutablePointer<Scalar>) -> UnsafeMutablePointer<Float> { UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self) }
    @inline(__always) static func f64(_ p: UnsafePointer<Scalar>) -> UnsafePointer<Double> { UnsafeRawPointer(p).assumingMemoryBound(to: Double.self) }
    @inline(__always) static func f64(_ p: UnsafeMutablePointer<Scalar>) -> UnsafeMutablePointer<Double> { UnsafeMutableRawPointer(p).assumingMemoryBound(to: Double.self) }

    static func kernelCorrelate(_ input: UnsafePointer<Scalar>, inputStride: Int, inputChannels: Int, offsets: UnsafePointer<Int>,
                                taps: Int, weight: UnsafePointer<Scalar>, weightOutStride: Int, weightInStride: Int,
                                weightTaps: UnsafePointer<Int>, output: UnsafeMutablePointer<Scalar>, outputStride: Int,
                                outputChannels: Int, length: Int) {
        if Scalar.self == Float.self {
            pdekit_conv_corr_f32(f32(input), inputStride, Int32(inputChannels), offsets, Int32(taps), f32(weight), weightOutStride,
                                 weightInStride, weightTaps, f32(output), outputStride, Int32(outputChannels), length)
        } else {
            pdekit_conv_corr_f64(f64(input), inputStride, Int32(inputChannels), offsets, Int32(taps), f64(weight), weightOutStride,
                                 weightInStride, weightTaps, f64(output), outputStride, Int32(outputChannels), length)
        }
    }

    static func kernelWeightGradient(_ input: UnsafePointer<Scalar>, inputStride: Int, inputChannels: Int, offsets: UnsafePointer<Int>,
                                     taps: Int, gradient: UnsafePointer<Scalar>, gradientStride: Int, outputChannels: Int,
                                     length: Int, accumulator: UnsafeMutablePointer<Scalar>) {
        if Scalar.self == Float.self {
            pdekit_conv_wgrad_f32(f32(input), inputStride, Int32(inputChannels), offsets, Int32(taps), f32(gradient), gradientStride,
                                  Int32(outputChannels), length, f32(accumulator))
        } else {
            pdekit_conv_wgrad_f64(f64(input), inputStride, Int32(inputChannels), offsets, Int32(taps), f64(gradient), gradientStride,
                                  Int32(outputChannels), length, f64(accumulator))
        }
    }

    static func kernelPhasePack(_ x: UnsafePointer<Scalar>, _ layout: DirectConvolutionLayout, into xq: UnsafeMutablePointer<Scalar>,
                                channels: Range<Int>) {
        if Scalar.self == Float.self {
            pdekit_conv_phase_pack_f32(f32(x), layout.size, layout.padding, layout.stride, layout.q, f32(xq), layout.channelStride,
                                       Int32(channels.lowerBound), Int32(channels.upperBound))
        } else {
            pdekit_conv_phase_pack_f64(f64(x), layout.size, layout.padding, layout.stride, layout.q, f64(xq), layout.channelStride,
                                       Int32(channels.lowerBound), Int32(channels.upperBound))
        }
    }

    static func kernelEmbed(_ source: UnsafePointer<Scalar>, extent: [Int], count: [Int], offset: [Int], dims: [Int],
                            into destination: UnsafeMutablePointer<Scalar>, channelStride: Int, channels: Range<Int>) {
        if Scalar.self == Float.self {
            pdekit_conv_embed_f32(f32(source), extent, count, offset, dims, f32(destination), channelStride,
                                  Int32(channels.lowerBound), Int32(channels.upperBound))
        } else {
            pdekit_conv_embed_f64(f64(source), extent, count, offset, dims, f64(destination), channelStride,
                                  Int32(channels.lowerBound), Int32(channels.upperBound))
        }
    }

    static func kernelExtract(_ source: UnsafePointer<Scalar>, channelStride: Int, pitch: [Int], count: [Int],
                              into destination: UnsafeMutablePointer<Scalar>, channels: Range<Int>) {
        if Scalar.self == Float.self {
            pdekit_conv_extract_f32(f32(source), channelStride, pitch, count, f32(destination),
                                    Int32(channels.lowerBound), Int32(channels.upperBound))
        } else {
            pdekit_conv_extract_f64(f64(source), channelStride, pitch, count, f64(destination),
                                    Int32(channels.lowerBound), Int32(channels.upperBound))
        }
    }

    static func kernelScatter(_ source: UnsafePointer<Scalar>?, channelStride: Int, pitch: [Int], extent: [Int], phase: [Int],
                              stride: [Int], padding: [Int], size: [Int], into destination: UnsafeMutablePointer<Scalar>,
                              channels: Range<Int>) {
        if Scalar.self == Float.self {
            pdekit_conv_scatter_f32(source.map { f32($0) }, channelStride, pitch, extent, phase, stride, padding, size,
                                    f32(destination), Int32(channels.lowerBound), Int32(channels.upperBound))
        } else {
            pdekit_conv_scatter_f64(source.map { f64($0) }, channelStride, pitch, extent, phase, stride, padding, size,
                                    f64(destination), Int32(channels.lowerBound), Int32(channels.upperBound))
        }
    }

    /// Whether one sample's work is worth splitting across cores (batch smaller than the core count).
    static func splitsSamples(batch: Int, work: Int) -> Bool {
        batch < ParallelLoop.workerCount && work >= 1 << 22
    }

    // MARK: Forward

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func directConvolution(_ input: Tensor, weight: Tensor, geometry g: ConvolutionGeometry) -> Tensor {
        let batch = input.shape[0], inChannels = input.shape[1], outChannels = weight.shape[0]
        let outputVolume = g.outputVolume, inputVolume = g.inputVolume
        let count = batch * outChannels * outputVolume
        if isPointwise(g) {
            return pointwiseConvolution(input, weight: weight, batch: batch, inChannels: inChannels, outChannels: outChannels,
                                        volume: inputVolume)
        }
        let layout = DirectConvolutionLayout(g)
        let taps = layout.offsets.count, tapIndices = Array(0..<taps)
        let inside = splitsSamples(batch: batch, work: outChannels * inChannels * taps * layout.length)
        let output = [Scalar](unsafeUninitializedCapacity: count) { y, initialized in
            input.scalars.withUnsafeBufferPointer { xs in
                weight.scalars.withUnsafeBufferPointer { ws in
                    layout.offsets.withUnsafeBufferPointer { off in
                        tapIndices.withUnsafeBufferPointer { wtap in
                            let px = SendablePointer(mutating: xs.baseAddress!), pw = SendablePointer(mutating: ws.baseAddress!)
                            let py = SendablePointer(y.baseAddress!)
                            let poff = SendablePointer(mutating: off.baseAddress!), ptap = SendablePointer(mutating: wtap.baseAddress!)
                            let sampleChunks = inside ? 1 : batch
                            ParallelLoop.forEachChunk(count: sampleChunks, minimumItemsPerChunk: 1) { chunk in
                                let samples = inside ? 0..<batch : chunk
                                let xq = scratch(inChannels * layout.channelStride)
                                let out = scratch(outChannels * layout.length)
                                defer { xq.deallocate(); out.deallocate() }
                                let pxq = SendablePointer(xq), pout = SendablePointer(out)
                                for b in samples {
                                    let xb = UnsafePointer(px.base + b * inChannels * inputVolume)
                                    parts(inChannels, parallel: inside) { kernelPhasePack(xb, layout, into: pxq.base, channels: $0) }
                                    parts((layout.length + 15) / 16, parallel: inside, minimum: 64) { r in
                                        let m0 = r.lowerBound * 16, m1 = Swift.min(layout.length, r.upperBound * 16)
                                        kernelCorrelate(pxq.base + m0, inputStride: layout.channelStride, inputChannels: inChannels,
                                                        offsets: poff.base, taps: taps, weight: pw.base, weightOutStride: inChannels * taps,
                                                        weightInStride: taps, weightTaps: ptap.base, output: pout.base + m0,
                                                        outputStride: layout.length, outputChannels: outChannels, length: m1 - m0)
                                    }
                                    parts(outChannels, parallel: inside) {
                                        kernelExtract(pout.base, channelStride: layout.length, pitch: layout.q, count: layout.output,
                                                      into: py.base + b * outChannels * outputVolume, channels: $0)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            initialized = count
        }
        return Tensor(uncheckedShape: [batch, outChannels] + g.outputSize, scalars: output)
    }

    /// `y_b = W x_b` (`[C_out, C_in] · [C_in, N]`) for 1×1 kernels, stride 1, no padding.
    static func pointwiseConvolution(_ input: Tensor, weight: Tensor, batch: Int, inChannels: Int, outChannels: Int, volume: Int) -> Tensor {
        let scalars = perSampleWeightProduct(input, weight: weight, transposeWeight: false, batch: batch,
                                             rows: outChannels, inner: inChannels, volume: volume)
        return Tensor(uncheckedShape: Array(input.shape.prefix(1)) + [outChannels] + Array(input.shape.dropFirst(2)), scalars: scalars)
    }

    /// One GEMM per sample, `z_b = op(W) v_b` with `op(W)` of size `rows × inner` and `v_b` of size
    /// `inner × volume`; `W` is stored `[C_out, C_in]` row-major, so `op(W) = W` (rows = C_out) or `Wᵀ`
    /// (rows = C_in). Samples are split across cores; a single sample lets BLAS use them instead.
    static func perSampleWeightProduct(_ v: Tensor, weight: Tensor, transposeWeight: Bool, batch: Int,
                                       rows: Int, inner: Int, volume: Int) -> [Scalar] {
        let count = batch * rows * volume
        return [Scalar](unsafeUninitializedCapacity: count) { z, initialized in
            v.scalars.withUnsafeBufferPointer { vs in
                weight.scalars.withUnsafeBufferPointer { ws in
                    let pv = SendablePointer(mutating: vs.baseAddress!), pw = SendablePointer(mutating: ws.baseAddress!)
                    let pz = SendablePointer(z.baseAddress!)
                    forEachSampleChunk(batch: batch) { samples, parallel in
                        for b in samples {
                            gemm(parallel: parallel, transposeA: transposeWeight, transposeB: false, m: rows, n: volume, k: inner,
                                 a: pw.base, lda: transposeWeight ? rows : inner, b: pv.base + b * inner * volume, ldb: volume,
                                 beta: 0, c: pz.base + b * rows * volume, ldc: volume)
                        }
                    }
                }
            }
            initialized = count
        }
    }

    // MARK: Transposed (input adjoint)

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func directConvolutionTransposed(_ outputGradient: Tensor, weight: Tensor, geometry g: ConvolutionGeometry) -> Tensor {
        let batch = outputGradient.shape[0], outChannels = weight.shape[0], inChannels = weight.shape[1]
        let inputVolume = g.inputVolume, outputVolume = g.outputVolume
        let count = batch * inChannels * inputVolume
        if isPointwise(g) {
            let result = perSampleWeightProduct(outputGradient, weight: weight, transposeWeight: true, batch: batch,
                                                rows: inChannels, inner: outChannels, volume: inputVolume)
            return Tensor(uncheckedShape: [batch, inChannels] + g.inputSize, scalars: result)
        }
        let S = g.lifted(g.inputSize, fill: 1), K = g.lifted(g.kernelSize, fill: 1), O = g.lifted(g.outputSize, fill: 1)
        let s = g.lifted(g.stride, fill: 1), p = g.lifted(g.padding, fill: 0), d = g.lifted(g.dilation, fill: 1)
        let front = (0..<3).map { (K[$0] - 1) * d[$0] / s[$0] }                  // Q
        let extent = (0..<3).map { (p[$0] + S[$0] - 1) / s[$0] + 1 }             // M: phase extent of x̄
        let dims = (0..<3).map { front[$0] + extent[$0] }                        // padded ȳ extents
        let copied = (0..<3).map { Swift.min(O[$0], extent[$0]) }
        let gradientStride = dims[0] * dims[1] * dims[2]
        let length = ((extent[0] - 1) * dims[1] + (extent[1] - 1)) * dims[2] + extent[2]
        // Per phase: tap offsets into padded ȳ and the kernel index of each tap.
        var phases: [DirectConvolutionPhase] = []
        for rz in 0..<s[0] { for ry in 0..<s[1] { for rx in 0..<s[2] {
            let r = [rz, ry, rx]
            var offsets: [Int] = [], taps: [Int] = []
            for kz in 0..<K[0] { for ky in 0..<K[1] { for kx in 0..<K[2] {
                let e = [kz * d[0], ky * d[1], kx * d[2]]
                guard (0..<3).allSatisfy({ e[$0] % s[$0] == r[$0] }) else { continue }
                let q = (0..<3).map { e[$0] / s[$0] }
                offsets.append(((front[0] - q[0]) * dims[1] + (front[1] - q[1])) * dims[2] + (front[2] - q[2]))
                taps.append((kz * K[1] + ky) * K[2] + kx)
            } } }
            phases.append(DirectConvolutionPhase(r: r, offsets: offsets, taps: taps))
        } } }
        let kernelVolume = K[0] * K[1] * K[2]
        let inside = splitsSamples(batch: batch, work: outChannels * inChannels * kernelVolume * length / Swift.max(1, phases.count))
        let result = [Scalar](unsafeUninitializedCapacity: count) { x, initialized in
            outputGradient.scalars.withUnsafeBufferPointer { gs in
                weight.scalars.withUnsafeBufferPointer { ws in
                    let pg = SendablePointer(mutating: gs.baseAddress!), pw = SendablePointer(mutating: ws.baseAddress!)
                    let px = SendablePointer(x.baseAddress!)
                    let sampleChunks = inside ? 1 : batch
                    ParallelLoop.forEachChunk(count: sampleChunks, minimumItemsPerChunk: 1) { chunk in
                        let samples = inside ? 0..<batch : chunk
                        let gp = scratch(outChannels * gradientStride)
                        let out = scratch(inChannels * length)
                        defer { gp.deallocate(); out.deallocate() }
                        let pgp = SendablePointer(gp), pout = SendablePointer(out)
                        for b in samples {
                            let gb = UnsafePointer(pg.base + b * outChannels * outputVolume)
                            let xb = px.base + b * inChannels * inputVolume
                            parts(outChannels, parallel: inside) {
                                kernelEmbed(gb, extent: O, count: copied, offset: front, dims: dims, into: pgp.base,
                                            channelStride: gradientStride, channels: $0)
                            }
                            for phase in phases {
                                if phase.taps.isEmpty {
                                    parts(inChannels, parallel: inside) {
                                        kernelScatter(nil, channelStride: length, pitch: dims, extent: extent, phase: phase.r, stride: s,
                                                      padding: p, size: S, into: xb, channels: $0)
                                    }
                                    continue
                                }
                                phase.offsets.withUnsafeBufferPointer { off in
                                    phase.taps.withUnsafeBufferPointer { wtap in
                                        let poff = SendablePointer(mutating: off.baseAddress!), ptap = SendablePointer(mutating: wtap.baseAddress!)
                                        parts((length + 15) / 16, parallel: inside, minimum: 64) { r in
                                            let m0 = r.lowerBound * 16, m1 = Swift.min(length, r.upperBound * 16)
                                            kernelCorrelate(pgp.base + m0, inputStride: gradientStride, inputChannels: outChannels,
                                                            offsets: poff.base, taps: phase.taps.count, weight: pw.base,
                                                            weightOutStride: kernelVolume, weightInStride: inChannels * kernelVolume,
                                                            weightTaps: ptap.base, output: pout.base + m0, outputStride: length,
                                                            outputChannels: inChannels, length: m1 - m0)
                                        }
                                    }
                                }
                                parts(inChannels, parallel: inside) {
                                    kernelScatter(pout.base, channelStride: length, pitch: dims, extent: extent, phase: phase.r, stride: s,
                                                  padding: p, size: S, into: xb, channels: $0)
                                }
                            }
                        }
                    }
                }
            }
            initialized = count
        }
        return Tensor(uncheckedShape: [batch, inChannels] + g.inputSize, scalars: result)
    }

    // MARK: Weight adjoint

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func directConvolutionWeightGradient(_ input: Tensor, outputGradient: Tensor, geometry g: ConvolutionGeometry) -> Tensor {
        let batch = input.shape[0], inChannels = input.shape[1], outChannels = outputGradient.shape[1]
        let inputVolume = g.inputVolume, outputVolume = g.outputVolume
        let pointwise = isPointwise(g)
        let layout = DirectConvolutionLayout(g)
        let taps = layout.offsets.count
        let slice = outChannels * inChannels * taps
        // Partial sums per (block of samples, part of the phase-packed length): the blocks and parts depend
        // only on the sizes, never on the core count, and the partials are added in a fixed order, so the
        // gradient has the same bits however the work is spread. A batch smaller than the core count
        // ("inside") runs the length parts of each sample across cores, otherwise the sample blocks.
        let work = slice * layout.length
        let inside = !pointwise && splitsSamples(batch: batch, work: work)
        let sampleBlocks = ParallelLoop.reductionBlocks(count: batch)
        let lengthBlocks = pointwise ? 1 : (layout.gradientStride / 16)
        let lengthParts = pointwise ? 1 : Swift.max(1, Swift.min(work >= 1 << 22 ? 4 : 1, lengthBlocks))
        let partialCount = Swift.max(sampleBlocks.count, 1) * lengthParts
        var partials = [Scalar](repeating: 0, count: partialCount * slice)
        input.scalars.withUnsafeBufferPointer { xs in
            outputGradient.scalars.withUnsafeBufferPointer { gs in
                layout.offsets.withUnsafeBufferPointer { off in
                    partials.withUnsafeMutableBufferPointer { accumulators in
                        let px = SendablePointer(mutating: xs.baseAddress!), pg = SendablePointer(mutating: gs.baseAddress!)
                        let pa = SendablePointer(accumulators.baseAddress!), poff = SendablePointer(mutating: off.baseAddress!)
                        let blockBox = UncheckedSendableBox(sampleBlocks)
                        if pointwise {
                            ParallelLoop.forEachChunk(count: sampleBlocks.count, minimumItemsPerChunk: 1) { blockRange in
                                for block in blockRange {
                                    for b in blockBox.value[block] {
                                        // w̄ += ȳ_b · x_bᵀ   ([C_out, N] · [N, C_in])
                                        gemm(parallel: sampleBlocks.count == 1, transposeA: false, transposeB: true, m: outChannels,
                                             n: inChannels, k: inputVolume, a: pg.base + b * outChannels * outputVolume,
                                             lda: outputVolume, b: px.base + b * inChannels * inputVolume, ldb: inputVolume,
                                             beta: 1, c: pa.base + block * slice, ldc: inChannels)
                                    }
                                }
                            }
                            return
                        }
                        /// Accumulates length part `part` of the packed sample into the partial of (block, part).
                        let accumulate = { (block: Int, part: Int, pxq: SendablePointer<Scalar>, pgq: SendablePointer<Scalar>) in
                            let m0 = lengthBlocks * part / lengthParts * 16
                            let m1 = Swift.min(layout.length, lengthBlocks * (part + 1) / lengthParts * 16)
                            guard m1 > m0 else { return }
                            kernelWeightGradient(pxq.base + m0, inputStride: layout.channelStride, inputChannels: inChannels,
                                                 offsets: poff.base, taps: taps, gradient: pgq.base + m0,
                                                 gradientStride: layout.gradientStride, outputChannels: outChannels,
                                                 length: m1 - m0, accumulator: pa.base + (block * lengthParts + part) * slice)
                        }
                        let sampleChunks = inside ? 1 : sampleBlocks.count
                        ParallelLoop.forEachChunk(count: sampleChunks, minimumItemsPerChunk: 1) { chunkRange in
                            let xq = scratch(inChannels * layout.channelStride)
                            let gq = scratch(outChannels * layout.gradientStride)
                            defer { xq.deallocate(); gq.deallocate() }
                            let pxq = SendablePointer(xq), pgq = SendablePointer(gq)
                            for block in (inside ? 0..<sampleBlocks.count : chunkRange) {
                                for b in blockBox.value[block] {
                                    let xb = UnsafePointer(px.base + b * inChannels * inputVolume)
                                    let gb = UnsafePointer(pg.base + b * outChannels * outputVolume)
                                    parts(inChannels, parallel: inside) { kernelPhasePack(xb, layout, into: pxq.base, channels: $0) }
                                    parts(outChannels, parallel: inside) {
                                        kernelEmbed(gb, extent: layout.output, count: layout.output, offset: [0, 0, 0], dims: layout.q,
                                                    into: pgq.base, channelStride: layout.gradientStride, channels: $0)
                                    }
                                    parts(lengthParts, parallel: inside) { partRange in
                                        for part in partRange { accumulate(block, part, pxq, pgq) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [outChannels, inChannels] + g.kernelSize) { out in
            partials.withUnsafeBufferPointer { p in
                for i in 0..<slice {
                    var value: Scalar = 0
                    for partial in 0..<partialCount { value += p[partial * slice + i] }
                    out[i] = value
                }
            }
        }
    }
}

/// One output phase of the direct transposed convolution: its residues `r`, the tap offsets into the
/// padded output gradient and the kernel index of each tap.
struct DirectConvolutionPhase {
    let r: [Int]
    let offsets: [Int]
    let taps: [Int]
}
