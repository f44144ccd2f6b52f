import ArgumentParser
import Foundation
import PDEKit

/// How `evaluate` computes its errors.
enum MetricConvention: String, ExpressibleByArgument, CaseIterable { case pdekit, neuraloperator }

/// `pdekit evaluate RUN --data FILE`: test errors of a trained operator, with plots.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a trained neural operator: relative L2 and H1 errors, and PNG plots.",
        discussion: """
            RUN is a directory written by `pdekit train` (best.safetensors, the epoch with the lowest validation error, is used; else checkpoint.safetensors) \
            or a checkpoint file. --resolution Kx evaluates on the data subsampled to K times the training grid \
            (zero-shot super-resolution for K > 1); the data's grid must be at least that fine.
            """)

    @Argument(help: "Run directory or checkpoint file.") var runDirectory: String
    @Option(help: "Data file.") var data: String
    @Option(help: "Name of the input array.") var inputKey: String = "coeff"
    @Option(help: "Name of the target array.") var targetKey: String = "sol"
    @Option(help: "Samples to evaluate (the last ones of the file, in --sample-order).") var samples: Int = 100
    @Option(help: "Order of the file's samples: sampled (the drawing order recorded in sample_index by `pdekit generate`) or file (the stored order), as in `train`.")
    var sampleOrder: SampleOrder = .sampled
    @Option(help: "Evaluation grid relative to the training grid, e.g. 1x or 2x.") var resolution: String = "1x"
    @Option(help: "Where to write fields.png (default: the run directory).") var plots: String?
    @Flag(help: "Arrays are [samples, channels, grid…] (default: [samples, grid…]).") var channelsFirst = false
    @Option(help: ArgumentHelp("How the errors are computed: pdekit or neuraloperator.", discussion: """
        pdekit (default): PDEKit's relative L2 and H1 (Loss.relativeLp, Loss.relativeH1), averaged over samples.         neuraloperator: neuraloperator's LpLoss(d, p=2) and H1Loss(d) as its Trainer reports them (sum over samples         and channels of the per-field relative errors, H1 by periodic central differences with h = 1/n, eps 1e-8,         divided by the number of samples), so figures compare with papers that use neuraloperator.
        """)) var metricConvention: MetricConvention = .pdekit
    @Option(help: "Also write the predictions [samples, channels, grid…] to this .npy file.") var predictions: String?

    func run() throws {
        _ = channelsFirst   // the model's dimension decides; both layouts are accepted
        var evaluation = OperatorEvaluationRun(run: runDirectory, data: data)
        (evaluation.inputKey, evaluation.targetKey, evaluation.samples, evaluation.sampleOrder) = (inputKey, targetKey, samples, sampleOrder)
        (evaluation.resolution, evaluation.plots, evaluation.predictions) = (resolution, plots, predictions)
        evaluation.conventionName = metricConvention.rawValue
        if metricConvention == .neuraloperator { evaluation.convention = NeuraloperatorMetrics.errorConvention }
        let summary = try evaluation.execute()
        StatusLine.printLine(summary.line)
        try JSONLine.print(summary)
    }
}
