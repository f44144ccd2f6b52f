#if canImport(Glibc)
import CMalloc
#endif

/// Process-wide malloc settings that keep freed tensor storage for reuse.
///
/// By default glibc serves large blocks (over 128 KiB–32 MiB) with `mmap` and returns them to the
/// kernel on `free`, so every new tensor of that size page-faults and is zeroed by the kernel again.
/// A tensor library allocates and frees same-sized buffers in every step: measured on the
/// 20×32×64×64 float FFT round trip this doubled the CPU time over FFTW's own (`pdekit bench core
/// --only fft`, `tensor_over_raw_cpu` 2.0–2.5 → 1.1–1.2). After `retainFreedMemory()` blocks come
/// from the heap and freed memory stays with the process (its resident size stays at its peak).
///
/// The `pdekit` CLI calls this at start; an application embedding PDEKit decides for itself.
public enum AllocatorTuning {
    /// Serve all allocations from the heap and never trim it (glibc `mallopt`; no-op elsewhere).
    public static func retainFreedMemory() {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_MAX, 0)
        _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
        _ = mallopt(M_TOP_PAD, 64 << 20)
        #endif
    }
}
