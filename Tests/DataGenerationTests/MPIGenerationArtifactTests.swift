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

    func bits(_ name: String) throws -> (coeff: [UInt32], sol: [UInt32], index: [Int64], completed: Int) {
        let file = try HDF5File(opening: directory.appendingPathComponent(name).path)
        defer { try? file.close() }
        func pattern(_ array: NumericArray) -> [UInt32] {
            guard case .float32(let values) = array.storage else { return [] }
            return values.map(\.bitPattern)
        }
        guard case .int64(let index) = try file.readDataset("sample_index").storage else { return ([], [], [], -1) }
        return (pattern(try file.readDataset("coeff")), pattern(try file.readDataset("sol")), index,
                try file.attribute("pdekit.completed").intValue ?? -1)
    }

    @Test(arguments: ["two-ranks.h5", "killed-and-resumed.h5"])
    func equalsTheOneProcessFileBitwise(name: String) throws {
        let one = try bits("one-rank.h5"), other = try bits(name)
        #expect(!one.coeff.isEmpty && one.completed == one.index.count)
        #expect(other.completed == one.completed)
        #expect(other.index == one.index, "\(name): sample_index differs")
        #expect(Set(other.index).count == other.index.count && other.index.sorted() == (0..<Int64(other.index.count)).map { $0 },
                "\(name): a sample_index is missing or duplicated")
        #expect(other.coeff == one.coeff, "\(name): inputs differ")
        #expect(other.sol == one.sol, "\(name): solutions differ")
    }
}
