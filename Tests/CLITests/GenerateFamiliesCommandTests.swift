import TestSupport
import Foundation
import Testing
import PDEKit

/// `pdekit generate poisson|helmholtz|burgers` through the built binary: the stored solutions solve
/// their assembled systems (and obey the maximum principle for Poisson), and the Burgers solutions
/// agree with an independent finite-difference integration in this file.
@Suite struct GenerateFamiliesCommandTests {
    let cli = CommandLineTests()

    /// Generates a float64 file and returns (coeff, sol) per sample.
    func generate(_ family: String, resolution: Int, samples: Int, extra: [String], in directory: URL) throws -> [([Double], [Double])] {
        let path = directory.appendingPathComponent("\(family)-\(UUID().uuidString).h5").path
        let run = try cli.run(["generate", family, "--samples", String(samples), "--resolution", String(resolution), "--seed", "4",
                               "--precision", "float64", "--quiet", "--output", path] + extra)
        #expect(run.status == 0, "\(family) \(extra): \(run.error)")
        let file = try HDF5File(opening: path)
        defer { try? file.close() }
        let coeff = try file.readDataset("coeff").doubleValues, sol = try file.readDataset("sol").doubleValues
        let size = family == "burgers" ? resolution : resolution * resolution
        #expect(coeff.count == samples * size && sol.count == samples * size)
        return (0..<samples).map { t in (Array(coeff[(t * size)..<((t + 1) * size)]), Array(sol[(t * size)..<((t + 1) * size)])) }
    }

    /// ‖A x − b‖ / ‖b‖ of the stored field's unknowns.
    func relativeResidual(_ system: LinearSystem, field: [Double]) throws -> Double {
        let x = try system.unknowns(from: field)
        let ax = system.matrix.applied(to: x)
        var r = 0.0, b = 0.0
        for i in 0..<ax.count { r += (ax[i] - system.rightHandSide[i]) * (ax[i] - system.rightHandSide[i]); b += system.rightHandSide[i] * system.rightHandSide[i] }
        return (r / b).squareRoot()
    }

