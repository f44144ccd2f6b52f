import TestSupport
import Foundation
import Testing
import PDEs
import PhysicsInformed
import TensorCore
import AutoDiff

/// The compiled residuals and boundary terms of a problem description, against hand-written
/// residuals and finite differences of the network.
@Suite struct ProblemPINNTests {
    /// Burgers written as text compiles to the same residual as the hand-written
    /// `u_t + u u_x − ν u_xx` on the same network and points.
    @Test func compiledBurgersResidualMatchesTheHandWrittenOne() throws {
        let problem = try PDEProblemDescription(domain: .box(lower: [-1], upper: [1], name: nil), time: (0, 1),
                                                coefficients: [("nu", "0.01/pi")], equations: ["u_t + u*u_x - nu*u_xx = 0"],
                                                boundary: [BoundaryConditionText(.dirichlet)], initial: [InitialConditionText(value: "-sin(pi*x)")])
        let setup: PINNSetup<Double> = try ProblemPINN(problem: problem).makeSetup(options: PINNProblemOptions(domainPoints: 64, boundaryPoints: 8))
        let pde = setup.terms[0]
        let compiled = pde.residual(setup.model, pde.points).value.scalars
        let u = setup.model.derivatives(at: pde.points)
        let nu = 0.01 / Double.pi
        let hand = (u.first(1) + u.value * u.first(0) - u.second(0) * nu).value.scalars
        #expect(compiled.count == hand.count && compiled.count == 64 + 8 + 16)
        let worst = zip(compiled, hand).map { abs($0 - $1) }.maxOrNaN() ?? .nan
        #expect(worst < 1e-13)
        #expect(setup.terms.map(\.name) == ["pde", "boundary", "initial"])
    }

    /// A source term in the coordinates and a learned parameter: −k u'' − f with f = sin(πx),
    /// against the same expression built by hand.
    @Test func knownTermsAndParametersCompile() throws {
        let problem = try PDEProblemDescription(domain: .box(lower: [0], upper: [1], name: nil), parameters: [UnknownParameter(name: "k", initialValue: 0.7)],
                                                equations: ["-k*u_xx = sin(pi*x)"], boundary: [BoundaryConditionText(.dirichlet)],
                                                observations: [FieldObservations(points: [0.5], values: [0.1])])
        let setup: PINNSetup<Double> = try ProblemPINN(problem: problem).makeSetup(options: PINNProblemOptions(domainPoints: 32))
        let pde = setup.terms[0]
        let compiled = pde.residual(setup.model, pde.points).value.scalars
        let u = setup.model.derivatives(at: pde.points)
        let x = pde.points.scalars
        let hand = zip(u.second(0).value.scalars, x).map { -0.7 * $0 - sin(Double.pi * $1) }
        #expect(zip(compiled, hand).map { abs($0 - $1) }.maxOrNaN() ?? .nan < 1e-12)
        #expect(setup.terms.map(\.name).contains("data"))
        // The parameter is trained: it is among the model's parameters.
        #expect(setup.model.scalarParameter("k") != nil)
    }

    /// Robin data on a disk, α u + β ∂u/∂n = g, against central differences of the network along
    /// the outward normal (x/|x|).
    @Test func robinTermMatchesFiniteDifferencesAlongTheNormal() throws {
        let problem = try PDEProblemDescription(domain: .ball(center: [0, 0], radius: 1, name: nil), equations: ["-lap(u) = 1"],
                                                boundary: [BoundaryConditionText(.robin, value: "x*y", alpha: "2", beta: "0.5")])
        let setup: PINNSetup<Double> = try ProblemPINN(problem: problem).makeSetup(options: PINNProblemOptions(domainPoints: 16, boundaryPoints: 12))
        let robin = try #require(setup.terms.first { $0.name == "robin" })
        let residual = robin.residual(setup.model, robin.points).value.scalars
        let points = robin.points.scalars
        var worst = 0.0
        for n in 0..<(points.count / 2) {
            let (x, y) = (points[2 * n], points[2 * n + 1])
            #expect(abs(x * x + y * y - 1) < 1e-12)
            let h = 1e-5
            let probe = Tensor<Double>(uncheckedShape: [3, 2], scalars: [x, y, x * (1 + h), y * (1 + h), x * (1 - h), y * (1 - h)])
            let values = setup.model.predict(probe).scalars
            let expected = 2 * values[0] + 0.5 * (values[1] - values[2]) / (2 * h) - x * y
            worst = maxOrNaN(worst, abs(residual[n] - expected))
        }
        #expect(worst < 1e-7)
    }

