import Foundation
import TensorCore

/// `pdekit pinn schrodinger`: the ground state, then excited states by orthogonality to the states found,
/// each trained and checkpointed on its own (`DIR/training/state<k>`).
extension PINNRun {
    func runSchrodinger<Scalar: TensorScalar>(_: Scalar.Type, log: PINNRunLog) throws {
        let c = configuration
        let well: QuantumWellPotential
        switch c.potential {
        case .infiniteWell: well = .infiniteWell
        case .finiteWell: well = .finiteWell(depth: c.depthV0, width: c.wellWidth, halfDomain: c.halfDomain)
        case .finiteBarrier: well = .finiteBarrier(height: c.depthV0, width: c.wellWidth)
        }
        var found: [[Double]] = []
        var stateSummaries: [[String: Any]] = []
        var lastReport: PINNTrainer<Scalar>.Report? = nil
        var parameterCount = 0
        for k in 0..<c.states {
            let probe = SchrodingerProblem(potential: well, energy: .fixed(0), previousStates: found)
            let reference = try probe.reference()
            let guess = c.energyGuess ?? 0.8 * reference.energy
            let mode: SchrodingerProblem.Energy = c.energy == .fixed ? .fixed(reference.energy) : .learned(initialGuess: guess)
            let problem = SchrodingerProblem(potential: well, energy: mode, previousStates: found, normalizationWeight: c.normalizationWeight,
                                             orthogonalityWeight: c.orthogonalityWeight ?? Swift.max(100, 2 * guess * guess),
                                             exactNormalization: c.normalization == .exact, edgePoints: c.edgePoints,
                                             energyConsistencyWeight: c.energyConsistencyWeight)
            var stateOptions = c.problemOptions
            stateOptions.seed = c.seed &+ UInt64(k)
            let setup = problem.makeSetup(options: stateOptions, as: Scalar.self)
            let report = try train(setup, log: log, label: "schrodinger state \(k)", checkpointDirectory: "training/state\(k)")
            lastReport = report
            parameterCount = setup.model.parameterCount
            let psi = problem.normalizedState(setup)
            let e = problem.energy(of: setup.model)
            let rayleigh = problem.rayleighEnergy(of: setup.model)
            let stateError = SchrodingerProblem.stateError(psi, reference.state)
            guard e.isFinite, rayleigh.isFinite, stateError.isFinite else {
                throw PINNRunError(description: "schrodinger state \(k): non-finite result (E = \(e), ψ error \(stateError))")
            }
            var entry: [String: Any] = [
                "state": k, "energy": e, "energy_learned": c.energy == .learned, "reference_energy": reference.energy,
                "reference": well == .infiniteWell ? "exact n²π²" : "finite differences (LAPACK dstevr, 6005 interior nodes)",
                "energy_relative_error": abs(e - reference.energy) / abs(reference.energy), "state_relative_l2_error": stateError,
                "final_loss": report.finalLoss, "wall_seconds": report.wallSeconds, "cpu_seconds": lastCPUSeconds,
                "rayleigh_energy": rayleigh, "rayleigh_energy_error": abs(rayleigh - reference.energy),
                "energy_error": abs(e - reference.energy),
            ]
            if let exact = well.exactEnergy(state: k) { entry["closed_form_energy"] = exact }
            stateSummaries.append(entry)
            found.append(psi)
            try log.writeSolution(axes: ["x"], points: problem.evaluationNodes, prediction: psi, reference: reference.state,
                                  fileName: "solution-state\(k).csv")
            if c.plots {
                try log.writePlots(name: "state\(k)", grid: [psi.count], points: problem.evaluationNodes, prediction: psi,
                                   reference: stateError == PINNMetrics.relativeL2(psi, reference.state) ? reference.state : reference.state.map { -$0 })
            }
            emit(String(format: "state %ld: E = %.8f (reference %.8f, error %.2e, relative %.2e), Rayleigh quotient %.8f, ψ relative L2 error %.2e, %.2f s",
                        k, e, reference.energy, abs(e - reference.energy), abs(e - reference.energy) / abs(reference.energy), rayleigh,
                        stateError, report.wallSeconds))
        }
        var summary = baseSummary(name: "schrodinger", report: lastReport!, parameterCount: parameterCount)
        summary["potential"] = c.potential.rawValue
        summary["energy_mode"] = c.energy.rawValue
        summary["normalization"] = c.normalization.rawValue
        summary["states"] = stateSummaries
        try log.writeSummary(summary)
    }
}