    @Test(arguments: [["--solver", "direct"], ["--solver", "recycling", "--preconditioner", "ilu"], ["--solver", "gmres", "--preconditioner", "ic0"]])
    func poissonSolutionsSolveTheirSystems(solverFlags: [String]) throws {
        let directory = try makeScratchDirectory("families")
        defer { try? FileManager.default.removeItem(at: directory) }
        let s = 13
        let grid = try UniformGrid.unit(dimension: 2, size: s, layout: .vertexCentred)
        for (a, u) in try generate("poisson", resolution: s, samples: 3, extra: solverFlags + ["--tolerance", "1e-10"], in: directory) {
            #expect(a.allSatisfy { $0 > 0 && $0.isFinite }, "a = exp(ψ) is positive")
            let system = try PoissonProblem(grid: grid, coefficient: .gridField(a, on: grid), source: .constant(1),
                                            boundaryConditions: .zeroDirichlet(dimension: 2)).discretize()
            let residual = try relativeResidual(system, field: u)
            #expect(residual < 1e-9, "\(solverFlags): relative residual \(residual)")
            // −∇·(a∇u) = 1 > 0 with u = 0 on the boundary: u > 0 inside (discrete maximum principle, M-matrix).
            for j in 0..<s { for i in 0..<s {
                let value = u[j * s + i]
                if i == 0 || j == 0 || i == s - 1 || j == s - 1 { #expect(value == 0) } else { #expect(value > 0) }
            } }
        }
    }

    @Test func helmholtzSolutionsSolveTheirSystems() throws {
        let directory = try makeScratchDirectory("families")
        defer { try? FileManager.default.removeItem(at: directory) }
        let s = 13
        let grid = try UniformGrid.unit(dimension: 2, size: s, layout: .vertexCentred)
        for solver in ["direct", "recycling"] {
            let samples = try generate("helmholtz", resolution: s, samples: 3,
                                       extra: ["--solver", solver, "--wavenumber", "6", "--tolerance", "1e-10"], in: directory)
            for (a, u) in samples {
                let system = try HelmholtzProblem(grid: grid, coefficient: .gridField(a, on: grid), wavenumber: 6, source: .constant(1),
                                                  boundaryConditions: .zeroDirichlet(dimension: 2)).discretize()
                let residual = try relativeResidual(system, field: u)
                #expect(residual < 1e-9, "\(solver): relative residual \(residual)")
                #expect(u.contains { $0 != 0 })
            }
        }
    }

    /// u_t + (u²/2)_x = ν u_xx on [0, 1) periodic to t = 1 by fourth-order central differences and
    /// classical RK4 (Δt = 1e-4, far inside the stability limit ≈ 1.3e-3 at n = 64, ν = 0.1).
    func finiteDifferenceBurgers(_ initial: [Double], viscosity: Double) -> [Double] {
        let n = initial.count, h = 1 / Double(n), steps = 10_000, dt = 1 / Double(steps)
        func rate(_ u: [Double]) -> [Double] {
            (0..<n).map { i in
                func at(_ k: Int) -> Double { u[((i + k) % n + n) % n] }
                func flux(_ k: Int) -> Double { 0.5 * at(k) * at(k) }
                let fluxDerivative = (-flux(2) + 8 * flux(1) - 8 * flux(-1) + flux(-2)) / (12 * h)
                let laplacian = (-at(2) + 16 * at(1) - 30 * at(0) + 16 * at(-1) - at(-2)) / (12 * h * h)
                return -fluxDerivative + viscosity * laplacian
            }
        }
        var u = initial
        for _ in 0..<steps {
            let k1 = rate(u)
            let k2 = rate(zip(u, k1).map { $0 + 0.5 * dt * $1 })
            let k3 = rate(zip(u, k2).map { $0 + 0.5 * dt * $1 })
            let k4 = rate(zip(u, k3).map { $0 + dt * $1 })
            for i in 0..<n { u[i] += dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) }
        }
        return u
    }

    @Test func burgersSolutionsMatchAnIndependentIntegration() throws {
        let directory = try makeScratchDirectory("families")
        defer { try? FileManager.default.removeItem(at: directory) }
        for (u0, u1) in try generate("burgers", resolution: 64, samples: 2, extra: ["--viscosity", "0.1"], in: directory) {
            let reference = finiteDifferenceBurgers(u0, viscosity: 0.1)
            var difference = 0.0, norm = 0.0
            for i in 0..<u1.count { difference += (u1[i] - reference[i]) * (u1[i] - reference[i]); norm += reference[i] * reference[i] }
            let error = (difference / norm).squareRoot()
            #expect(error < 1e-4, "relative L2 distance to the finite-difference solution \(error)")
            // The mean is conserved exactly on the periodic domain; the solution has moved away from u₀.
            let mean0 = u0.reduce(0, +) / 64, mean1 = u1.reduce(0, +) / 64
            #expect(abs(mean1 - mean0) < 1e-10)
            var change = 0.0
            for i in 0..<64 { change += (u1[i] - u0[i]) * (u1[i] - u0[i]) }
            #expect(change.squareRoot() > 1e-2 * norm.squareRoot())
        }
    }

    @Test func badSolverFlagsEndWithOneErrorLine() throws {
        let directory = try makeScratchDirectory("families")
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("x.h5").path
        for flags in [["--restart", "1e9"], ["--restart", "abc"], ["--recycled", "40"], ["--preconditioner", "multigrid"]] {
            let run = try cli.run(["generate", "poisson", "--samples", "2", "--resolution", "9", "--output", output] + flags)
            #expect(run.status == 1 && run.error.hasPrefix("error: ") && run.error.split(separator: "\n").count == 1, "\(flags): \(run.error)")
        }
    }
}
