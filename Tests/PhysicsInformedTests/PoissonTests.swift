import Foundation
import Testing
import TensorCore
import AutoDiff
import PhysicsInformed

@Suite struct PoissonTests {
    @Test func poisson1DTrainsTowardTheExactSolution() {
        let problem = Poisson1DProblem()
        let options = PINNProblemOptions(network: .init(hiddenWidths: [20, 20, 20]), constraints: .hard, seed: 1)
        let setup = problem.makeSetup(options: options, as: Double.self)
        let initial = setup.relativeL2Error()!
        let start = Date()
        let trainer = PINNTrainer(model: setup.model, terms: setup.terms,
                                  configuration: .init(adamIterations: 500, learningRate: 1e-3, lbfgsIterations: 200))
        let report = trainer.train()
        let error = setup.relativeL2Error()!
        print("poisson1D: initial \(initial) final \(error) loss \(report.finalLoss) lbfgs \(report.lbfgsIterations) in \(Date().timeIntervalSince(start)) s")
        #expect(error < 1e-2)
    }
}
