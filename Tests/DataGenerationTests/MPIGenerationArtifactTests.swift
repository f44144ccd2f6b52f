import Foundation
import Testing
import Datasets

/// Checks on files that `scripts/mpi-tests.sh` writes with `mpirun -np 2` (enabled only when that
/// script sets `PDEKIT_MPI_ARTIFACTS` to its directory): the R = 2 file equals the R = 1 file bit for
/// bit (direct solver), and the run killed with `kill -9` and rerun equals it too, with every
/// `sample_index` once.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["PDEKIT_MPI_ARTIFACTS"] != nil))
struct MPIGenerationArtifactTests {
    let directory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["PDEKIT_MPI_ARTIFACTS"] ?? "/nonexistent")

    /// The stored bits of `coeff` and `sol` (float32 or float64 files), `sample_index` and `pdekit.completed`.
    func bits(_ name: String) throws -> (coeff: [UInt64], sol: [UInt64], index: [Int64], completed: Int) {
        let file = try HDF5File(opening: directory.appendingPathComponent(name).path)
        defer { try? file.close() }
        func pattern(_ array: NumericArray) -> [UInt64] {
            switch array.storage {
            case .float32(let values): return values.map { UInt64($0.bitPattern) }
            case .float64(let values): return values.map(\.bitPattern)
            default: return []
            }
        }
        guard case .int64(let index) = try file.readDataset("sample_index").storage else { return ([], [], [], -1) }
        return (pattern(try file.readDataset("coeff")), pattern(try file.readDataset("sol")), index,
                try file.attribute("pdekit.completed").intValue ?? -1)
    }

    /// (one-process file, file to compare): the R = 2 run, the killed and resumed R = 2 run, and a float64
    /// R = 2 run against a one-process run with the default threads (float64 keeps the last bits that a
    /// threaded BLAS would change; `CholmodBLASThreads` runs these factors on one OpenBLAS thread).
    @Test(arguments: [("one-rank.h5", "two-ranks.h5"), ("one-rank.h5", "killed-and-resumed.h5"),
                      ("one-rank-float64.h5", "two-ranks-float64.h5")])
    func equalsTheOneProcessFileBitwise(reference: String, name: String) throws {
        let one = try bits(reference), other = try bits(name)
        #expect(!one.coeff.isEmpty && one.completed == one.index.count)
        #expect(other.completed == one.completed)
        #expect(other.index == one.index, "\(name): sample_index differs")
        #expect(Set(other.index).count == other.index.count && other.index.sorted() == (0..<Int64(other.index.count)).map { $0 },
                "\(name): a sample_index is missing or duplicated")
        #expect(other.coeff == one.coeff, "\(name): inputs differ")
        #expect(other.sol == one.sol, "\(name): solutions differ")
    }
}
