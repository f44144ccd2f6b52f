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
        guard let factor = Int(resolution.lowercased().replacingOccurrences(of: "x", with: "")), factor > 0 else {
            throw OperatorCommandError(description: "invalid --resolution '\(resolution)' (expected e.g. 1x or 2x)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: runDirectory, isDirectory: &isDirectory) else { throw OperatorCommandError(description: "no such run: \(runDirectory)") }
        let runURL = URL(fileURLWithPath: runDirectory)
        var checkpoint = runURL
        if isDirectory.boolValue {
            checkpoint = runURL.appendingPathComponent("best.safetensors")
            if !FileManager.default.fileExists(atPath: checkpoint.path) { checkpoint = runURL.appendingPathComponent("checkpoint.safetensors") }
        }
        let (trained, _) = try TrainedModel.load(from: checkpoint)
        let d = trained.spatialDimensions
        _ = channelsFirst   // the model's dimension decides; both layouts are accepted
        // Datasets' data path: keys, --sample-order, channels first (by rank, for the model's d grid axes).
        let file = try FieldPairFile(path: data, inputKey: inputKey, targetKey: targetKey, layout: .grid(dimensions: d), order: sampleOrder)
        guard samples > 0, file.count >= samples else { throw OperatorCommandError(description: "\(data) has \(file.count) samples, fewer than --samples \(samples)") }
        // The training grid, from the stored normalizer statistics (or the data grid without normalization).
        let dataGrid = file.grid
        let trainingGrid = trained.trainingGrid ?? dataGrid
        // K times finer: K·n points on periodic grids, K·(n − 1) + 1 on grids that include both ends
        // (PDEKit's and FNO's Darcy data). The data may be finer still: every s-th point is kept,
        // s = n_data/n_wanted (periodic) or (n_data − 1)/(n_wanted − 1) (both ends).
        func stride(periodic: Bool) -> Int? {
            let offset = periodic ? 0 : 1
            let wanted = trainingGrid.map { periodic ? factor * $0 : factor * ($0 - 1) + 1 }
            let candidates = zip(dataGrid, wanted).map { data, want -> Int in
                let (a, b) = (data - offset, want - offset)
                return b > 0 && a % b == 0 ? a / b : -1
            }
            return candidates.allSatisfy({ $0 >= 1 && $0 == candidates[0] }) ? candidates[0] : nil
        }
        guard let stride = stride(periodic: false) ?? stride(periodic: true) else {
            throw OperatorCommandError(description: "data grid \(dataGrid) cannot be subsampled to \(resolution) of the training grid \(trainingGrid)")
        }
        let pairs = try file.pairs((file.count - samples)..<file.count, stride: stride)
        var evaluation = try trained.evaluate(pairs)
        if metricConvention == .neuraloperator {
            evaluation.relativeL2 = NeuraloperatorMetrics.lpLoss(evaluation.predictions, pairs.targets, spatialDimensions: d)
            evaluation.relativeH1 = NeuraloperatorMetrics.h1Loss(evaluation.predictions, pairs.targets, spatialDimensions: d)
        }
        guard evaluation.relativeL2.isFinite, evaluation.relativeH1.isFinite else {
            throw OperatorCommandError(description: "non-finite errors on \(data): relative L2 \(evaluation.relativeL2), relative H1 \(evaluation.relativeH1) (the model or the data produce NaN or infinity)")
        }
        if let predictions { try NPYFormat.write(NumericArray(evaluation.predictions), to: predictions) }
        let plotDirectory = plots.map { URL(fileURLWithPath: $0) } ?? (isDirectory.boolValue ? runURL : runURL.deletingLastPathComponent())
        try FileManager.default.createDirectory(at: plotDirectory, withIntermediateDirectories: true)
        let suffix = factor == 1 ? "" : "-\(factor)x"
        try OperatorPlots.writeFields(input: pairs.inputs, truth: pairs.targets, prediction: evaluation.predictions, sample: 0,
                                      to: plotDirectory.appendingPathComponent("fields\(suffix).png"))
        if isDirectory.boolValue, FileManager.default.fileExists(atPath: runURL.appendingPathComponent("metrics.jsonl").path) {
            try OperatorPlots.writeLossCurve(metrics: runURL.appendingPathComponent("metrics.jsonl"), to: plotDirectory.appendingPathComponent("loss.png"))
        }
        FileHandle.standardError.write(Data(String(format: "relative L2 %.5f   relative H1 %.5f   (%ld samples, grid %@)\n",
                                                   evaluation.relativeL2, evaluation.relativeH1, samples,
                                                   Array(pairs.inputs.shape.dropFirst(2)).map(String.init).joined(separator: "x")).utf8))
        emit(["run": runDirectory, "samples": samples, "grid": Array(pairs.inputs.shape.dropFirst(2)), "resolution": resolution,
              "relative_l2": evaluation.relativeL2, "relative_h1": evaluation.relativeH1, "metric_convention": metricConvention.rawValue])
    }
}
