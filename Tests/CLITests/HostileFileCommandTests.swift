import Foundation
import Testing
import PDEKit

/// The CLI on hostile files: one `error:` line and a non-zero status below 128 (no signal), and
/// the Burgers reference read through `Datasets` (any NPZ NumPy writes, not only stored members).
@Suite struct HostileFileCommandTests {
    let cli = CommandLineTests()

    func expectOneErrorLine(_ arguments: [String], _ label: String) throws {
        let result = try cli.run(arguments)
        #expect(result.status != 0 && result.status < 128, "\(label): status \(result.status)")
        let lines = result.error.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        #expect(lines.count == 1 && lines.first?.hasPrefix("error:") == true, "\(label): \(result.error)")
    }

    /// A Burgers reference on a 6 × 4 grid: u(x, t) = x·(1 + t).
    func reference(at path: String, compressed: Bool) throws {
        let x = (0..<6).map { -1 + 0.4 * Double($0) }, t = (0..<4).map { 0.25 * Double($0) }
        let u = x.flatMap { xi in t.map { xi * (1 + $0) } }
        try NPZFile.write([("x", try NumericArray(shape: [6, 1], storage: .float64(x))),
                           ("t", try NumericArray(shape: [4, 1], storage: .float64(t))),
                           ("usol", try NumericArray(shape: [6, 4], storage: .float64(u)))], to: path, compressed: compressed)
    }

    @Test func burgersReferenceIsReadThroughDatasets() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("reference.npz").path
        let common = ["pinn", "burgers", "--iterations", "1", "--lbfgs-iterations", "0", "--width", "4", "--no-plots",
                      "--output", directory.appendingPathComponent("out").path, "--reference", path]
        // Deflated members (np.savez_compressed) were refused by the old private parser.
        try reference(at: path, compressed: true)
        let accepted = try cli.run(common)
        #expect(accepted.status == 0, "\(accepted.error)")
        #expect(accepted.output.contains("relative L2 error"))
        // Truncated, shape-mismatched and non-finite references each end in one error line.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        try expectOneErrorLine(common, "truncated reference")
        try NPZFile.write([("x", try NumericArray(shape: [3], storage: .float64([0, 1, 2]))),
                           ("t", try NumericArray(shape: [2], storage: .float64([0, 1]))),
                           ("usol", try NumericArray(shape: [2, 3], storage: .float64([1, 2, 3, 4, 5, 6])))], to: path)
        try expectOneErrorLine(common, "usol of shape (t, x)")
        try NPZFile.write([("x", try NumericArray(shape: [1], storage: .float64([0]))),
                           ("t", try NumericArray(shape: [1], storage: .float64([0]))),
                           ("usol", try NumericArray(shape: [1, 1], storage: .float64([.nan])))], to: path)
        try expectOneErrorLine(common, "NaN in the reference")
    }

    @Test func hostileMatrixAndDatasetFilesEndInOneLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let matrix = directory.appendingPathComponent("huge.mtx")
        try "%%MatrixMarket matrix coordinate real general\n9223372036854775807 9223372036854775807 1\n1 1 1\n".write(to: matrix, atomically: true, encoding: .utf8)
        try expectOneErrorLine(["solve", matrix.path], "rows = Int.max")
        // An HDF5 file whose string attribute's heap object claims 2⁴⁰ bytes (libhdf5 segfaulted).
        let h5 = directory.appendingPathComponent("attribute.h5").path
        try HDF5File.writeAtomically(to: h5) { try $0.setAttribute("pdekit.pde", .string("darcy")) }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: h5)))
        let heap = try #require((0...(bytes.count - 4)).first { Array(bytes[$0..<$0 + 4]) == Array("GCOL".utf8) })
        withUnsafeBytes(of: (UInt64(1) << 40).littleEndian) { bytes.replaceSubrange(heap + 24..<heap + 32, with: $0) }
        try Data(bytes).write(to: URL(fileURLWithPath: h5))
        let inspected = try cli.run(["inspect", h5])
        #expect(inspected.status < 128, "inspect: status \(inspected.status)")
    }
}
