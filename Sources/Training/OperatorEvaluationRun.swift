import Foundation
import TensorCore
import Datasets

/// A whole `pdekit evaluate` run: the test errors of a trained operator on the last `samples` pairs of a
/// data file, at `resolutionFactor` times the training grid (zero-shot super-resolution for K > 1), with
/// fields.png (fields-Kx.png), loss.png from the run's metrics.jsonl, and optionally the predictions.
///
/// K times finer means K·n points on periodic grids and K·(n − 1) + 1 on grids that include both ends
/// (PDEKit's and FNO's Darcy data); the data may be finer still, and every s-th point is kept, with
/// s = n_data / n_wanted (periodic) or (n_data − 1) / (n_wanted − 1) (both ends).
public struct OperatorEvaluationRun {
    /// Recomputes (relative L2, relative H1) from predictions, targets and the number of grid axes
    /// (e.g. neuraloperator's LpLoss and H1Loss); nil keeps PDEKit's own errors.
    public typealias ErrorConvention = (_ predictions: Tensor<Float>, _ targets: Tensor<Float>, _ spatialDimensions: Int) -> (relativeL2: Double, relativeH1: Double)

    /// Run directory (best.safetensors, else checkpoint.safetensors) or a checkpoint file.
    public var run: String
    public var data: String
    public var inputKey = "coeff", targetKey = "sol"
    public var samples = 100
    public var sampleOrder = SampleOrder.sampled
    /// The --resolution text as given ("1x", "2x"), parsed by ``resolutionFactor()``.
    public var resolution = "1x"
    /// Where fields.png goes (nil: the run directory, or the checkpoint's directory).
    public var plots: String?
    /// The name written in the summary for `convention`.
    public var conventionName = "pdekit"
    public var convention: ErrorConvention?
    /// A .npy file for the predictions [samples, channels, grid…].
    public var predictions: String?

    public init(run: String, data: String) {
        self.run = run
        self.data = data
    }

    /// The command's result line.
    public struct Summary: Codable, Sendable {
        public var run: String, samples: Int, grid: [Int], resolution: String
        public var relative_l2: Double, relative_h1: Double, metric_convention: String

        /// The human-readable line `pdekit evaluate` prints on stderr before the JSON line.
        public var line: String {
            String(format: "relative L2 %.5f   relative H1 %.5f   (%ld samples, grid %@)", relative_l2, relative_h1, samples,
                   grid.map(String.init).joined(separator: "x"))
        }
    }

    /// K of "Kx" (positive).
    public func resolutionFactor() throws -> Int {
        guard let factor = Int(resolution.lowercased().replacingOccurrences(of: "x", with: "")), factor > 0 else {
            throw OperatorRunError(description: "invalid --resolution '\(resolution)' (expected e.g. 1x or 2x)")
        }
        return factor
    }

    /// Evaluates, writes the plots (and predictions) and returns the summary.
    public func execute() throws -> Summary {
        let factor = try resolutionFactor()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: run, isDirectory: &isDirectory) else { throw OperatorRunError(description: "no such run: \(run)") }
        let runURL = URL(fileURLWithPath: run)
        var checkpoint = runURL
        if isDirectory.boolValue {
            checkpoint = runURL.appendingPathComponent("best.safetensors")
            if !FileManager.default.fileExists(atPath: checkpoint.path) { checkpoint = runURL.appendingPathComponent("checkpoint.safetensors") }
        }
        let (trained, _) = try TrainedModel.load(from: checkpoint)
        let d = trained.spatialDimensions
        // Datasets' data path: keys, sample order, channels first (by rank, for the model's d grid axes).
        let file = try FieldPairFile(path: data, inputKey: inputKey, targetKey: targetKey, layout: .grid(dimensions: d), order: sampleOrder)
        guard samples > 0 else { throw OperatorRunError(description: "--samples \(samples) must be at least 1") }
        guard file.count >= samples else {
            // Never widened silently: the file's first samples may be the ones the model was trained on.
            throw OperatorRunError(description: "\(data) has \(file.count) samples, fewer than --samples \(samples); "
                                   + "give --samples N, the number of held-out samples at the end of the file")
        }
        // The training grid, from the stored normalizer statistics (or the data grid without normalization).
        let dataGrid = file.grid
        let trainingGrid = trained.trainingGrid ?? dataGrid
        guard let stride = Self.stride(data: dataGrid, training: trainingGrid, factor: factor, periodic: false)
                ?? Self.stride(data: dataGrid, training: trainingGrid, factor: factor, periodic: true) else {
            throw OperatorRunError(description: "data grid \(dataGrid) cannot be subsampled to \(resolution) of the training grid \(trainingGrid)")
        }
        let pairs = try file.pairs((file.count - samples)..<file.count, stride: stride)
        var evaluation = try trained.evaluate(pairs)
        if let convention {
            (evaluation.relativeL2, evaluation.relativeH1) = convention(evaluation.predictions, pairs.targets, d)
        }
        guard evaluation.relativeL2.isFinite, evaluation.relativeH1.isFinite else {
            throw OperatorRunError(description: "non-finite errors on \(data): relative L2 \(evaluation.relativeL2), relative H1 \(evaluation.relativeH1) (the model or the data produce NaN or infinity)")
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
        return Summary(run: run, samples: samples, grid: Array(pairs.inputs.shape.dropFirst(2)), resolution: resolution,
                       relative_l2: evaluation.relativeL2, relative_h1: evaluation.relativeH1, metric_convention: conventionName)
    }

    /// The subsampling stride that turns the data grid into `factor` times the training grid, if one
    /// stride fits every axis (see the type's comment for periodic and both-ends grids).
    public static func stride(data dataGrid: [Int], training trainingGrid: [Int], factor: Int, periodic: Bool) -> Int? {
        let offset = periodic ? 0 : 1
        // A factor so large that the wanted grid overflows cannot fit any data grid: no stride.
        var wanted: [Int] = []
        for n in trainingGrid {
            let (product, overflow) = factor.multipliedReportingOverflow(by: periodic ? n : n - 1)
            guard !overflow, factor >= 1, product < Int.max else { return nil }
            wanted.append(periodic ? product : product + 1)
        }
        let candidates = zip(dataGrid, wanted).map { data, want -> Int in
            let (a, b) = (data - offset, want - offset)
            return b > 0 && a % b == 0 ? a / b : -1
        }
        return candidates.allSatisfy({ $0 >= 1 && $0 == candidates[0] }) ? candidates[0] : nil
    }
}
