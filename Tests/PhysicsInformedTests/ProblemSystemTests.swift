import TestSupport
import Foundation
import Testing
import PDEs
import PhysicsInformed
import TensorCore
import AutoDiff

/// Systems of several fields in the problem PINN: one network with one output column per field.
@Suite struct ProblemSystemTests {
    /// A coupled linear reaction–diffusion pair on the unit square with zero Dirichlet data,
    /// manufactured from U = sin πx sin πy, V = sin 2πx sin πy (the right-hand sides are built from
    /// U and V by the resolver's symbolic derivatives).
    static let coupledPair = """
    {"domain": {"box": [[0, 0], [1, 1]]}, "fields": ["u", "v"],
     "coefficients": {"U": "sin(pi*x)*sin(pi*y)", "V": "sin(2*pi*x)*sin(pi*y)"},
     "equations": ["-lap(u) + u - v = -lap(U) + U - V", "-lap(v) + v + u = -lap(V) + V + U"],
     "boundary": [{"field": "u", "dirichlet": "0"}, {"field": "v", "dirichlet": "0"}],
     "exact": {"u": "U", "v": "V"}}
    """

    /// Per-field relative L2 errors of the trained model against U and V below 2e-2 (soft
    /// constraints, 2000 Adam + 2000 L-BFGS steps; at 1000 + 500 they were still 6.9e-2 and 5.0e-2).
    @Test func coupledReactionDiffusionPairConverges() throws {
        let problem = try ProblemFile.parse(text: Self.coupledPair)
        let options = PINNProblemOptions(network: .init(hiddenWidths: [24, 24, 24]), constraints: .soft, sampling: .sobol,
                                         domainPoints: 1000, boundaryPoints: 200, seed: 3)
        let setup: PINNSetup<Double> = try ProblemPINN(problem: problem).makeSetup(options: options)
        #expect(setup.model.outputCount == 2)
        #expect(Set(setup.terms.map(\.name)) == ["pde", "boundary.u", "boundary.v"])
        _ = try PINNTrainer(model: setup.model, terms: setup.terms, configuration: .init(adamIterations: 2000, learningRate: 2e-3, lbfgsIterations: 2000)).train()
        let prediction = setup.prediction()
        let exact = try #require(setup.reference)
        #expect(prediction.count == exact.count && prediction.count == 2 * (setup.evaluationPoints.count / 2))
        for field in 0..<2 {
            let p = stride(from: field, to: prediction.count, by: 2).map { prediction[$0] }
            let e = stride(from: field, to: exact.count, by: 2).map { exact[$0] }
            let error = PINNMetrics.relativeL2(p, e)
            #expect(error.isFinite && error < 2e-2, "field \(field): relative L2 \(error)")
        }
    }

    /// The system residual from the Taylor jets (one propagation, field columns sliced) equals the
    /// one from the tape (each field differentiated on its own), an independent differentiation.
    @Test func systemResidualMatchesTheTape() throws {
        let problem = try ProblemFile.parse(text: Self.coupledPair)
        let setup: PINNSetup<Double> = try ProblemPINN(problem: problem).makeSetup(
            options: PINNProblemOptions(network: .init(hiddenWidths: [8, 8]), domainPoints: 20, boundaryPoints: 8, seed: 1))
        let term = try #require(setup.terms.first { $0.name == "pde" })
        let withJets = term.residual(setup.model, term.points).value.scalars
        setup.model.usesTaylorJets = false
        let onTape = term.residual(setup.model, term.points).value.scalars
        #expect(withJets.count == 2 * term.points.shape[0])
        for (a, b) in zip(withJets, onTape) { #expect(abs(a - b) < 1e-9 * (1 + abs(b)), "\(a) vs \(b)") }
        // Hard constraints and mixed derivatives are refused for systems.
        #expect(throws: ProblemError.self) {
            let _: PINNSetup<Double> = try ProblemPINN(problem: problem).makeSetup(options: PINNProblemOptions(constraints: .hard))
        }
    }
}
