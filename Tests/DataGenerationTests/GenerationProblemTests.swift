import Foundation
import Testing
import PDEs
import Datasets
import DataGeneration

/// `generate --problem FILE`: the shipped file of the Darcy family reproduces `generate darcy`
/// bit for bit, and a problem with convection, reaction and Robin faces writes solutions that
/// satisfy an independent re-assembly.
@Suite struct GenerationProblemTests {
    static let problems = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("datasets/problems")

    func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-genproblem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    func arrays(_ path: String) throws -> [NumericArray] {
        let file = try HDF5File(opening: path)
        defer { try? file.close() }
        return try ["coeff", "sol", "sample_index"].map { try file.readDataset($0) }
    }

    @Test(arguments: [SequenceSolveStrategy.direct, .recycling])
    func darcyFileReproducesGenerateDarcyBitwise(strategy: SequenceSolveStrategy) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let problem = try GenerationProblem(path: Self.problems.appendingPathComponent("darcy-generate.json").path)
        let darcy = GenerationConfiguration(family: .darcy, sampleCount: 9, resolution: 21, seed: 11, strategy: strategy, shardSize: 4)
        var fromFile = darcy
        fromFile.family = .problem
        fromFile.problem = problem
        let a = directory.appendingPathComponent("darcy.h5").path, b = directory.appendingPathComponent("problem.h5").path
        _ = try DatasetGenerator(darcy).run(output: a)
        _ = try DatasetGenerator(fromFile).run(output: b)
        let (x, y) = (try arrays(a), try arrays(b))
        #expect(x[0].shape == [9, 21, 21] && y[0].shape == x[0].shape)
        for k in 0..<3 { #expect(x[k] == y[k], "dataset \(k) differs") }
        #expect(fromFile.contentKey != darcy.contentKey)
    }

    /// Each stored solution solves the system the discretization assembles from the stored
    /// coefficient (to the solve tolerance), and the Dirichlet face carries its data.
    @Test func convectionRobinSamplesSolveTheirSystems() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let problem = try GenerationProblem(path: Self.problems.appendingPathComponent("convection-robin-generate.json").path)
        let configuration = GenerationConfiguration(family: .problem, sampleCount: 4, resolution: 17, seed: 3, tolerance: 1e-10,
                                                    strategy: .recycling, precision: .float64, shardSize: 2, problem: problem)
        let path = directory.appendingPathComponent("p.h5").path
        _ = try DatasetGenerator(configuration).run(output: path)
        let data = try arrays(path)
        let discretization = try problem.discretization(resolution: 17)
        let coefficients = data[0].doubleValues, solutions = data[1].doubleValues
        let n = 17 * 17
        for t in 0..<4 {
            let a = Array(coefficients[(t * n)..<((t + 1) * n)]), u = Array(solutions[(t * n)..<((t + 1) * n)])
            #expect(a.allSatisfy { $0 > 0 })
            let system = try discretization.system(randomCoefficients: [a])
            let x = try system.unknowns(from: u)
            let ax = system.matrix.applied(to: x)
            var r = 0.0, bb = 0.0
            for i in 0..<x.count { r += (system.rightHandSide[i] - ax[i]) * (system.rightHandSide[i] - ax[i]); bb += system.rightHandSide[i] * system.rightHandSide[i] }
            #expect(r.squareRoot() <= 1e-10 * bb.squareRoot() * 1.0001, "sample \(t)")
            // u = sin(πy) on x = 0 (grid row i₀ = 0).
            for j in 0..<17 { #expect(abs(u[j] - sin(Double.pi * Double(j) / 16)) < 1e-12) }
        }
    }

    @Test func familyAndProblemFileAreExclusive() throws {
        let path = Self.problems.appendingPathComponent("darcy-generate.json").path
        #expect(throws: GenerationError.self) { _ = try GenerationProblem.choose(family: nil, problemPath: nil) }
        #expect(throws: GenerationError.self) { _ = try GenerationProblem.choose(family: .darcy, problemPath: path) }
        #expect(throws: GenerationError.self) { _ = try GenerationProblem.choose(family: .problem, problemPath: nil) }
        #expect(try GenerationProblem.choose(family: nil, problemPath: path).0 == .problem)
        // A problem file without a random coefficient is one ProblemError naming the file.
        #expect(throws: ProblemError.self) {
            _ = try GenerationProblem(path: Self.problems.appendingPathComponent("poisson2d.json").path)
        }
    }
}
