import Foundation

/// Asks the kernel to back a large, freshly allocated buffer with transparent huge pages before
/// it is first written (as NumPy does for arrays of 4 MiB and more).
///
/// On virtual machines a first touch of a 4 KiB page can cost several microseconds, so filling a
/// fresh 64 MiB array from a file spent more time in page faults than in reading; 2 MiB pages cut
/// that about fivefold here (see BENCHMARKS-datasets.md). Only the 2 MiB-aligned interior of the
/// buffer is advised; failures are ignored (the advice is only a hint).
func adviseHugePages(_ base: UnsafeMutableRawPointer?, byteCount: Int) {
    #if os(Linux)
    let hugePage = 1 << 21
    guard let base, byteCount >= 4 << 20 else { return }
    let start = (Int(bitPattern: base) + hugePage - 1) & ~(hugePage - 1)
    let end = (Int(bitPattern: base) + byteCount) & ~(hugePage - 1)
    guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
    _ = madvise(pointer, end - start, MADV_HUGEPAGE)
    #endif
}
