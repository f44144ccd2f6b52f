import ArgumentParser
import Foundation
import PDEKit

extension PaddingMode: ExpressibleByArgument {}
extension MgNOGridPolicy: ExpressibleByArgument {}
extension MgNOCycle: ExpressibleByArgument {}

/// `pdekit train mgno`.
struct TrainMgNO: ParsableCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "mgno",
        abstract: "Train a multigrid neural operator, MgNO (He, Liu & Xu, ICLR 2024).",
        discussion: """
            Same data and output options as `train fno`: reads arrays [samples, grid…] or [samples, channels, grid…]; \
            of the first --train samples the last --validation (default 10%) select best.safetensors and the others train; the next --test samples (or the first --test of --test-data) test. Writes to \
            --output: checkpoint.safetensors (last epoch, resumable), best.safetensors, metrics.jsonl, configuration.json, \
            loss.png and fields.png; `pdekit evaluate` reads the run. The darcy preset is the official code's rough-Darcy \
            network (MgNO_DC, 572,661 parameters on one channel): 4 blocks of 24 channels, 6 levels (fewer when the grid \
            is too small for a 2-point coarsest grid), one smoothing step per level and two on the coarsest, zero \
            (Dirichlet) padding, GELU, a 1×1 projection. darcy-smooth is MgNO_DC_smooth (5 blocks, prolongation kernels \
            3,4,3,3,4 for 211² grids); navier-stokes is MgNO_NS (32 channels, 5 blocks, 5 levels, periodic padding, \
            biases, layer norms on 64² grids, input residual). --cycle residualRestriction builds PDEKit's earlier \
            network. Grids not divisible by 2^(levels-1) are padded and cropped \
            (--grid-policy padAndCrop) or refused (requireDivisible). The paper trains with --h1 --schedule one-cycle.
            """)

    enum Preset: String, ExpressibleByArgument, CaseIterable {
        case darcy, darcySmooth = "darcy-smooth", navierStokes = "navier-stokes"
        var configuration: MgNOConfiguration {
            switch self {
            case .darcy: return .darcy
            case .darcySmooth: return .darcySmooth
            case .navierStokes: return .navierStokes
            }
        }
    }

    @OptionGroup var options: OperatorTrainingOptions
    @Option(help: "Architecture preset: \(Preset.allCases.map(\.rawValue).joined(separator: ", ")).") var preset: Preset = .darcy
    @Option(help: "Override the preset's hidden channel count.") var channels: Int?
    @Option(help: "Override the preset's number of blocks σ(MgConv u + W u + b).") var layers: Int?
    @Option(help: "Multigrid levels (default: the preset's 6, reduced so the coarsest grid has at least 2 points).") var levels: Int?
    @Option(help: "Smoothing steps per level, finest first, comma-separated (default 1,…,1,2).") var smoothing: String?
    @Option(help: "Post-smoothing steps per level, finest first, comma-separated, the coarsest 0 (default none).") var postSmoothing: String?
    @Option(help: "Boundary padding of the 3×3 convolutions (default: the preset's): \(PaddingMode.allCases.map(\.rawValue).joined(separator: ", ")).") var padding: PaddingMode?
    @Option(help: "Grids not divisible by 2^(levels-1) (default: the preset's): \(MgNOGridPolicy.allCases.map(\.rawValue).joined(separator: ", ")).") var gridPolicy: MgNOGridPolicy?
    @Option(help: "Network: \(MgNOCycle.allCases.map(\.rawValue).joined(separator: ", ")) (default paper).") var cycle: MgNOCycle = .paper

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
        c = preset.configuration
        c.cycle = cycle
        if cycle == .residualRestriction && preset != .darcy {
            throw OperatorCommandError(description: "--cycle residualRestriction goes with --preset darcy only")
        }
        c.spatialDimensions = grid.count
        c.inputChannels = inputChannels
        c.outputChannels = outputChannels
        if let channels { c.channels = channels }
        if let layers { c.layers = layers }
        let levelCount = levels ?? (c.prolongationKernelSizes == nil ? min(c.levels, Self.maximumLevels(grid: grid)) : c.levels)
        if levels == nil && levelCount < c.levels {
            FileHandle.standardError.write(Data("note: grid \(grid) allows \(levelCount) multigrid levels (preset \(c.levels))\n".utf8))
        }
        let presetLevels = c.levels
        c.levels = levelCount
        func integers(_ text: String, flag: String) throws -> [Int] {
            let steps = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard steps.allSatisfy({ $0 != nil }) else { throw OperatorCommandError(description: "\(flag) '\(text)' is not a comma-separated list of integers") }
            return steps.map { $0! }
        }
        if let smoothing {
            c.smoothingSteps = try integers(smoothing, flag: "--smoothing")
        } else if levelCount != presetLevels {
            c.smoothingSteps = [Int](repeating: 1, count: max(levelCount - 1, 0)) + [levelCount > 1 ? 2 : 1]
            if c.prolongationKernelSizes != nil {
                throw OperatorCommandError(description: "--levels cannot change the \(preset.rawValue) preset's level count (its prolongation kernels are per level)")
            }
        }
        c.postSmoothingSteps = try postSmoothing.map { try integers($0, flag: "--post-smoothing") }
            ?? [Int](repeating: 0, count: c.smoothingSteps.count)
        if c.layerNormalizationGrid != nil { c.layerNormalizationGrid = grid }
        if let padding { c.paddingMode = padding }
        if let gridPolicy { c.gridPolicy = gridPolicy }
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
