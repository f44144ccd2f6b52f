import CKernels

/// The instruction-set level the C kernels (TensorCore, convolution, PINN kernels) dispatch on at
/// run time: the CPU's, capped by the environment variable `PDEKIT_SIMD_LEVEL=0|1|2` (read once,
/// at the first kernel call), so the narrower variants can be tested on a wider machine.
public enum KernelDispatch {
    /// Instruction-set levels, narrowest first.
    public enum Level: Int, Sendable, Comparable, CaseIterable {
        case baseline = 0, avx2 = 1, avx512 = 2
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    /// The level in use by this process.
    public static var level: Level { Level(rawValue: Int(pdekit_kernels_simd_level())) ?? .baseline }
}
