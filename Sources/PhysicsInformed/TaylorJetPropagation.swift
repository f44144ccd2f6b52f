import CKernels
import TensorCore
import AutoDiff
import NeuralLayers

/// Second-order forward-mode (Taylor-jet) propagation through a `tanh` or `sin` MLP, recorded as
/// one differentiable operation in the network's parameters.
///
/// Each point carries its value and, for every input axis `i`, the first and pure second
/// directional derivatives. Stacked as the rows `[z; ż₁ … ż_d; z̈₁ … z̈_d]` of one matrix, a layer is
/// ```
/// Z = A W  (+ b on the value block)                         one GEMM for all jets
/// a = σ(z),   ȧ_i = σ'(z) ż_i,   ä_i = σ''(z) ż_i² + σ'(z) z̈_i
/// ```
/// and the output rows are `u, ∂u/∂x_i, ∂²u/∂x_i²` at every point. The reverse pass (weights only)
/// is written out by hand:
/// ```
/// W̄ = Aᵀ Z̄,   b̄ = Σ_value rows z̄,   Ā = Z̄ Wᵀ
/// z̄ = ā σ' + Σ_i [ ā̇_i σ'' ż_i + ǟ_i (σ''' ż_i² + σ'' z̈_i) ]
/// ż̄_i = ā̇_i σ' + 2 ǟ_i σ'' ż_i,      z̈̄_i = ǟ_i σ'
/// ```
/// It gives the same numbers as differentiating twice through the tape (`FieldDerivatives` with
/// a closure), with about `1 + 2d` forward GEMMs' work instead of a recorded double backward.
/// tanh: `σ' = 1 − a²`, `σ'' = −2aσ'`, `σ''' = −2σ'² + 4a²σ'`;  sin: `σ' = cos z`, `σ'' = −a`, `σ''' = −σ'`.
/// In Float64 the products and, for tanh, the elementwise passes run in `NarrowLayerKernels`
/// (CKernels SIMD code: unpacked small-width GEMMs, a vectorized tanh, σ' and σ'' recomputed from `a`
/// in the reverse pass instead of stored); Float32 and sin use OpenBLAS and the Swift loops below.
/// References: Griewank & Walther, "Evaluating Derivatives", 2nd ed., SIAM 2008, ch. 13 (Taylor
/// propagation); the jet form is the "forward Laplacian" of Li et al., arXiv:2307.08934 (2023).
public enum TaylorJetPropagation {
    /// Whether `network` can use the jet path (tanh or sin hidden activations, biases present).
    public static func supports<Scalar>(_ network: MultilayerPerceptron<Scalar>) -> Bool {
        (network.activation == .tanh || network.activation == .sin) && network.layers.allSatisfy { $0.bias != nil }
    }

