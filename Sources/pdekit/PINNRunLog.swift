import ArgumentParser
import Foundation
import PDEKit

extension ConstraintMode: ExpressibleByArgument {}

/// Output files of `pdekit pinn`: the JSONL loss log, the summary, solution CSVs and PNG plots.
/// Every file is written atomically (RunSupport's `AtomicFile`).
final class PINNRunLog {
    let directory: URL
    private var lines: [String] = []

    init(directory: URL) { self.directory = directory }

    func append<Scalar>(_ record: PINNTrainer<Scalar>.Record, label: String, extra: [String: Double] = [:]) {
        let terms = record.termLosses.keys.sorted().map { "\"\($0)\": \(json($0 == "" ? 0 : record.termLosses[$0]!))" }.joined(separator: ", ")
        let extras = extra.keys.sorted().map { ", \"\($0)\": \(json(extra[$0]!))" }.joined()
        lines.append("{\"run\": \"\(label)\", \"stage\": \"\(record.stage.rawValue)\", \"step\": \(record.step), "
                     + "\"loss\": \(json(record.loss)), \"terms\": {\(terms)}, \"elapsed_seconds\": \(json(record.elapsedSeconds))\(extras)}")
        try? write(lines.joined(separator: "\n") + "\n", to: "loss.jsonl")
        losses.append((label, record.stage == .adam ? record.step : -record.step, record.loss))
    }
    private var losses: [(String, Int, Double)] = []

    private func json(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }

    func write(_ text: String, to name: String) throws {
        do { try AtomicFile.write(text, to: directory.appendingPathComponent(name)) } catch {
            throw PINN.CommandError(description: error.description)
        }
    }

    func writeSummary(_ summary: [String: Any]) throws {
        let data: Data
        do { data = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys]) } catch {
            throw PINN.CommandError(description: "cannot encode the summary: \(error)")
        }
        try write(String(decoding: data, as: UTF8.self) + "\n", to: "summary.json")
    }

    func writeSolution(axes: [String], points: [Double], prediction: [Double], reference: [Double]?,
                       fileName: String = "solution.csv") throws {
        let d = axes.count
        var text = (axes + ["prediction"] + (reference == nil ? [] : ["reference", "error"])).joined(separator: ",") + "\n"
        for n in 0..<prediction.count {
            var fields = (0..<d).map { "\(points[n * d + $0])" } + ["\(prediction[n])"]
            if let reference { fields += ["\(reference[n])", "\(prediction[n] - reference[n])"] }
            text += fields.joined(separator: ",") + "\n"
        }
        try write(text, to: fileName)
    }

    /// Solution and error plots (lines in 1-D, heat maps on 2-D grids) and the loss curve.
    func writePlots(name: String, grid: [Int], points: [Double], prediction: [Double], reference: [Double]?) throws {
        do {
            if grid.count == 1 {
                var series = [LineSeries(label: "PINN", x: points, y: prediction)]
                if let reference { series.append(LineSeries(label: "reference", x: points, y: reference, markersOnly: true)) }
                try LinePlot(title: "\(name): solution", xLabel: "x", yLabel: "u", series: series)
                    .write(to: directory.appendingPathComponent("\(name)-solution.png"))
                if let reference {
                    let error = zip(prediction, reference).map { abs($0 - $1) }
                    try LinePlot(title: "\(name): |error|", xLabel: "x", yLabel: "|u - reference|", logScaleY: true,
                                 series: [LineSeries(label: "|error|", x: points, y: error.map { max($0, 1e-16) })])
                        .write(to: directory.appendingPathComponent("\(name)-error.png"))
                }
            } else if grid.count == 2 {
                var panels = [HeatmapPanel(title: "PINN", rows: grid[0], columns: grid[1], values: prediction)]
                if let reference {
                    panels.append(HeatmapPanel(title: "reference", rows: grid[0], columns: grid[1], values: reference))
                    panels.append(HeatmapPanel(title: "error", rows: grid[0], columns: grid[1],
                                               values: zip(prediction, reference).map { $0 - $1 }, colorMap: .diverging))
                }
                try HeatmapFigure(panels: panels, columns: panels.count, title: "\(name) (rows: first axis, columns: second)")
                    .write(to: directory.appendingPathComponent("\(name)-solution.png"))
            }
            let runLosses = losses.filter { $0.0.contains(name) || name.hasPrefix("state") }
            let chosen = runLosses.isEmpty ? losses : runLosses
            var x: [Double] = [], y: [Double] = []
            var adamSteps = 0
            for (_, step, loss) in chosen where loss.isFinite && loss > 0 {
                if step >= 0 { adamSteps = max(adamSteps, step); x.append(Double(step)) } else { x.append(Double(adamSteps - step)) }
                y.append(loss)
            }
            if x.count >= 2 {
                try LinePlot(title: "\(name): loss", xLabel: "step (Adam, then L-BFGS evaluations)", yLabel: "loss", logScaleY: true,
                             series: [LineSeries(label: "loss", x: x, y: y)])
                    .write(to: directory.appendingPathComponent("\(name)-loss.png"))
            }
        } catch let error as PINN.CommandError {
            throw error
        } catch {
            throw PINN.CommandError(description: "cannot write plots: \(error)")
        }
    }
}
