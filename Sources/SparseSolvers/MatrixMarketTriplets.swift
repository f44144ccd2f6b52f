#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One chunk's entries of a Matrix Market coordinate file as the reader finds them.
///
/// ```
/// rows[k], columns[k]   0-based indices of entry k, as `Index` (UInt32 when both sizes are at most
///                       2³², halving the memory to fill and read back against 64-bit indices)
/// values[k]             its value (no storage for pattern files)
/// ```
/// Raw storage from `malloc`/`realloc` (growth by half again), so appending is one capacity test
/// and three stores; a failed allocation is reported by `append` returning false, never a trap.
/// One thread fills a chunk's storage; the assembly only reads it (hence `@unchecked Sendable`).
final class MatrixMarketTriplets<Index: FixedWidthInteger & UnsignedInteger>: @unchecked Sendable {
    private(set) var rows: UnsafeMutablePointer<Index>?
    private(set) var columns: UnsafeMutablePointer<Index>?
    private(set) var values: UnsafeMutablePointer<Double>?
    private(set) var count = 0
    private var capacity = 0
    private let storesValues: Bool
    /// Empty storage for `capacity` entries (address space; pages are given on first touch).
    init(capacity: Int, storesValues: Bool) {
        self.storesValues = storesValues
        _ = grow(to: max(capacity, 16))
    }

    deinit {
        free(rows); free(columns); free(values)
    }

    /// Whether the storage and counters exist (false when an allocation failed).
    var isAllocated: Bool { rows != nil && columns != nil && (values != nil || !storesValues) }

    /// Appends entry (row, column, value); false when more storage could not be allocated.
    @inline(__always)
    func append(row: Int, column: Int, value: Double) -> Bool {
        if count == capacity, !grow(to: capacity + capacity / 2 + 16) { return false }
        rows.unsafelyUnwrapped[count] = Index(truncatingIfNeeded: row)
        columns.unsafelyUnwrapped[count] = Index(truncatingIfNeeded: column)
        if storesValues { values.unsafelyUnwrapped[count] = value }
        count += 1
        return true
    }

    /// Maps the whole 4 KiB pages of [start, start + bytes) writable in one call (Linux 5.14+
    /// `MADV_POPULATE_WRITE`) instead of one page fault each on first touch: the first-touch faults
    /// of the triplet and CSR arrays were about a third of the time of reading a 49 MB file. A hint
    /// only: where the kernel does not know it, the pages fault in as before. (2 MiB pages through
    /// `MADV_HUGEPAGE` were faster when warm but up to 3x slower when the host had taken the free
    /// huge pages back, as on the Firecracker VM of BENCHMARKS-amg.md.)
    static func prefault(_ start: UnsafeMutableRawPointer?, bytes: Int) {
        #if os(Linux)
        let page = 4096, populateWrite: Int32 = 23   // MADV_POPULATE_WRITE
        guard let start, bytes >= 2 * page else { return }
        let first = (Int(bitPattern: start) + page - 1) & ~(page - 1)
        let last = (Int(bitPattern: start) + bytes) & ~(page - 1)
        guard last > first, let aligned = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(aligned, last - first, populateWrite)
        #endif
    }

    /// Prefaults the storage of the first `entries` entries (the chunk's expected share).
    func prefault(entries: Int) {
        let count = min(max(entries, 0), capacity)
        Self.prefault(rows, bytes: count * MemoryLayout<Index>.stride)
        Self.prefault(columns, bytes: count * MemoryLayout<Index>.stride)
        Self.prefault(values, bytes: count * MemoryLayout<Double>.stride)
    }

    /// Reallocates the three arrays to `newCapacity` entries (contents kept).
    private func grow(to newCapacity: Int) -> Bool {
        let (indexBytes, overflowIndex) = newCapacity.multipliedReportingOverflow(by: MemoryLayout<Index>.stride)
        let (valueBytes, overflowValue) = newCapacity.multipliedReportingOverflow(by: MemoryLayout<Double>.stride)
        guard !overflowIndex, !overflowValue else { return false }
        guard let newRows = realloc(rows, indexBytes) else { return false }
        rows = newRows.assumingMemoryBound(to: Index.self)
        guard let newColumns = realloc(columns, indexBytes) else { return false }
        columns = newColumns.assumingMemoryBound(to: Index.self)
        if storesValues {
            guard let newValues = realloc(values, valueBytes) else { return false }
            values = newValues.assumingMemoryBound(to: Double.self)
        }
        capacity = newCapacity
        return true
    }
}
