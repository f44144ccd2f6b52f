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
    /// one from the tape (each field differentiated on its own), an independent differentiation;
    /// with mixed terms the jets' polarization meets the tape's ∂_y(∂_x u).
    @Test(arguments: [false, true])
    func systemResidualMatchesTheTape(withMixedTerms: Bool) throws {
        var text = Self.coupledPair
        if withMixedTerms {
            // u_xy and v_xy enter the equations (each field's own mixed derivative, from one shared jet pass).
            text = text.replacingOccurrences(of: "\"-lap(u) + u - v = ", with: "\"-lap(u) + u - v + 0.3*v_xy = ")
                .replacingOccurrences(of: "\"-lap(v) + v + u = ", with: "\"-lap(v) + v + u - u_xy*v_xy = ")
            #expect(text.contains("v_xy") && text.contains("u_xy"))
        }
        let problem = try ProblemFile.parse(text: text)
        let setup: PINNSetup<Double> = try ProblemPINN(problem: problem).makeSetup(
            options: PINNProblemOptions(network: .init(hiddenWidths: [8, 8]), domainPoints: 20, boundaryPoints: 8, seed: 1))
        let term = try #require(setup.terms.first { $0.name == "pde" })
        let withJets = term.residual(setup.model, term.points).value.scalars
        setup.model.usesTaylorJets = false
        let onTape = term.residual(setup.model, term.points).value.scalars
        #expect(withJets.count == 2 * term.points.shape[0])
        for (a, b) in zip(withJets, onTape) { #expect(abs(a - b) < 1e-9 * (1 + abs(b)), "\(a) vs \(b)") }
        // Hard constraints are refused for systems.
        #expect(throws: ProblemError.self) {
            let _: PINNSetup<Double> = try ProblemPINN(problem: problem).makeSetup(options: PINNProblemOptions(constraints: .hard))
        }
    }

    /// Residual-based refinement of a system: the added points are the candidates whose stacked
    /// residual (u's and v's equations) has the largest norm, each point's norm recomputed on its own
    /// (a one-point evaluation gives its m residuals directly); redraw keeps the point count.
    @Test func systemsAreResampledByTheNormOfTheStackedResidual() throws {
        let problem = try ProblemFile.parse(text: Self.coupledPair)
        let setup: PINNSetup<Double> = try ProblemPINN(problem: problem).makeSetup(
            options: PINNProblemOptions(network: .init(hiddenWidths: [8, 8]), domainPoints: 30, boundaryPoints: 8, seed: 2))
        let k = try #require(setup.terms.firstIndex { $0.name == "pde" })
        let sampler = try #require(setup.terms[k].sampler)
        let (candidates, added) = (40, 6)
        // The candidates the rule will draw: the same sampler and generator state.
        var probe = SeededRandomNumberGenerator(seed: 17)
        let drawn = sampler(candidates, &probe)
        func norm(_ point: ArraySlice<Double>) -> Double {
            let r = setup.terms[k].residual(setup.model, Tensor(uncheckedShape: [1, 2], scalars: Array(point))).value.scalars
            #expect(r.count == 2)
            return (r[0] * r[0] + r[1] * r[1]).squareRoot()
        }
        let norms = (0..<candidates).map { norm(drawn[(2 * $0)..<(2 * $0 + 2)]) }
        #expect(norms.allSatisfy { $0.isFinite })
        var terms = setup.terms
        var generator = SeededRandomNumberGenerator(seed: 17)
        let before = terms[k].points.shape[0]
        #expect(CollocationResampling.residualRefinement(period: 1, candidates: candidates, added: added)
            .apply(step: 1, terms: &terms, model: setup.model, generator: &generator))
        #expect(terms[k].points.shape[0] == before + added)
        let appended = Array(terms[k].points.scalars.suffix(2 * added))
        let threshold = norms.sorted(by: >)[added - 1]
        for n in 0..<added {
            let point = appended[(2 * n)..<(2 * n + 2)]
            let index = try #require((0..<candidates).first { drawn[2 * $0] == point.first! && drawn[2 * $0 + 1] == point.last! })
            #expect(norms[index] >= threshold * (1 - 1e-12), "added point \(n): norm \(norms[index]) below the \(added)th largest \(threshold)")
        }
        var redrawn = setup.terms
        #expect(CollocationResampling.redraw(period: 1).apply(step: 1, terms: &redrawn, model: setup.model, generator: &generator))
        #expect(redrawn[k].points.shape[0] == setup.terms[k].points.shape[0])
        #expect(redrawn[k].points.scalars != setup.terms[k].points.scalars)
    }
}
