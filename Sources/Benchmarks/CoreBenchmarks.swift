import CFFTW
import Foundation
import PDEKit

/// GEMM, batched real FFTs and Conv2d timings (`pdekit bench core`; BENCHMARKS.md).
public struct CoreBenchmarks {
    /// The groups of measurements.
    public enum Group: String, CaseIterable, Sendable {
        case gemm, fft, conv
    }

    /// One GEMM measurement: `C = A B`, square `n × n`.
    public struct GEMMRecord: Codable {
        public var benchmark: String
        public var n: Int
        public var seconds: Double
        public var gflops: Double
    }

    /// One FFT measurement (`rfft2+irfft2` through `Tensor` or raw `fftwf_execute`).
    public struct FFTRecord: Codable {
        public var benchmark = "rfft2+irfft2"
        public var shape = "20x32x64x64"
        public var precision = "float32"
        public var path: String
        public var seconds: Double
        public var cpu_seconds: Double
        public var tensor_over_raw: Double?
        public var tensor_over_raw_cpu: Double?
    }

    /// One Conv2d measurement (3×3, 32 → 32 channels, batch 20, 64²).
    public struct ConvolutionRecord: Codable {
        public var benchmark: String
        public var shape = "20x32x64x64"
        public var kernel = 3
        public var seconds: Double
        public var gflops: Double
        public var cpu_seconds: Double
    }

    public var repetitions: Int
    public var groups: [Group]

    public init(repetitions: Int = 5, groups: [Group] = Group.allCases) {
        self.repetitions = repetitions
        self.groups = groups
    }

    public func run(_ output: BenchmarkOutput) throws {
        guard repetitions > 0 else { throw BenchmarkError("repetitions must be positive") }
        var generator = SeededRandomNumberGenerator(seed: 1)
        if groups.contains(.gemm) { try runGEMM(generator: &generator, output) }
        if groups.contains(.fft) { try runFFT(generator: &generator, output) }
        if groups.contains(.conv) { try runConvolution(generator: &generator, output) }
    }

    func runGEMM(generator: inout SeededRandomNumberGenerator, _ output: BenchmarkOutput) throws {
        // GEMM: C = A B, square, through Tensor.matmul (OpenBLAS, row blocks on each core).
        for n in [512, 2048] {
            let a = Tensor<Float>.normal([n, n], using: &generator), b = Tensor<Float>.normal([n, n], using: &generator)
            let seconds = Measurements.best(of: repetitions) { _ = Tensor.matmul(a, b) }
            try output(GEMMRecord(benchmark: "sgemm", n: n, seconds: seconds, gflops: 2 * pow(Double(n), 3) / seconds / 1e9))
        }
        let n = 1024
        let a = Tensor<Double>.normal([n, n], using: &generator), b = Tensor<Double>.normal([n, n], using: &generator)
        let seconds = Measurements.best(of: repetitions) { _ = Tensor.matmul(a, b) }
        try output(GEMMRecord(benchmark: "dgemm", n: n, seconds: seconds, gflops: 2 * pow(Double(n), 3) / seconds / 1e9))
    }

    func runFFT(generator: inout SeededRandomNumberGenerator, _ output: BenchmarkOutput) throws {
        // FFT: 20×32×64×64 float, r2c + c2r over the last two axes.
        let fields = Tensor<Float>.normal([20, 32, 64, 64], using: &generator)
        let spectrum = fields.rfft(dimensionCount: 2)
        let tensorPath = { _ = fields.rfft(dimensionCount: 2).irfft(dimensionCount: 2, lastSize: 64) }
        // The same transforms through raw FFTW on preallocated arrays: one plan for the whole
        // batch (single thread), as a C caller would use it.
        let batch = 640
        let forward = FFTPlanCache.shared.plan(Float.self, direction: .realToComplex, sizes: [64, 64], batch: batch)
        let inverse = FFTPlanCache.shared.plan(Float.self, direction: .complexToReal, sizes: [64, 64], batch: batch)
        var realBuffer = fields.scalars, complexBuffer = spectrum.scalars
        let rawPath = {
            realBuffer.withUnsafeMutableBufferPointer { r in
                complexBuffer.withUnsafeMutableBufferPointer { c in
                    Float.fftwExecuteRealToComplex(forward.pointer, input: r.baseAddress!, output: c.baseAddress!)
                    Float.fftwExecuteComplexToReal(inverse.pointer, input: c.baseAddress!, output: r.baseAddress!)
                }
            }
        }
        let tensorSeconds = Measurements.best(of: repetitions, tensorPath)
        let rawSeconds = Measurements.best(of: repetitions, rawPath)
        // CPU time of both paths (robust on a loaded machine): the overhead the Tensor path adds.
        let tensorCPU = Measurements.bestCPUTime(of: repetitions, tensorPath)
        let rawCPU = Measurements.bestCPUTime(of: repetitions, rawPath)
        try output(FFTRecord(path: "Tensor", seconds: tensorSeconds, cpu_seconds: tensorCPU))
        try output(FFTRecord(path: "fftwf_execute", seconds: rawSeconds, cpu_seconds: rawCPU, tensor_over_raw: tensorSeconds / rawSeconds,
                             tensor_over_raw_cpu: tensorCPU / rawCPU))
    }

    func runConvolution(generator: inout SeededRandomNumberGenerator, _ output: BenchmarkOutput) throws {
        // Conv2d 3×3, 32 → 32 channels, batch 20, 64², zero padding 1: forward, and forward + backward.
        let conv = Convolution<Float>(inputChannels: 32, outputChannels: 32, kernelSize: [3, 3], padding: [1],
                                      generator: &generator)
        let input = Tensor<Float>.normal([20, 32, 64, 64], using: &generator)
        let forwardSeconds = Measurements.best(of: repetitions) { _ = conv.inference(input) }
        let forwardCPU = Measurements.bestCPUTime(of: repetitions) { _ = conv.inference(input) }
        let flops = 2.0 * 20 * 32 * 32 * 9 * 64 * 64
        try output(ConvolutionRecord(benchmark: "conv2d_forward", seconds: forwardSeconds, gflops: flops / forwardSeconds / 1e9,
                                     cpu_seconds: forwardCPU))
        let leaf = Variable.leaf(input)
        let backward = {
            conv.zeroGradients()
            conv(leaf).sum().backward()
        }
        let backwardSeconds = Measurements.best(of: repetitions, backward)
        let backwardCPU = Measurements.bestCPUTime(of: repetitions, backward)
        try output(ConvolutionRecord(benchmark: "conv2d_forward_backward", seconds: backwardSeconds,
                                     gflops: 3 * flops / backwardSeconds / 1e9, cpu_seconds: backwardCPU))
    }
}
