import TestSupport
import Foundation
import Testing
import PDEs
import PhysicsInformed
import TensorCore
import AutoDiff

/// Hard Dirichlet constraints of problem descriptions (`u = g + D N`): the condition holds on the
/// boundary to rounding for an untrained network, on boxes and disks with non-zero data, and a
/// short run on a disk converges to the exact solution.
@Suite struct ProblemHardConstraintTests {
    static let boxProblem = """
    {"domain": {"box": [[-1, 0], [2, 1]]}, "equation": "-lap(u) = -2*x", "boundary": [{"dirichlet": "1 + x*y^2"}],
     "exact": {"u": "1 + x*y^2"}}
    """
    static let diskProblem = """
    {"domain": {"disk": {"center": [0.5, -0.2], "radius": 1.5}}, "equation": "-lap(u) = 0",
     "boundary": [{"dirichlet": "exp(x)*sin(y)"}], "exact": {"u": "exp(x)*sin(y)"}}
    """

    /// Points on the boundary: the four faces of the box, or the circle.
    func boundaryPoints(_ problem: PDEProblemDescription) -> [Double] {
        var generator = SeededRandomNumberGenerator(seed: 9)
        return problem.geometry.boundaryPieces(coordinateNames: problem.coordinateNames).flatMap { piece in
            piece.points(count: 16) { n, k in (0..<(n * k)).map { _ in Double.random(in: 0..<1, using: &generator) } }
        }
    }

    @Test(arguments: [boxProblem, diskProblem])
    func dirichletDataHoldExactlyOnTheBoundary(text: String) throws {
        let problem = try ProblemFile.parse(text: text)
        let pinn = try ProblemPINN(problem: problem)
        #expect(pinn.supportsHardConstraints)
        let setup: PINNSetup<Double> = try pinn.makeSetup(options: PINNProblemOptions(network: .init(hiddenWidths: [10, 10]), constraints: .hard, seed: 5))
        #expect(!setup.terms.contains { $0.name == "boundary" })
        let points = boundaryPoints(problem)
        let x = Tensor<Double>(uncheckedShape: [points.count / 2, 2], scalars: points)
        let g = try #require(problem.boundaryConditions.first.flatMap { c -> SymbolicExpression? in
            if case .dirichlet(let g) = c.kind { return g } else { return nil }
        })
        let throughTape = setup.model.predict(x).scalars
        let throughJets = setup.model.values(at: x).value.scalars
        // The network alone is far from g: the constraint, not luck, makes u = g.
        let interior = setup.model.predict(Tensor(uncheckedShape: [1, 2], scalars: [0.4, 0.3])).scalars[0]
        #expect(abs(interior - g.evaluate(coordinates: [0.4, 0.3])) > 1e-6)
        for n in 0..<(points.count / 2) {
            let target = g.evaluate(coordinates: [points[2 * n], points[2 * n + 1]])
            for u in [throughTape[n], throughJets[n]] {
                #expect(abs(u - target) <= 1e-12 * (1 + abs(target)), "point \(n): u \(u), g \(target)")
            }
        }
    }

    /// Harmonic u = eˣ sin y on a disk, hard constraints: 300 Adam + 200 L-BFGS steps get below 1e-2.
    @Test func diskProblemConverges() throws {
        let problem = try ProblemFile.parse(text: Self.diskProblem)
        let options = PINNProblemOptions(network: .init(hiddenWidths: [20, 20]), constraints: .hard, sampling: .sobol, domainPoints: 300, seed: 2)
        let setup: PINNSetup<Double> = try ProblemPINN(problem: problem).makeSetup(options: options)
        _ = try PINNTrainer(model: setup.model, terms: setup.terms, configuration: .init(adamIterations: 300, learningRate: 5e-3, lbfgsIterations: 200)).train()
        let error = try #require(setup.relativeL2Error())
        #expect(error.isFinite && error < 1e-2, "error \(error)")
    }

    /// Different formulas on different faces, a predicate, or a polygon: hard constraints are refused.
    @Test func unsupportedConditionsAreRefused() throws {
        for text in [
            #"{"domain": {"box": [[0, 0], [1, 1]]}, "equation": "-lap(u) = 1", "boundary": [{"on": "xmin", "dirichlet": "1"}, {"on": ["xmax", "ymin", "ymax"], "dirichlet": "0"}]}"#,
            #"{"domain": {"polygon": [[0, 0], [1, 0], [0, 1]]}, "equation": "-lap(u) = 1", "boundary": [{"dirichlet": "0"}]}"#,
            #"{"domain": {"box": [[0, 0], [1, 1]]}, "equation": "-lap(u) = 1", "boundary": [{"on": "xmin", "neumann": "0"}, {"on": ["xmax", "ymin", "ymax"], "dirichlet": "0"}]}"#,
        ] {
            let pinn = try ProblemPINN(problem: ProblemFile.parse(text: text))
            #expect(!pinn.supportsHardConstraints)
            #expect(throws: ProblemError.self) { let _: PINNSetup<Double> = try pinn.makeSetup(options: PINNProblemOptions(constraints: .hard)) }
        }
    }
}
