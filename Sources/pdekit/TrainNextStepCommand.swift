import ArgumentParser
import Foundation
import PDEKit

extension FNOTrainingRun.Task: ExpressibleByArgument {}
extension TrajectoryLayout: ExpressibleByArgument {}
extension ScalarInputs: ExpressibleByArgument {}

/// The flags of `pdekit train fno --task next-step` (and `--task space-time`); ``FNOTrainingRun`` runs them.
struct NextStepOptions: ParsableArguments {
    @Option(help: "With --task next-step: states given to the model (the FNO paper's T_in).") var history: Int = 10
    @Option(help: "With --task next-step: array of trajectories.") var trajectoryKey: String = "sol"
    @Option(help: "With --task next-step: time axis of the trajectory array: \(TrajectoryLayout.allCases.map(\.rawValue).joined(separator: ", ")) (pdekit generate navier-stokes: time-last).")
    var timeAxis: TrajectoryLayout = .timeLast
    @Option(help: "With --task next-step: pushforward steps (the model advances the window this many times without a gradient before the trained step; 0: teacher forcing).")
    var pushforward: Int = 0
    @Option(help: "With --task next-step: the collection's scalars (The Well's scalars/): \(ScalarInputs.allCases.map(\.rawValue).joined(separator: ", ")) (broadcast: one input channel each, its value at the window's last step).")
    var scalarInputs: ScalarInputs = .none
}
