import ArgumentParser
import CFFTW
import Foundation
import PDEKit

/// `pdekit bench core`: GEMM, FFT and Conv2d timings as JSON lines.
struct CoreBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract: "Time GEMM, batched real FFTs and Conv2d forward/backward; print one JSON object per line.")

    /// The groups of measurements `bench core` can run.
    enum Group: String, CaseIterable, ExpressibleByArgument {
        case gemm, fft, conv
    }

    @Option(help: "Repetitions per measurement (the best is reported).")
    var repetitions: Int = 5

    @Option(help: "Run only these groups (\(Group.allCases.map(\.rawValue).joined(separator: ", "))); repeatable.")
    var only: [Group] = Group.allCases

    func validate() throws {
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
    }

    func run() throws {
        var generator = SeededRandomNumberGenerator(seed: 1)
        if only.contains(.gemm) { try runGEMM(generator: &generator) }
        if only.contains(.fft) { try runFFT(generator: &generator) }
        if only.contains(.conv) { try runConvolution(generator: &generator) }
    }

    func runGEMM(generator: inout SeededRandomNumberGenerator) throws {
        // GEMM: C = A B, square, through Tensor.matmul (OpenBLAS, row blocks on each core).
        for n in [512, 2048] {
            let a = Tensor<Float>.normal([n, n], using: &generator), b = Tensor<Float>.normal([n, n], using: &generator)
            let seconds = best(of: repetitions) { _ = Tensor.matmul(a, b) }
            emit(["benchmark": "sgemm", "n": n, "seconds": seconds, "gflops": 2 * pow(Double(n), 3) / seconds / 1e9])
        }
        let n = 1024
        let a = Tensor<Double>.normal([n, n], using: &generator), b = Tensor<Double>.normal([n, n], using: &generator)
        let dSeconds = best(of: repetitions) { _ = Tensor.matmul(a, b) }
        emit(["benchmark": "dgemm", "n": n, "seconds": dSeconds, "gflops": 2 * pow(Double(n), 3) / dSeconds / 1e9])
    }

    func runFFT(generator: inout SeededRandomNumberGenerator) throws {
        // FFT: 20×32×64×64 float, r2c + c2r over the last two axes.
        let fields = Tensor<Float>.normal([20, 32, 64, 64], using: &generator)
        let spectrum = fields.rfft(dimensionCount: 2)
        let tensorSeconds = best(of: repetitions) {
            _ = fields.rfft(dimensionCount: 2).irfft(dimensionCount: 2, lastSize: 64)
        }
        // The same transforms through raw FFTW on preallocated arrays: one plan for the whole
        // batch (single thread), as a C caller would use it.
        let batch = 640
        let forward = FFTPlanCache.shared.plan(Float.self, direction: .realToComplex, sizes: [64, 64], batch: batch)
        let inverse = FFTPlanCache.shared.plan(Float.self, direction: .complexToReal, sizes: [64, 64], batch: batch)
        var realBuffer = fields.scalars, complexBuffer = spectrum.scalars
        let rawSeconds = best(of: repetitions) {
            realBuffer.withUnsafeMutableBufferPointer { r in
                complexBuffer.withUnsafeMutableBufferPointer { c in
                    Float.fftwExecuteRealToComplex(forward.pointer, input: r.baseAddress!, output: c.baseAddress!)
                    Float.fftwExecuteComplexToReal(inverse.pointer, input: c.baseAddress!, output: r.baseAddress!)
                }
            }
        }
        // CPU time of both paths (robust on a loaded machine): the overhead the Tensor path adds.
        let tensorCPU = bestCPUTime(of: repetitions) {
            _ = fields.rfft(dimensionCount: 2).irfft(dimensionCount: 2, lastSize: 64)
        }
        let rawCPU = bestCPUTime(of: repetitions) {
            realBuffer.withUnsafeMutableBufferPointer { r in
                complexBuffer.withUnsafeMutableBufferPointer { c in
                    Float.fftwExecuteRealToComplex(forward.pointer, input: r.baseAddress!, output: c.baseAddress!)
                    Float.fftwExecuteComplexToReal(inverse.pointer, input: c.baseAddress!, output: r.baseAddress!)
                }
            }
        }
        emit(["benchmark": "rfft2+irfft2", "shape": "20x32x64x64", "precision": "float32", "path": "Tensor",
              "seconds": tensorSeconds, "cpu_seconds": tensorCPU])
        emit(["benchmark": "rfft2+irfft2", "shape": "20x32x64x64", "precision": "float32", "path": "fftwf_execute",
              "seconds": rawSeconds, "cpu_seconds": rawCPU, "tensor_over_raw": tensorSeconds / rawSeconds,
              "tensor_over_raw_cpu": tensorCPU / rawCPU])
    }

    func runConvolution(generator: inout SeededRandomNumberGenerator) throws {
        // Conv2d 3×3, 32 → 32 channels, batch 20, 64², zero padding 1: forward, and forward + backward.
        let conv = Convolution<Float>(inputChannels: 32, outputChannels: 32, kernelSize: [3, 3], padding: [1],
                                      generator: &generator)
        let input = Tensor<Float>.normal([20, 32, 64, 64], using: &generator)
        let forwardSeconds = best(of: repetitions) { _ = conv.inference(input) }
        let forwardCPU = bestCPUTime(of: repetitions) { _ = conv.inference(input) }
        let flops = 2.0 * 20 * 32 * 32 * 9 * 64 * 64
        emit(["benchmark": "conv2d_forward", "shape": "20x32x64x64", "kernel": 3, "seconds": forwardSeconds,
              "gflops": flops / forwardSeconds / 1e9, "cpu_seconds": forwardCPU])
        let leaf = Variable.leaf(input)
        let backwardSeconds = best(of: repetitions) {
            conv.zeroGradients()
            conv(leaf).sum().backward()
        }
        let backwardCPU = bestCPUTime(of: repetitions) {
            conv.zeroGradients()
            conv(leaf).sum().backward()
        }
        emit(["benchmark": "conv2d_forward_backward", "shape": "20x32x64x64", "kernel": 3, "seconds": backwardSeconds,
              "gflops": 3 * flops / backwardSeconds / 1e9, "cpu_seconds": backwardCPU])
    }
}
