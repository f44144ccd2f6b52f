import CBLAS
import CFFTW
import Foundation

/// A floating-point type that tensors can hold: `Float` or `Double`.
///
/// The requirements are the per-precision entry points of the C libraries (BLAS GEMM, complex
/// GEMM, FFTW plans) and of libm, so that generic, `@inlinable` tensor code specializes to direct
/// calls of `cblas_sgemm`/`cblas_dgemm`, `fftwf_*`/`fftw_*`, `expf`/`exp` and so on.
public protocol TensorScalar: BinaryFloatingPoint, Sendable, Codable, CustomStringConvertible
where RawSignificand: FixedWidthInteger {
    /// Short name used in file formats and JSON: `"float32"` or `"float64"`.
    static var typeName: String { get }

    /// `C ← α op(A) op(B) + β C`, row-major (BLAS `?gemm`).
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    /// Complex `C ← op(A) op(B) + β C` on interleaved (re, im) storage, row-major (BLAS `?gemm`
    /// complex). `op` is identity or conjugate transpose.
    static func complexGEMM(
        conjugateTransposeA: Bool, conjugateTransposeB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    static func exponential(_ x: Self) -> Self
    static func logarithm(_ x: Self) -> Self
    static func sine(_ x: Self) -> Self
    static func cosine(_ x: Self) -> Self
    static func hyperbolicTangent(_ x: Self) -> Self
    static func errorFunction(_ x: Self) -> Self
    /// `erfc(x) = 1 − erf(x)`, accurate where `erf(x)` is near 1 (libm).
    static func complementaryErrorFunction(_ x: Self) -> Self
    static func power(_ x: Self, _ y: Self) -> Self

    // FFTW entry points (plans are `OpaquePointer`s in both precisions).
    static func fftwPlanManyRealToComplex(
        rank: Int32, dimensions: UnsafePointer<Int32>, howMany: Int32,
        input: UnsafeMutablePointer<Self>, output: UnsafeMutablePointer<Self>, flags: UInt32) -> OpaquePointer?
    static func fftwPlanManyComplexToReal(
        rank: Int32, dimensions: UnsafePointer<Int32>, howMany: Int32,
        input: UnsafeMutablePointer<Self>, output: UnsafeMutablePointer<Self>, flags: UInt32) -> OpaquePointer?
    static func fftwExecuteRealToComplex(_ plan: OpaquePointer, input: UnsafeMutablePointer<Self>, output: UnsafeMutablePointer<Self>)
    static func fftwExecuteComplexToReal(_ plan: OpaquePointer, input: UnsafeMutablePointer<Self>, output: UnsafeMutablePointer<Self>)
    static func fftwDestroyPlan(_ plan: OpaquePointer)
    static func fftwAlignment(of pointer: UnsafeMutablePointer<Self>) -> Int32
}

extension Float: TensorScalar {
    public static var typeName: String { "float32" }

    @inlinable
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    @inlinable
    public static func complexGEMM(
        conjugateTransposeA: Bool, conjugateTransposeB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        var one: (Float, Float) = (1, 0)
        var betaComplex: (Float, Float) = (beta, 0)
        cblas_cgemm(
            CblasRowMajor, conjugateTransposeA ? CblasConjTrans : CblasNoTrans,
            conjugateTransposeB ? CblasConjTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), &one, a, Int32(lda), b, Int32(ldb), &betaComplex, c, Int32(ldc))
    }

    @inlinable public static func exponential(_ x: Float) -> Float { Foundation.expf(x) }
    @inlinable public static func logarithm(_ x: Float) -> Float { Foundation.logf(x) }
    @inlinable public static func sine(_ x: Float) -> Float { Foundation.sinf(x) }
    @inlinable public static func cosine(_ x: Float) -> Float { Foundation.cosf(x) }
    @inlinable public static func hyperbolicTangent(_ x: Float) -> Float { Foundation.tanhf(x) }
    @inlinable public static func errorFunction(_ x: Float) -> Float { Foundation.erff(x) }
    @inlinable public static func complementaryErrorFunction(_ x: Float) -> Float { Foundation.erfcf(x) }
    @inlinable public static func power(_ x: Float, _ y: Float) -> Float { Foundation.powf(x, y) }

    public static func fftwPlanManyRealToComplex(
        rank: Int32, dimensions: UnsafePointer<Int32>, howMany: Int32,
        input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, flags: UInt32
    ) -> OpaquePointer? {
        output.withMemoryRebound(to: fftwf_complex.self, capacity: 1) { complexOutput in
            fftwf_plan_many_dft_r2c(rank, dimensions, howMany, input, nil, 1, realDistance(rank, dimensions),
                                   complexOutput, nil, 1, complexDistance(rank, dimensions), flags)
        }
    }
    public static func fftwPlanManyComplexToReal(
        rank: Int32, dimensions: UnsafePointer<Int32>, howMany: Int32,
        input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, flags: UInt32
    ) -> OpaquePointer? {
        input.withMemoryRebound(to: fftwf_complex.self, capacity: 1) { complexInput in
            fftwf_plan_many_dft_c2r(rank, dimensions, howMany, complexInput, nil, 1, complexDistance(rank, dimensions),
                                   output, nil, 1, realDistance(rank, dimensions), flags)
        }
    }
    public static func fftwExecuteRealToComplex(_ plan: OpaquePointer, input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) {
        output.withMemoryRebound(to: fftwf_complex.self, capacity: 1) { fftwf_execute_dft_r2c(plan, input, $0) }
    }
    public static func fftwExecuteComplexToReal(_ plan: OpaquePointer, input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) {
        input.withMemoryRebound(to: fftwf_complex.self, capacity: 1) { fftwf_execute_dft_c2r(plan, $0, output) }
    }
    public static func fftwDestroyPlan(_ plan: OpaquePointer) { fftwf_destroy_plan(plan) }
    public static func fftwAlignment(of pointer: UnsafeMutablePointer<Float>) -> Int32 { fftwf_alignment_of(pointer) }
}

