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

    /// The largest relative residual ‖b − A x‖/‖b‖ of the stored samples against systems assembled
    /// afresh from the stored coefficient channels (NaN when any is not finite).
    func worstRelativeResidual(_ problem: GenerationProblem, resolution: Int, coefficients: [Double], solutions: [Double], samples: Int) throws -> Double {
        let discretization = try problem.discretization(resolution: resolution)
        let n = discretization.grid.pointCount, k = problem.inputs.count
        var worst = 0.0
        for t in 0..<samples {
            let channels = (0..<k).map { Array(coefficients[((t * k + $0) * n)..<((t * k + $0 + 1) * n)]) }
            let system = try discretization.system(randomCoefficients: channels)
            let x = try system.unknowns(from: Array(solutions[(t * n)..<((t + 1) * n)]))
            let ax = system.matrix.applied(to: x)
            var r = 0.0, bb = 0.0
            for i in 0..<x.count { r += (system.rightHandSide[i] - ax[i]) * (system.rightHandSide[i] - ax[i]); bb += system.rightHandSide[i] * system.rightHandSide[i] }
            let relative = r.squareRoot() / bb.squareRoot()
            guard relative.isFinite else { return .nan }
            worst = Swift.max(worst, relative)
        }
        return worst
    }

    /// Two random coefficients (a, c) and a periodic axis: `coeff` is [N, 2, s, s], every sample
    /// solves the system assembled from both channels, the periodic faces agree, and each
    /// coefficient's draws depend only on (seed, sample, name): a file that adds a third
    /// coefficient `b` (alphabetically between) leaves the a and c channels bit for bit unchanged.
    @Test func twoRandomCoefficientsHaveIndependentStreams() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = Self.problems.appendingPathComponent("two-coefficient-generate.json")
        let problem = try GenerationProblem(path: source.path)
        #expect(problem.inputs.map(\.name) == ["a", "c"])
        let s = 17, samples = 3
        let configuration = GenerationConfiguration(family: .problem, sampleCount: samples, resolution: s, seed: 5, tolerance: 1e-10,
                                                    strategy: .direct, precision: .float64, shardSize: 2, problem: problem)
        let path = directory.appendingPathComponent("two.h5").path
        _ = try DatasetGenerator(configuration).run(output: path)
        let data = try arrays(path)
        #expect(data[0].shape == [samples, 2, s, s] && data[1].shape == [samples, s, s])
        let coefficients = data[0].doubleValues, solutions = data[1].doubleValues
        let residual = try worstRelativeResidual(problem, resolution: s, coefficients: coefficients, solutions: solutions, samples: samples)
        #expect(residual < 1e-9, "\(residual)")
        let n = s * s
        for t in 0..<samples {
            // The channels are different fields, and u(x, 1) = u(x, 0) (y is the last axis).
            #expect(coefficients[(2 * t * n)..<((2 * t + 1) * n)].elementsEqual(coefficients[((2 * t + 1) * n)..<((2 * t + 2) * n)]) == false)
            for i in 0..<s { #expect(solutions[t * n + i * s + s - 1] == solutions[t * n + i * s]) }
            // Both coefficient channels repeat their lower y face on the upper one, as the solution does
            // (the draws there play no role in the system).
            for channel in 0..<2 {
                let start = (2 * t + channel) * n
                for i in 0..<s { #expect(coefficients[start + i * s + s - 1] == coefficients[start + i * s], "sample \(t) channel \(channel) row \(i)") }
            }
        }
        // Adding a coefficient b (unused in the equation) keeps a's and c's draws.
        let text = try String(contentsOf: source, encoding: .utf8).replacingOccurrences(
            of: #""c": {"random""#, with: #""b": {"random": "gaussian", "transform": "exp"}, "c": {"random""#)
        let threePath = directory.appendingPathComponent("three.json")
        try text.write(to: threePath, atomically: true, encoding: .utf8)
        let three = try GenerationProblem(path: threePath.path)
        #expect(three.inputs.map(\.name) == ["a", "b", "c"])
        var threeConfiguration = configuration
        threeConfiguration.problem = three
        let generator = try DatasetGenerator(threeConfiguration), twoGenerator = try DatasetGenerator(configuration)
        for index in 0..<samples {
            let (x, y) = (twoGenerator.input(index), generator.input(index))
            #expect(x.count == 2 * n && y.count == 3 * n)
            #expect(x[0..<n].elementsEqual(y[0..<n]), "a of sample \(index)")
            #expect(x[n..<(2 * n)].elementsEqual(y[(2 * n)..<(3 * n)]), "c of sample \(index)")
        }
    }

    /// A 3-D box: `coeff` and `sol` are [N, s, s, s] and every sample solves its re-assembled system.
    @Test func threeDimensionalBoxWritesSolvedSamples() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let problem = try GenerationProblem(path: Self.problems.appendingPathComponent("darcy3d-generate.json").path)
        let s = 9, samples = 2
        let configuration = GenerationConfiguration(family: .problem, sampleCount: samples, resolution: s, seed: 2, tolerance: 1e-10,
                                                    strategy: .recycling, precision: .float64, shardSize: 1, problem: problem)
        let path = directory.appendingPathComponent("d3.h5").path
        _ = try DatasetGenerator(configuration).run(output: path)
        let data = try arrays(path)
        #expect(data[0].shape == [samples, s, s, s] && data[1].shape == [samples, s, s, s])
        #expect(Set(data[0].doubleValues) == [3, 12])
        let residual = try worstRelativeResidual(problem, resolution: s, coefficients: data[0].doubleValues, solutions: data[1].doubleValues, samples: samples)
        #expect(residual < 2e-10, "\(residual)")
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
