import TestSupport
import Foundation
import Testing
import PDEs
import PhysicsInformed
import TensorCore
import AutoDiff

/// Hard Dirichlet constraints of problem descriptions (`u = A + D N`): the condition holds on the
/// boundary to rounding for an untrained network, on boxes (one formula, or one per face through the
/// transfinite lift, 2-D and 3-D) and disks with non-zero data, and in time (initial condition
/// too); a short run on a disk converges to the exact solution.
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

    /// A formula per face (2-D and 3-D boxes; the formulas are w restricted to each face, written
    /// differently, so they agree only where faces meet): u equals each face's own formula on that
    /// face for an untrained network, through the tape and through the jets.
    @Test(arguments: [
        #"{"domain": {"box": [[-1, 0], [2, 1]]}, "equation": "-lap(u) = -2*x", "boundary": [{"on": "xmin", "dirichlet": "1 - y^2"}, {"on": "xmax", "dirichlet": "1 + 2*y^2"}, {"on": "ymin", "dirichlet": "1"}, {"on": "ymax", "dirichlet": "1 + x"}]}"#,
        #"{"domain": {"box": [[0, 0, 0], [1, 2, 1]]}, "equation": "-lap(u) = 0", "boundary": [{"on": "xmin", "dirichlet": "cos(y) + y*z"}, {"on": "xmax", "dirichlet": "exp(1)*cos(y) + y*z"}, {"on": ["ymin", "zmin"], "dirichlet": "exp(x)*cos(y) + y*z"}, {"on": "ymax", "dirichlet": "exp(x)*cos(2) + 2*z"}, {"on": "zmax", "dirichlet": "exp(x)*cos(y) + y"}]}"#,
    ])
    func perFaceDirichletDataHoldExactly(text: String) throws {
        let problem = try ProblemFile.parse(text: text)
        let pinn = try ProblemPINN(problem: problem)
        #expect(pinn.supportsHardConstraints)
        let setup: PINNSetup<Double> = try pinn.makeSetup(options: PINNProblemOptions(network: .init(hiddenWidths: [10, 10]), constraints: .hard, seed: 6))
        #expect(!setup.terms.contains { $0.name == "boundary" })
        let d = problem.spatialDimension
        var generator = SeededRandomNumberGenerator(seed: 4)
        var checked = 0
        for piece in problem.geometry.boundaryPieces(coordinateNames: problem.coordinateNames) {
            let points = piece.points(count: 12) { n, k in (0..<(n * k)).map { _ in Double.random(in: 0..<1, using: &generator) } }
            let condition = try #require(problem.boundaryConditions.first { $0.applies(toPiece: piece.name, at: Array(points.prefix(d))) })
            guard case .dirichlet(let g) = condition.kind else { Issue.record("not Dirichlet"); continue }
            let x = Tensor<Double>(uncheckedShape: [points.count / d, d], scalars: points)
            let throughTape = setup.model.predict(x).scalars, throughJets = setup.model.values(at: x).value.scalars
            for n in 0..<(points.count / d) {
                let target = g.evaluate(coordinates: Array(points[(n * d)..<((n + 1) * d)]))
                for u in [throughTape[n], throughJets[n]] {
                    #expect(abs(u - target) <= 1e-12 * (1 + abs(target)), "\(piece.name) point \(n): u \(u), g \(target)")
                }
                checked += 1
            }
        }
        #expect(checked == 12 * 2 * d)
    }

    /// Time: heat on a box with u = 0 on the sides and u(x, y, 0) = sin πx sin πy, hard: u = u₀ at
    /// t = 0 and u = 0 on the sides for an untrained network, no boundary or initial loss terms.
    @Test func initialAndBoundaryDataHoldExactlyInTime() throws {
        let text = #"{"domain": {"box": [[0, 0], [1, 1]]}, "time": [0, 1], "equation": "u_t - 0.1*lap(u) = 0", "boundary": [{"dirichlet": "0"}], "initial": {"u": "sin(pi*x)*sin(pi*y)"}}"#
        let problem = try ProblemFile.parse(text: text)
        let pinn = try ProblemPINN(problem: problem)
        #expect(pinn.supportsHardConstraints)
        let setup: PINNSetup<Double> = try pinn.makeSetup(options: PINNProblemOptions(network: .init(hiddenWidths: [10, 10]), constraints: .hard, seed: 3))
        #expect(setup.terms.map(\.name) == ["pde"])
        var generator = SeededRandomNumberGenerator(seed: 8)
        let u0 = try #require(problem.initialConditions.first?.value)
        var initial: [Double] = [], sides: [Double] = []
        for _ in 0..<20 {
            let (a, b) = (Double.random(in: 0..<1, using: &generator), Double.random(in: 0..<1, using: &generator))
            initial += [a, b, 0]
            sides += [[0, a, b], [1, a, b], [a, 0, b], [a, 1, b]][Int.random(in: 0..<4, using: &generator)]
        }
        let atStart = setup.model.predict(Tensor(uncheckedShape: [20, 3], scalars: initial)).scalars
        let onSides = setup.model.values(at: Tensor(uncheckedShape: [20, 3], scalars: sides)).value.scalars
        for n in 0..<20 {
            let target = u0.evaluate(coordinates: Array(initial[(3 * n)..<(3 * n + 3)]))
            #expect(abs(atStart[n] - target) <= 1e-12, "t = 0, point \(n): \(atStart[n]) vs \(target)")
            #expect(abs(onSides[n]) <= 1e-12, "side point \(n): \(onSides[n])")
        }
        // Inside, the network is free (not pinned to u₀).
        let inside = setup.model.predict(Tensor(uncheckedShape: [1, 3], scalars: [0.3, 0.6, 0.5])).scalars[0]
        #expect(abs(inside - u0.evaluate(coordinates: [0.3, 0.6, 0.5])) > 1e-6)
    }

    /// A predicate, a polygon, a Neumann face or a periodic axis: hard constraints are refused.
    @Test func unsupportedConditionsAreRefused() throws {
        for text in [
            #"{"domain": {"box": [[0, 0], [1, 1]]}, "equation": "-lap(u) = 1", "boundary": [{"where": "x < 0.5", "dirichlet": "1"}, {"dirichlet": "0"}]}"#,
            #"{"domain": {"box": [[0, 0], [1, 1]]}, "equation": "-lap(u) = 1", "boundary": [{"periodic": "x"}, {"dirichlet": "0"}]}"#,
            #"{"domain": {"polygon": [[0, 0], [1, 0], [0, 1]]}, "equation": "-lap(u) = 1", "boundary": [{"dirichlet": "0"}]}"#,
            #"{"domain": {"box": [[0, 0], [1, 1]]}, "equation": "-lap(u) = 1", "boundary": [{"on": "xmin", "neumann": "0"}, {"on": ["xmax", "ymin", "ymax"], "dirichlet": "0"}]}"#,
        ] {
            let pinn = try ProblemPINN(problem: ProblemFile.parse(text: text))
            #expect(!pinn.supportsHardConstraints)
            #expect(throws: ProblemError.self) { let _: PINNSetup<Double> = try pinn.makeSetup(options: PINNProblemOptions(constraints: .hard)) }
        }
    }
}
