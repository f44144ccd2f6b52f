import Foundation
import RunSupport
import Plotting

/// Output files of a PINN run (`pdekit pinn`): the JSONL loss log (one ``PINNTrainer/Record`` per line,
/// with the run's label; keys sorted, non-finite numbers as null), the summary, solution CSVs and PNG
/// plots. Every file is written atomically (RunSupport's `AtomicFile`).
public final class PINNRunLog {
    public let directory: URL
    private var lines: [Data] = []
    private var losses: [(String, Int, Double)] = []

    public init(directory: URL) { self.directory = directory }

    /// The log of a resumed run: the lines of `directory/loss.jsonl` (unreadable lines dropped); call
    /// ``keep(label:through:)`` before each resumed training.
    public init(resuming directory: URL) {
        self.directory = directory
        let text = (try? String(contentsOf: directory.appendingPathComponent("loss.jsonl"), encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let data = Data(line.utf8)
            guard let key = try? JSONDecoder().decode(LineKey.self, from: data) else { continue }
            lines.append(data)
            losses.append((key.run, key.stage == .adam ? key.step : -key.step, key.loss ?? .nan))
        }
    }

    /// The fields of a line that place it in a run.
    private struct LineKey: Decodable {
        let run: String, stage: PINNTrainingStage, step: Int, loss: Double?
    }

    /// Drops the lines of `label` past its checkpoint's last logged point (all of them when nil): a killed
    /// run wrote them after its last checkpoint, and the resumed run writes them again.
    public func keep(label: String, through point: (stage: PINNTrainingStage, step: Int)?) {
        var keptLines: [Data] = [], keptLosses: [(String, Int, Double)] = []
        for (data, loss) in zip(lines, losses) {
            if loss.0 == label, let key = try? JSONDecoder().decode(LineKey.self, from: data) {
                guard let point, key.stage < point.stage || (key.stage == point.stage && key.step <= point.step) else { continue }
            }
            keptLines.append(data)
            keptLosses.append(loss)
        }
        (lines, losses) = (keptLines, keptLosses)
    }

    /// One `loss.jsonl` line: the record, its run label and `extra` numbers (e.g. `relative_l2`).
    struct Line: Encodable {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ name: String) { stringValue = name }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        let run: String, stage: String, step: Int, loss: Double, terms: [String: Double], elapsedSeconds: Double, extra: [String: Double]

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            func number(_ value: Double, _ key: String, in c: inout KeyedEncodingContainer<Key>) throws {
                try c.encodeFiniteOrNull(value, forKey: Key(key))
            }
            try c.encode(run, forKey: Key("run"))
            try c.encode(stage, forKey: Key("stage"))
            try c.encode(step, forKey: Key("step"))
            try number(loss, "loss", in: &c)
            var nested = c.nestedContainer(keyedBy: Key.self, forKey: Key("terms"))
            for (name, value) in terms { try number(value, name, in: &nested) }
            try number(elapsedSeconds, "elapsed_seconds", in: &c)
            for (name, value) in extra { try number(value, name, in: &c) }
        }
    }

    public func append<Scalar>(_ record: PINNTrainer<Scalar>.Record, label: String, extra: [String: Double] = [:]) {
        let line = Line(run: label, stage: record.stage.rawValue, step: record.step, loss: record.loss, terms: record.termLosses,
                        elapsedSeconds: record.elapsedSeconds, extra: extra)
        if let text = try? JSONOutput.line(line) { lines.append(Data(text.utf8)) }
        try? AtomicFile.write(Data(lines.map { $0 + Data([0x0A]) }.joined()), to: directory.appendingPathComponent("loss.jsonl"))
        losses.append((label, record.stage == .adam ? record.step : -record.step, record.loss))
    }

    public func write(_ text: String, to name: String) throws {
        do { try AtomicFile.write(text, to: directory.appendingPathComponent(name)) } catch {
            throw PINNRunLogError(description: "\(error)")
        }
    }

    public func writeSummary(_ summary: PINNRunSummary) throws {
        let data: Data
        do { data = try summary.encoded() } catch { throw PINNRunLogError(description: "cannot encode the summary: \(error)") }
        do { try AtomicFile.write(data, to: directory.appendingPathComponent("summary.json")) } catch {
            throw PINNRunLogError(description: "\(error)")
        }
    }

    /// The solution CSV: coordinates, prediction and (with a reference) reference and error per point.
    /// With several `fields` (values row-major `[points, fields]`), one column per field and quantity
    /// (`u`, `v`, `u_reference`, …, `u_error`, …).
    public func writeSolution(axes: [String], points: [Double], prediction: [Double], reference: [Double]?,
                              fileName: String = "solution.csv", fields: [String] = []) throws {
        let d = axes.count, f = Swift.max(fields.count, 1)
        let names = fields.count > 1 ? fields : ["prediction"]
        let referenceNames = fields.count > 1 ? fields.map { $0 + "_reference" } + fields.map { $0 + "_error" } : ["reference", "error"]
        // A reference of another size than the prediction is not written (never indexed past its end).
        let matchingReference = reference.flatMap { $0.count == prediction.count ? $0 : nil }
        var text = (axes + names + (matchingReference == nil ? [] : referenceNames)).joined(separator: ",") + "\n"
        let rows = Swift.min(prediction.count / f, d > 0 ? points.count / d : prediction.count / f)
        for n in 0..<rows {
            let values = (0..<f).map { prediction[n * f + $0] }
            var row = (0..<d).map { "\(points[n * d + $0])" } + values.map { "\($0)" }
            if let reference = matchingReference {
                let exact = (0..<f).map { reference[n * f + $0] }
                row += exact.map { "\($0)" } + zip(values, exact).map { "\($0 - $1)" }
            }
            text += row.joined(separator: ",") + "\n"
        }
        try write(text, to: fileName)
    }

    /// Solution and error plots (lines in 1-D, heat maps on 2-D grids) and the loss curve.
    public func writePlots(name: String, grid: [Int], points: [Double], prediction: [Double], reference: [Double]?) throws {
        // One value per grid node (a system's several columns are in solution.csv only).
        guard prediction.count == grid.reduce(1, *) else { return }
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
                try LinePlot(title: "\(name): loss", xLabel: "step (Adam, then L-BFGS iterations)", yLabel: "loss", logScaleY: true,
                             series: [LineSeries(label: "loss", x: x, y: y)])
                    .write(to: directory.appendingPathComponent("\(name)-loss.png"))
            }
        } catch let error as PINNRunLogError {
            throw error
        } catch {
            throw PINNRunLogError(description: "cannot write plots: \(error)")
        }
    }
}

/// A PINN run's output file that could not be written (one line).
public struct PINNRunLogError: Error, CustomStringConvertible {
    public let description: String
}
