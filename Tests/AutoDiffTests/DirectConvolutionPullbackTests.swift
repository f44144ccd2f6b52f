import Testing
import TensorCore
import AutoDiff

/// Float64 central-difference checks of the convolution pullbacks (all three maps, which now run the
/// direct kernels) on the geometries MgNO and DCDM use, with odd sizes and channel counts.
@Suite struct DirectConvolutionPullbackTests {
    func random(_ shape: [Int], seed: UInt64) -> Tensor<Double> {
        var generator = SeededRandomNumberGenerator(seed: seed)
        return Tensor.normal(shape, using: &generator)
    }

    @Test(arguments: [
        // (input size, kernel, stride, padding, C_in, C_out)
        ([7, 5], [3, 3], 1, 1, 3, 5),        // MgNO smoother / operator
        ([7, 6], [3, 3], 2, 1, 5, 3),        // MgNO restriction
        ([8, 6], [4, 4], 2, 1, 2, 3),        // geometry of MgNO's prolongation (used transposed)
        ([5, 4, 3], [3, 3, 3], 1, 1, 2, 3),  // DCDM 3×3×3
        ([4, 6, 4], [2, 2, 2], 2, 0, 3, 2),  // DCDM restriction / prolongation
        ([9], [1], 1, 0, 4, 3),              // pointwise (GEMM path)
    ])
    func pullbacksMatchFiniteDifferences(_ size: [Int], _ kernel: [Int], _ s: Int, _ p: Int, _ cin: Int, _ cout: Int) {
        let d = size.count
        let geometry = ConvolutionGeometry(inputSize: size, kernelSize: kernel, stride: [Int](repeating: s, count: d),
                                           padding: [Int](repeating: p, count: d), dilation: [Int](repeating: 1, count: d))
        let x = random([2, cin] + size, seed: 21), w = random([cout, cin] + kernel, seed: 22)
        let g = random([2, cout] + geometry.outputSize, seed: 23)
        func check(_ name: String, _ inputs: [Tensor<Double>], _ f: @escaping ([Variable<Double>]) -> Variable<Double>) {
            let result = GradientCheck.check(at: inputs) { v in
                let y = f(v)
                return (y * Variable(random(y.shape, seed: 99))).sum()
            }
            #expect(result.maximumError < 1e-6, "\(name) \(size) \(kernel) s\(s): \(result)")
        }
        check("convolution", [x, w]) { Variable.convolution($0[0], weight: $0[1], geometry: geometry) }
        check("convolutionTransposed", [g, w]) { Variable.convolutionTransposed($0[0], weight: $0[1], geometry: geometry) }
        check("convolutionWeightGradient", [x, g]) { Variable.convolutionWeightGradient($0[0], outputGradient: $0[1], geometry: geometry) }
    }
}
