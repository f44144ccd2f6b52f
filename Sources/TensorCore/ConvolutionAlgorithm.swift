/// How `Tensor.convolution`, `convolutionTransposed` and `convolutionWeightGradient` are computed.
///
/// - `direct`: the im2col-free kernels of `Tensor+DirectConvolution.swift` (C, runtime-dispatched SIMD):
///   the input is copied once into a zero-padded, phase-split buffer and every output position is a sum
///   over channels and taps of shifted contiguous rows, with a register tile of output channels ×
///   positions; 1×1 unpadded stride-1 convolutions are one GEMM per sample on the tensor itself.
/// - `im2col`: the original path, im2col (or col2im) and one GEMM per sample. Kept as the reference the
///   tests compare against.
/// - `automatic`: `direct` (it is faster on every shape measured, see BENCHMARKS-mgno.md, Session 5).
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable {
    case automatic
    case direct
    case im2col
}
