import ArgumentParser
import Foundation
import PDEKit

extension PaddingMode: ExpressibleByArgument {}
extension MgNOGridPolicy: ExpressibleByArgument {}

/// `pdekit train mgno`.
struct TrainMgNO: ParsableCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "mgno",
        abstract: "Train a multigrid neural operator, MgNO (He, Liu & Xu, ICLR 2024).",
        discussion: """
            Same data and output options as `train fno`: reads arrays [samples, grid…] or [samples, channels, grid…]; \
            of the first --train samples the last --validation (default 10%) select best.safetensors and the others train; the next --test samples (or the first --test of --test-data) test. Writes to \
            --output: checkpoint.safetensors (last epoch, resumable), best.safetensors, metrics.jsonl, configuration.json, \
            loss.png and fields.png; `pdekit evaluate` reads the run. The darcy preset is the paper's: 24 channels, \
            6 levels (fewer when the grid is too small for a 2-point coarsest grid), one smoothing step per level and two \
            on the coarsest, zero (Dirichlet) padding, GELU. Grids not divisible by 2^(levels-1) are padded and cropped \
            (--grid-policy padAndCrop) or refused (requireDivisible). The paper trains with --h1 --schedule one-cycle.
            """)

    enum Preset: String, ExpressibleByArgument, CaseIterable { case darcy }

    @OptionGroup var options: OperatorTrainingOptions
    @Option(help: "Architecture preset: \(Preset.allCases.map(\.rawValue).joined(separator: ", ")).") var preset: Preset = .darcy
    @Option(help: "Override the preset's hidden channel count.") var channels: Int?
    @Option(help: "Override the preset's number of blocks σ(MgConv u + W u + b).") var layers: Int?
    @Option(help: "Multigrid levels (default: the preset's 6, reduced so the coarsest grid has at least 2 points).") var levels: Int?
    @Option(help: "Smoothing steps per level, finest first, comma-separated (default 1,…,1,2).") var smoothing: String?
    @Option(help: "Boundary padding of the 3×3 convolutions: \(PaddingMode.allCases.map(\.rawValue).joined(separator: ", ")).") var padding: PaddingMode = .zero
    @Option(help: "Grids not divisible by 2^(levels-1): \(MgNOGridPolicy.allCases.map(\.rawValue).joined(separator: ", ")).") var gridPolicy: MgNOGridPolicy = .padAndCrop

    func run() throws {
        do { try execute() } catch {
            if Job.communicator.size > 1 { Job.failAndEnd(error) }   // one line for the job, no rank left waiting
            FileHandle.standardError.write(Data("\nerror: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// The most levels `L` with `2^L ≤ n` on every axis, so the coarsest grid `⌈n / 2^(L−1)⌉` has at
    /// least two points.
    static func maximumLevels(grid: [Int]) -> Int {
        var levels = 1
        while levels < 16, grid.allSatisfy({ $0 >= 1 << (levels + 1) }) { levels += 1 }
        return levels
    }

    func modelConfiguration(grid: [Int], inputChannels: Int, outputChannels: Int) throws -> MgNOConfiguration {
        var c: MgNOConfiguration
        switch preset { case .darcy: c = .darcy }
        c.spatialDimensions = grid.count
        c.inputChannels = inputChannels
        c.outputChannels = outputChannels
        if let channels { c.channels = channels }
        if let layers { c.layers = layers }
        let levelCount = levels ?? min(c.levels, Self.maximumLevels(grid: grid))
        if levels == nil && levelCount < c.levels {
            FileHandle.standardError.write(Data("note: grid \(grid) allows \(levelCount) multigrid levels (preset \(c.levels))\n".utf8))
        }
        c.levels = levelCount
        if let smoothing {
            let steps = smoothing.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard steps.allSatisfy({ $0 != nil }) else { throw OperatorCommandError(description: "--smoothing '\(smoothing)' is not a comma-separated list of integers") }
            c.smoothingSteps = steps.map { $0! }
        } else {
            c.smoothingSteps = [Int](repeating: 1, count: max(levelCount - 1, 0)) + [levelCount > 1 ? 2 : 1]
        }
        c.paddingMode = padding
        c.gridPolicy = gridPolicy
        try c.validate()
        return c
    }

    func execute() throws {
        let (train, validation, test, _) = try options.loadPairs()
        let configuration = try modelConfiguration(grid: Array(train.inputs.shape.dropFirst(2)), inputChannels: train.inputs.shape[1],
                                                   outputChannels: train.targets.shape[1])
        var generator = SeededRandomNumberGenerator(seed: options.seed)
        let model = try MgNO<Float>(configuration: configuration, generator: &generator)
        try options.run(model: model, train: train, validation: validation, test: test)
    }
}
