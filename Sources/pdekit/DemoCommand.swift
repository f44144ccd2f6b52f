import ArgumentParser
import Foundation
import PDEKit

/// `pdekit demo`: a one-minute tour of the numerical core that prints what it did (``CoreDemo``).
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a small MLP to sin(x) and check an FFT round trip (a smoke test of the core).")

    @Option(help: "Adam steps for the MLP fit.")
    var steps: Int = 1500

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Option(help: "Folder for the demo's plots (fit.png, loss.png).")
    var output: String = "runs/demo"

    var demo: CoreDemo { CoreDemo(steps: steps, seed: seed, output: output) }

    func validate() throws { try validatingFlags(demo.validate) }
    func run() throws { try demo.run { print($0) } }
}