    /// Output jets `[(1 + d + s) N, m]` for m outputs (rows: u, then ∂u/∂x_i for each i, then ∂²u/∂x_i² for each i
    /// in `secondAxes`, all axes by default, `s` of them) from input jets `[(1 + d + s) N, w₀]` laid out
    /// the same way (constants). Leaving out second derivatives a residual does not use (Burgers
    /// needs ∂²/∂x² but not ∂²/∂t²) removes their rows from every GEMM and elementwise pass.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    public static func propagate<Scalar: TensorScalar>(
        _ network: MultilayerPerceptron<Scalar>, inputJets: Tensor<Scalar>, pointCount n: Int, directions d: Int,
        secondAxes: [Int]? = nil
    ) -> Variable<Scalar> {
        precondition(supports(network), "TaylorJetPropagation needs tanh/sin activations and biases")
        let secondAxes = secondAxes ?? Array(0..<d)
        precondition(secondAxes.allSatisfy { (0..<d).contains($0) }, "second-derivative axes out of range")
        let rows = (1 + d + secondAxes.count) * n
        precondition(inputJets.shape == [rows, network.layers[0].inputFeatures], "input jets have shape \(inputJets.shape)")
        let isTanh = network.activation == .tanh
        let layerCount = network.layers.count
        var inputs: [[Scalar]] = [inputJets.scalars]   // A_l for each layer
        var slopes: [[Scalar]] = []                     // σ'(z) per hidden layer, [n, w]
        var curvatures: [[Scalar]] = []                 // σ''(z)
        var preactivations: [[Scalar]] = []             // Z stack per hidden layer (derivative blocks needed)
        var activationValues: [[Scalar]] = []           // a (value block) per hidden layer
        var current = inputJets.scalars
        for (index, layer) in network.layers.enumerated() {
            let wIn = layer.inputFeatures, wOut = layer.outputFeatures
            var z = uninitialized(rows * wOut, Scalar.self)   // GEMM with β = 0 writes every entry
            current.withUnsafeBufferPointer { pa in
                layer.weight.value.scalars.withUnsafeBufferPointer { pw in
                    z.withUnsafeMutableBufferPointer { pz in
                        if Scalar.self == Double.self {
                            NarrowLayerKernels.multiply(m: rows, n: wOut, k: wIn, a: doubles(pa), lda: wIn, b: doubles(pw), ldb: wOut,
                                                        c: doubles(pz), ldc: wOut)
                        } else {
                            BLASRuntime.parallelGEMM(transposeA: false, transposeB: false, m: rows, n: wOut, k: wIn, alpha: 1,
                                                     a: pa.baseAddress!, lda: wIn, b: pw.baseAddress!, ldb: wOut,
                                                     beta: 0, c: pz.baseAddress!, ldc: wOut)
                        }
                    }
                }
            }
            let bias = layer.bias!.value.scalars
            z.withUnsafeMutableBufferPointer { pz in
                for p in 0..<n { for j in 0..<wOut { pz[p * wOut + j] += bias[j] } }
            }
            if index == layerCount - 1 { current = z; break }
            // Activation on the stack.
            var a = uninitialized(rows * wOut, Scalar.self)   // every block is written below
            let block = n * wOut
            if isTanh && Scalar.self == Double.self {
                // SIMD kernel (CKernels); the reverse pass recomputes σ', σ'' from the value block of `a`.
                let axes = secondAxes.map { Int32($0) }
                z.withUnsafeBufferPointer { pz in
                    a.withUnsafeMutableBufferPointer { pa in
                        pdekit_tanh_jet_forward_f64(doubles(pz), doubles(pa), block, Int32(d), axes, Int32(axes.count))
                    }
                }
                slopes.append([]); curvatures.append([]); preactivations.append(z); activationValues.append([])
                inputs.append(a)
                current = a
                continue
            }
            var s1 = uninitialized(n * wOut, Scalar.self)
            var s2 = uninitialized(n * wOut, Scalar.self)
            z.withUnsafeBufferPointer { pz in
                a.withUnsafeMutableBufferPointer { pa in
                    s1.withUnsafeMutableBufferPointer { p1 in
                        s2.withUnsafeMutableBufferPointer { p2 in
                            for e in 0..<block {
                                let value: Scalar, slope: Scalar, curvature: Scalar
                                if isTanh {
                                    value = Scalar.hyperbolicTangent(pz[e]); slope = 1 - value * value; curvature = -2 * value * slope
                                } else {
                                    value = Scalar.sine(pz[e]); slope = Scalar.cosine(pz[e]); curvature = -value
                                }
                                pa[e] = value; p1[e] = slope; p2[e] = curvature
                            }
                            for i in 0..<d {
                                let first = (1 + i) * block
                                for e in 0..<block { pa[first + e] = p1[e] * pz[first + e] }  // ȧ = σ' ż
                            }
                            for (j, i) in secondAxes.enumerated() {
                                let first = (1 + i) * block, second = (1 + d + j) * block
                                for e in 0..<block {
                                    let zd = pz[first + e]
                                    let curvatureTerm: Scalar = p2[e] * zd * zd
                                    pa[second + e] = curvatureTerm + p1[e] * pz[second + e]      // ä = σ'' ż² + σ' z̈
                                }
                            }
                        }
                    }
                }
            }
            slopes.append(s1); curvatures.append(s2); preactivations.append(z)
            activationValues.append(Array(a[0..<block]))
            inputs.append(a)
            current = a
        }
        let output = Tensor<Scalar>(uncheckedShape: [rows, network.layers[layerCount - 1].outputFeatures], scalars: current)
        let parameterVariables = network.layers.flatMap { [$0.weight.variable, $0.bias!.variable] }
        let weights = network.layers.map { $0.weight.value.scalars }
        let widths = network.layers.map { ($0.inputFeatures, $0.outputFeatures) }
        return Variable.recording(output, operation: "taylorJetMLP", inputs: parameterVariables) { g in
            let gradients = backward(outputGradient: g.value.scalars, inputs: inputs, weights: weights, widths: widths,
                                     slopes: slopes, curvatures: curvatures, preactivations: preactivations,
                                     activationValues: activationValues, isTanh: isTanh, pointCount: n, directions: d,
                                     secondAxes: secondAxes)
            return gradients.enumerated().map { index, values in
                let (wIn, wOut) = widths[index / 2]
                return Variable(Tensor(uncheckedShape: index % 2 == 0 ? [wIn, wOut] : [wOut], scalars: values))
            }
        }
    }

    /// The storage of a Float64 buffer (only called where `Scalar == Double`).
    @inline(__always)
    static func doubles<Scalar>(_ p: UnsafeBufferPointer<Scalar>) -> UnsafePointer<Double> {
        UnsafeRawPointer(p.baseAddress!).assumingMemoryBound(to: Double.self)
    }

    @inline(__always)
    static func doubles<Scalar>(_ p: UnsafeMutableBufferPointer<Scalar>) -> UnsafeMutablePointer<Double> {
        UnsafeMutableRawPointer(p.baseAddress!).assumingMemoryBound(to: Double.self)
    }

    /// An array whose contents the caller overwrites completely (avoids zero-filling large buffers).
    @inline(__always)
    static func uninitialized<Scalar: TensorScalar>(_ count: Int, _: Scalar.Type) -> [Scalar] {
        [Scalar](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// The hand-written reverse pass: `[W̄₀, b̄₀, W̄₁, b̄₁, …]`.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    static func backward<Scalar: TensorScalar>(
        outputGradient: [Scalar], inputs: [[Scalar]], weights: [[Scalar]], widths: [(Int, Int)],
        slopes: [[Scalar]], curvatures: [[Scalar]], preactivations: [[Scalar]], activationValues: [[Scalar]],
        isTanh: Bool, pointCount n: Int, directions d: Int, secondAxes: [Int]
    ) -> [[Scalar]] {
        let rows = (1 + d + secondAxes.count) * n
        var result = [[Scalar]](repeating: [], count: 2 * widths.count)
        var zBar = outputGradient
        for layer in stride(from: widths.count - 1, through: 0, by: -1) {
            let (wIn, wOut) = widths[layer]
            // W̄ = Aᵀ Z̄
            var weightGradient = uninitialized(wIn * wOut, Scalar.self)
            inputs[layer].withUnsafeBufferPointer { pa in
                zBar.withUnsafeBufferPointer { pg in
                    weightGradient.withUnsafeMutableBufferPointer { pw in
                        if Scalar.self == Double.self {
                            NarrowLayerKernels.multiplyTransposed(m: rows, n: wOut, k: wIn, a: doubles(pa), lda: wIn, b: doubles(pg),
                                                                  ldb: wOut, c: doubles(pw), ldc: wOut)
                        } else {
                            BLASRuntime.parallelGEMM(transposeA: true, transposeB: false, m: wIn, n: wOut, k: rows, alpha: 1,
                                                     a: pa.baseAddress!, lda: wIn, b: pg.baseAddress!, ldb: wOut,
                                                     beta: 0, c: pw.baseAddress!, ldc: wOut)
                        }
                    }
                }
            }
            // b̄ = Σ over the value rows
            var biasGradient = [Scalar](repeating: 0, count: wOut)
            for p in 0..<n { for j in 0..<wOut { biasGradient[j] += zBar[p * wOut + j] } }
            result[2 * layer] = weightGradient
            result[2 * layer + 1] = biasGradient
            if layer == 0 { break }
            // Ā = Z̄ Wᵀ
            var aBar = uninitialized(rows * wIn, Scalar.self)
            if Scalar.self == Double.self {
                // Wᵀ is small (wOut × wIn): transpose it once and use the row-major kernel.
                let w = weights[layer]
                var transposed = uninitialized(wIn * wOut, Scalar.self)
                for i in 0..<wIn { for j in 0..<wOut { transposed[j * wIn + i] = w[i * wOut + j] } }
                zBar.withUnsafeBufferPointer { pg in
                    transposed.withUnsafeBufferPointer { pw in
                        aBar.withUnsafeMutableBufferPointer { pa in
                            NarrowLayerKernels.multiply(m: rows, n: wIn, k: wOut, a: doubles(pg), lda: wOut, b: doubles(pw), ldb: wIn,
                                                        c: doubles(pa), ldc: wIn)
                        }
                    }
                }
            } else {
                zBar.withUnsafeBufferPointer { pg in
                    weights[layer].withUnsafeBufferPointer { pw in
                        aBar.withUnsafeMutableBufferPointer { pa in
                            BLASRuntime.parallelGEMM(transposeA: false, transposeB: true, m: rows, n: wIn, k: wOut, alpha: 1,
                                                     a: pg.baseAddress!, lda: wOut, b: pw.baseAddress!, ldb: wOut,
                                                     beta: 0, c: pa.baseAddress!, ldc: wIn)
                        }
                    }
                }
            }
            // Through the activation of hidden layer `layer − 1` (width wIn).
            let hidden = layer - 1
            let block = n * wIn
            var previous = uninitialized(rows * wIn, Scalar.self)   // value block first, then each direction
            if isTanh && Scalar.self == Double.self {
                let axes = secondAxes.map { Int32($0) }
                aBar.withUnsafeBufferPointer { pa in
                    preactivations[hidden].withUnsafeBufferPointer { pz in
                        inputs[layer].withUnsafeBufferPointer { pv in   // its first block: a = tanh z of this layer
                            previous.withUnsafeMutableBufferPointer { pg in
                                pdekit_tanh_jet_backward_f64(doubles(pa), doubles(pz), doubles(pv), doubles(pg), block, Int32(d),
                                                             axes, Int32(axes.count))
                            }
                        }
                    }
                }
                zBar = previous
                continue
            }
            aBar.withUnsafeBufferPointer { pa in
                slopes[hidden].withUnsafeBufferPointer { p1 in
                    curvatures[hidden].withUnsafeBufferPointer { p2 in
                        preactivations[hidden].withUnsafeBufferPointer { pz in
                            activationValues[hidden].withUnsafeBufferPointer { pv in
                                previous.withUnsafeMutableBufferPointer { pg in
                                    for e in 0..<block { pg[e] = pa[e] * p1[e] }            // ā σ'
                                    for i in 0..<d {
                                        let first = (1 + i) * block
                                        for e in 0..<block {
                                            let aDot: Scalar = pa[first + e]
                                            pg[e] += aDot * p2[e] * pz[first + e]             // ā̇ σ'' ż
                                            pg[first + e] = aDot * p1[e]                      // ā̇ σ'
                                        }
                                    }
                                    for (j, i) in secondAxes.enumerated() {
                                        let first = (1 + i) * block, second = (1 + d + j) * block
                                        for e in 0..<block {
                                            let slope = p1[e], curvature = p2[e]
                                            let value: Scalar = pv[e]
                                            let tanhThird: Scalar = (4 * value * value - 2 * slope) * slope
                                            let third: Scalar = isTanh ? tanhThird : -slope
                                            let zd: Scalar = pz[first + e], zdd: Scalar = pz[second + e]
                                            let aDotDot: Scalar = pa[second + e]
                                            let secondTerm: Scalar = third * zd * zd + curvature * zdd
                                            pg[e] += aDotDot * secondTerm
                                            pg[first + e] += 2 * aDotDot * curvature * zd
                                            pg[second + e] = aDotDot * slope
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            zBar = previous
        }
        return result
    }
}
