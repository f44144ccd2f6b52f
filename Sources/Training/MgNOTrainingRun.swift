import Foundation
import TensorCore
import Datasets
import NeuralOperators

/// One `pdekit train mgno` run: an ``OperatorTrainingRun`` with the MgNO's architecture (He, Liu & Xu, ICLR
/// 2024): a ``MgNOPreset`` and its overrides, fitted to the grid of the data (``MgNOOverrides``).
public struct MgNOTrainingRun {
    /// The data, split, optimization and output settings.
    public var run: OperatorTrainingRun
    public var preset = MgNOPreset.darcy
    /// Overrides of the preset (channels, blocks, levels, padding, grid policy, cycle).
    public var overrides = MgNOOverrides()
    /// Smoothing and post-smoothing steps per level, finest first, as comma-separated text (nil: the preset's).
    public var smoothing: String?, postSmoothing: String?

    public init(run: OperatorTrainingRun) { self.run = run }

    /// Loads (or streams) the pairs, builds the network for their grid (passing a remark on the levels to
    /// `note`), trains and tests it, and returns the summary line (nil on ranks other than 0).
    public func execute(note: (String) -> Void) throws -> OperatorRunSummary? {
        try run.trainAndTest { grid, inputChannels, outputChannels in
            var overrides = self.overrides
            overrides.smoothingSteps = try smoothing.map { try MgNOOverrides.integers($0, option: "--smoothing") }
            overrides.postSmoothingSteps = try postSmoothing.map { try MgNOOverrides.integers($0, option: "--post-smoothing") }
            let (configuration, remark) = try overrides.configuration(preset: preset, grid: grid, inputChannels: inputChannels,
                                                                      outputChannels: outputChannels)
            if let remark { note(remark) }
            var generator = SeededRandomNumberGenerator(seed: run.seed)
            return try MgNO<Float>(configuration: configuration, generator: &generator)
        }
    }
}