    /// A mixed derivative is refused at compile time (the Taylor-jet path has none).
    @Test func mixedDerivativeIsAnError() throws {
        let problem = try PDEProblemDescription(domain: .box(lower: [0, 0], upper: [1, 1], name: nil), equations: ["u_xy = 0"],
                                                boundary: [BoundaryConditionText(.dirichlet)])
        #expect(throws: ProblemError.self) { let _: PINNSetup<Double> = try ProblemPINN(problem: problem).makeSetup(options: PINNProblemOptions()) }
    }

    /// An empty domain (a box minus a larger box) fails with a typed error after a bounded draw,
    /// instead of growing the candidate draw ×4 for 12 rounds (tens of gigabytes).
    @Test func emptyDomainFailsWithoutAHugeDraw() throws {
        let empty = ProblemGeometry.difference(.box(lower: [0, 0], upper: [1, 1], name: nil), .box(lower: [-1, -1], upper: [2, 2], name: nil))
        let problem = try PDEProblemDescription(domain: empty, equations: ["u_xx + u_yy = 1"], boundary: [BoundaryConditionText(.dirichlet)])
        do {
            let _: PINNSetup<Double> = try ProblemPINN(problem: problem).makeSetup(options: PINNProblemOptions(domainPoints: 1000))
            Issue.record("an empty domain was sampled")
        } catch let error as ProblemError {
            #expect(error.kind == .invalidValue && error.message.contains("empty or too thin"), "\(error)")
        }
    }

    /// Boundary pieces with infinite measure (a 10²⁰⁰-wide box, built in Swift past the file's check)
    /// get their point shares without a trapping Double → Int conversion: one point per face.
    @Test func infiniteBoundaryMeasuresDoNotTrap() throws {
        let huge = ProblemGeometry.difference(.box(lower: [0, 0, 0], upper: [1e200, 1e200, 1e200], name: nil),
                                              .ball(center: [-10, -10, -10], radius: 1, name: nil))
        #expect(!huge.hasFiniteMeasures)
        let problem = try PDEProblemDescription(domain: huge, equations: ["u_xx = 0"], boundary: [BoundaryConditionText(.dirichlet)])
        let setup: PINNSetup<Double> = try ProblemPINN(problem: problem).makeSetup(options: PINNProblemOptions(domainPoints: 16, boundaryPoints: 12))
        let pde = setup.terms[0].points.scalars
        // 16 interior points and the six faces' one point each (the ball lies outside the box: no points).
        #expect(pde.count == (16 + 6) * 3)
        #expect(pde.allSatisfy { $0.isFinite })
    }

    /// Grid sizes are overflow-checked and checked against memory before a grid is built.
    @Test func gridNodeCountIsChecked() throws {
        let cube = Box(lower: [0, 0, 0], upper: [1, 1, 1])
        #expect(try cube.gridNodeCount(counts: [3, 4, 5]) == 60)
        #expect(cube.grid(counts: [3, 4, 5]).count == 60 * 3)
        for counts in [[1 << 30, 1 << 30, 1 << 30], [100_000, 100_000, 100_000]] {
            do {
                _ = try cube.gridNodeCount(counts: counts)
                Issue.record("\(counts) accepted")
            } catch {
                #expect("\(error)".contains("evaluation grid"), "\(error)")
            }
        }
    }
}