extension Double: TensorScalar {
    public static var typeName: String { "float64" }

    @inlinable
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    @inlinable
    public static func complexGEMM(
        conjugateTransposeA: Bool, conjugateTransposeB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        var one: (Double, Double) = (1, 0)
        var betaComplex: (Double, Double) = (beta, 0)
        cblas_zgemm(
            CblasRowMajor, conjugateTransposeA ? CblasConjTrans : CblasNoTrans,
            conjugateTransposeB ? CblasConjTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), &one, a, Int32(lda), b, Int32(ldb), &betaComplex, c, Int32(ldc))
    }

    @inlinable public static func exponential(_ x: Double) -> Double { Foundation.exp(x) }
    @inlinable public static func logarithm(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable public static func sine(_ x: Double) -> Double { Foundation.sin(x) }
    @inlinable public static func cosine(_ x: Double) -> Double { Foundation.cos(x) }
    @inlinable public static func hyperbolicTangent(_ x: Double) -> Double { Foundation.tanh(x) }
    @inlinable public static func errorFunction(_ x: Double) -> Double { Foundation.erf(x) }
    @inlinable public static func complementaryErrorFunction(_ x: Double) -> Double { Foundation.erfc(x) }
    @inlinable public static func power(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }

    public static func fftwPlanManyRealToComplex(
        rank: Int32, dimensions: UnsafePointer<Int32>, howMany: Int32,
        input: UnsafeMutablePointer<Double>, output: UnsafeMutablePointer<Double>, flags: UInt32
    ) -> OpaquePointer? {
        output.withMemoryRebound(to: fftw_complex.self, capacity: 1) { complexOutput in
            fftw_plan_many_dft_r2c(rank, dimensions, howMany, input, nil, 1, realDistance(rank, dimensions),
                                   complexOutput, nil, 1, complexDistance(rank, dimensions), flags)
        }
    }
    public static func fftwPlanManyComplexToReal(
        rank: Int32, dimensions: UnsafePointer<Int32>, howMany: Int32,
        input: UnsafeMutablePointer<Double>, output: UnsafeMutablePointer<Double>, flags: UInt32
    ) -> OpaquePointer? {
        input.withMemoryRebound(to: fftw_complex.self, capacity: 1) { complexInput in
            fftw_plan_many_dft_c2r(rank, dimensions, howMany, complexInput, nil, 1, complexDistance(rank, dimensions),
                                   output, nil, 1, realDistance(rank, dimensions), flags)
        }
    }
    public static func fftwExecuteRealToComplex(_ plan: OpaquePointer, input: UnsafeMutablePointer<Double>, output: UnsafeMutablePointer<Double>) {
        output.withMemoryRebound(to: fftw_complex.self, capacity: 1) { fftw_execute_dft_r2c(plan, input, $0) }
    }
    public static func fftwExecuteComplexToReal(_ plan: OpaquePointer, input: UnsafeMutablePointer<Double>, output: UnsafeMutablePointer<Double>) {
        input.withMemoryRebound(to: fftw_complex.self, capacity: 1) { fftw_execute_dft_c2r(plan, $0, output) }
    }
    public static func fftwDestroyPlan(_ plan: OpaquePointer) { fftw_destroy_plan(plan) }
    public static func fftwAlignment(of pointer: UnsafeMutablePointer<Double>) -> Int32 { fftw_alignment_of(pointer) }
}

/// Distance between consecutive batch items of a real array, in elements.
@usableFromInline
func realDistance(_ rank: Int32, _ dimensions: UnsafePointer<Int32>) -> Int32 {
    (0..<Int(rank)).reduce(Int32(1)) { $0 * dimensions[$1] }
}

/// Distance between consecutive batch items of a half-spectrum array, in complex elements.
@usableFromInline
func complexDistance(_ rank: Int32, _ dimensions: UnsafePointer<Int32>) -> Int32 {
    (0..<Int(rank) - 1).reduce(Int32(1)) { $0 * dimensions[$1] } * (dimensions[Int(rank) - 1] / 2 + 1)
}
