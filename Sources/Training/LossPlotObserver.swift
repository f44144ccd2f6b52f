import Foundation
import Plotting

/// `loss.png`: training loss and validation relative L2 per epoch, drawn when training ends.
public final class LossPlotObserver: TrainingObserver {
    public let url: URL
    public init(url: URL) { self.url = url }

    public func trainingDidFinish(history: [EpochRecord]) throws { try Self.write(history, to: url) }

    /// Draws `history` (nothing for an empty history).
    public static func write(_ history: [EpochRecord], to url: URL) throws {
        guard !history.isEmpty else { return }
        let epochs = history.map { Double($0.epoch + 1) }
        var series = [LineSeries(label: "train loss", x: epochs, y: history.map(\.trainLoss))]
        let validated = history.filter { $0.validationRelativeL2 != nil }
        if !validated.isEmpty {
            series.append(LineSeries(label: "validation L2", x: validated.map { Double($0.epoch + 1) }, y: validated.map { $0.validationRelativeL2! }))
        }
        try LinePlot(title: "loss", xLabel: "epoch", yLabel: "relative error", logScaleY: true, series: series).write(to: url)
    }
}
