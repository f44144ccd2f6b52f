import Foundation
import Testing
import TensorCore
import AutoDiff
import PhysicsInformed

/// A NaN or infinite PINN loss stops training with `nonFiniteLoss`, never a normal report.
@Suite struct PINNTrainerNonFiniteTests {
    final class Counter: @unchecked Sendable { var calls = 0 }

    /// A 1-D Poisson setup whose PDE residual is multiplied by `factor(call)` (NaN from some call on).
    func setup(factor: @escaping (Int) -> Double) -> (PINNModel<Double>, [PINNLossTerm<Double>]) {
        let base = Poisson1DProblem().makeSetup(options: PINNProblemOptions(network: .init(hiddenWidths: [8, 8]), constraints: .hard,
                                                                            domainPoints: 16, seed: 4), as: Double.self)
        let counter = Counter()
        let pde = base.terms[0]
        let term = PINNLossTerm<Double>(name: "pde", weight: pde.weight, points: pde.points) { model, x in
            counter.calls += 1
            return pde.residual(model, x) * factor(counter.calls)
        }
        return (base.model, [term] + base.terms.dropFirst())
    }

    func parametersAreFinite(_ model: PINNModel<Double>) -> Bool {
        model.parameters.allSatisfy { $0.value.scalars.allSatisfy { $0.isFinite } }
    }

    @Test func nanDuringAdamStopsAtThatStep() throws {
        let (model, terms) = setup { $0 >= 6 ? .nan : 1 }
        let report = try PINNTrainer(model: model, terms: terms,
                                 configuration: .init(adamIterations: 50, learningRate: 1e-3, lbfgsIterations: 20, logEvery: 1)).train()
        #expect(report.stop == .nonFiniteLoss(stage: .adam, step: 6), "\(report.stop)")
        #expect(report.adamIterations == 5)
        #expect(report.lbfgsIterations == 0, "L-BFGS must not run after a non-finite Adam loss")
        #expect(parametersAreFinite(model), "Adam must not step with a NaN gradient")
        #expect(report.records.last.map { $0.loss.isNaN } == true)
    }

    @Test func hugeLearningRateStopsAsNonFinite() throws {
        // Adam moves every weight by about the learning rate per step: 1e300 overflows the loss.
        let (model, terms) = setup { _ in 1 }
        let report = try PINNTrainer(model: model, terms: terms,
                                 configuration: .init(adamIterations: 30, learningRate: 1e300, lbfgsIterations: 0)).train()
        guard case .nonFiniteLoss(.adam, let step) = report.stop else {
            Issue.record("expected a non-finite Adam loss, got \(report.stop) with loss \(report.finalLoss)"); return
        }
        #expect(step <= 30 && report.adamIterations == step - 1)
    }

    @Test func nanDuringLBFGSStopsAsNonFinite() throws {
        // Finite for the first L-BFGS evaluations, NaN from then on.
        let (model, terms) = setup { $0 >= 4 ? .nan : 1 }
        let report = try PINNTrainer(model: model, terms: terms,
                                 configuration: .init(adamIterations: 0, lbfgsIterations: 30, logEvery: 1)).train()
        guard case .nonFiniteLoss(.lbfgs, _) = report.stop else {
            Issue.record("expected a non-finite L-BFGS loss, got \(report.stop), outcome \(report.lbfgsOutcome ?? "none")"); return
        }
        #expect(report.lbfgsOutcome == "nonFinite")
        #expect(parametersAreFinite(model), "L-BFGS must leave the last finite point")
    }

    @Test func aFiniteRunCompletes() throws {
        let (model, terms) = setup { _ in 1 }
        let report = try PINNTrainer(model: model, terms: terms,
                                 configuration: .init(adamIterations: 20, learningRate: 1e-3, lbfgsIterations: 5)).train()
        #expect(report.stop == .completed)
        #expect(report.adamIterations == 20 && report.finalLoss.isFinite)
    }
}
