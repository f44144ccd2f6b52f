import Foundation
import Testing
import TensorCore
import AutoDiff
import PhysicsInformed

@Suite struct PoissonTests {
    @Test func poisson1DTrainsTowardTheExactSolution() throws {
        let problem = Poisson1DProblem()
        let options = PINNProblemOptions(network: .init(hiddenWidths: [20, 20, 20]), constraints: .hard, seed: 1)
        let setup = problem.makeSetup(options: options, as: Double.self)
        let initial = setup.relativeL2Error()!
        let start = Date()
        let trainer = PINNTrainer(model: setup.model, terms: setup.terms,
                                  configuration: .init(adamIterations: 500, learningRate: 1e-3, lbfgsIterations: 200))
        let report = try trainer.train()
        let error = setup.relativeL2Error()!
        print("poisson1D: initial \(initial) final \(error) loss \(report.finalLoss) lbfgs \(report.lbfgsIterations) in \(Date().timeIntervalSince(start)) s")
        #expect(error < 1e-2)
    }
}

@Suite struct ForwardProblemTests {
    /// 2-D Poisson with hard constraints, a short run in Float32: the error drops well below the start.
    @Test func poisson2DInFloat32() throws {
        let options = PINNProblemOptions(network: .init(hiddenWidths: [16, 16]), constraints: .hard, sampling: .sobol,
                                         domainPoints: 128, seed: 2)
        let setup = Poisson2DProblem().makeSetup(options: options, as: Float.self)
        let initial = setup.relativeL2Error()!
        try PINNTrainer(model: setup.model, terms: setup.terms,
                    configuration: .init(adamIterations: 400, learningRate: 5e-3, lbfgsIterations: 100)).train()
        let error = setup.relativeL2Error()!
        #expect(error < 0.05 && error < initial / 10, "error \(error), initial \(initial)")
    }

    /// Burgers' hard trial function meets u(x, 0) = −sin(πx) and u(±1, t) = 0 exactly, and its
    /// residual is that of the PDE: for u = −sin(πx) at t = 0, r = u u_x − ν u_xx + u_t.
    @Test func burgersTrialFunctionAndResidual() {
        let options = PINNProblemOptions(network: .init(hiddenWidths: [8, 8]), constraints: .hard, domainPoints: 16, seed: 3)
        let setup = BurgersProblem().makeSetup(options: options, as: Double.self)
        let xs: [Double] = [-1, -0.3, 0.2, 0.9, 1]
        let initial = setup.model.predict(.points(xs.flatMap { [$0, 0] }, dimension: 2)).scalars
        for (x, u) in zip(xs, initial) { #expect(abs(u + sin(Double.pi * x)) < 1e-12) }
        let walls = setup.model.predict(.points([-1, 0.4, 1, 0.7], dimension: 2)).scalars
        #expect(walls.allSatisfy { abs($0) < 1e-12 })
        // At t = 0: u = −sin πx, u_x = −π cos πx, u_xx = π² sin πx; u_t = (1 − x²) N(x, 0).
        let points = Tensor<Double>.points([0.3, 0, -0.6, 0], dimension: 2)
        let u = setup.model.derivatives(at: points)
        let residual = setup.terms[0].residual(setup.model, points).value.scalars
        let network = setup.model.network.inference(points)   // no embedding configured
        for (p, x) in [0.3, -0.6].enumerated() {
            let nu = 0.01 / Double.pi
            let expected = (1 - x * x) * network.scalars[p] + sin(Double.pi * x) * Double.pi * cos(Double.pi * x)
                - nu * Double.pi * Double.pi * sin(Double.pi * x)
            #expect(abs(residual[p] - expected) < 1e-10)
            #expect(abs(u.second(0).value.scalars[p] - Double.pi * Double.pi * sin(Double.pi * x)) < 1e-10)
        }
    }
}
