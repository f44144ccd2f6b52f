import ArgumentParser
import Foundation
import PDEKit

extension PaddingMode: ExpressibleByArgument {}
extension MgNOGridPolicy: ExpressibleByArgument {}
extension MgNOCycle: ExpressibleByArgument {}
extension MgNOPreset: ExpressibleByArgument {}

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
            biases, layer norms on 64² grids, input residual); helmholtz is MgNO_helm (20 channels, 4 blocks, 5 levels \
            101→50→24→11→5 with 20…100 channels, reflect padding, layer norms after each block on 101² grids, a \
            V-cycle head; 5,351,806 parameters). --cycle residualRestriction builds PDEKit's earlier network. Grids not divisible by 2^(levels-1) are padded and cropped \
            (--grid-policy padAndCrop) or refused (requireDivisible). The paper trains with --h1 --schedule one-cycle.
            """)

    @OptionGroup var options: OperatorTrainingOptions
    @Option(help: "Architecture preset: \(MgNOPreset.allCases.map(\.rawValue).joined(separator: ", ")).") var preset: MgNOPreset = .darcy
    @Option(help: "Override the preset's hidden channel count.") var channels: Int?
    @Option(help: "Override the preset's number of blocks σ(MgConv u + W u + b).") var layers: Int?
    @Option(help: "Multigrid levels (default: the preset's 6, reduced so the coarsest grid has at least 2 points).") var levels: Int?
    @Option(help: "Smoothing steps per level, finest first, comma-separated (default 1,…,1,2).") var smoothing: String?
    @Option(help: "Post-smoothing steps per level, finest first, comma-separated, the coarsest 0 (default none).") var postSmoothing: String?
    @Option(help: "Boundary padding of the 3×3 convolutions (default: the preset's): \(PaddingMode.allCases.map(\.rawValue).joined(separator: ", ")).") var padding: PaddingMode?
    @Option(help: "Grids not divisible by 2^(levels-1) (default: the preset's): \(MgNOGridPolicy.allCases.map(\.rawValue).joined(separator: ", ")).") var gridPolicy: MgNOGridPolicy?
    @Option(help: "Network: \(MgNOCycle.allCases.map(\.rawValue).joined(separator: ", ")) (default: the preset's).") var cycle: MgNOCycle?

    func run() throws { try OperatorTrainingOptions.reportingFailure(execute) }

    func modelConfiguration(grid: [Int], inputChannels: Int, outputChannels: Int) throws -> MgNOConfiguration {
        let overrides = MgNOOverrides(
            channels: channels, layers: layers, levels: levels,
            smoothingSteps: try smoothing.map { try MgNOOverrides.integers($0, option: "--smoothing") },
            postSmoothingSteps: try postSmoothing.map { try MgNOOverrides.integers($0, option: "--post-smoothing") },
            paddingMode: padding, gridPolicy: gridPolicy, cycle: cycle)
        let (configuration, note) = try overrides.configuration(preset: preset, grid: grid, inputChannels: inputChannels,
                                                                outputChannels: outputChannels)
        if let note { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        return configuration
    }

    func execute() throws {
        if let streamed = try options.streamedData() {
            let source = streamed.stream
            let configuration = try modelConfiguration(grid: Array(source.inputSampleShape.dropFirst()), inputChannels: source.inputSampleShape[0],
                                                       outputChannels: source.targetSampleShape[0])
            var generator = SeededRandomNumberGenerator(seed: options.seed)
            let model = try MgNO<Float>(configuration: configuration, generator: &generator)
            try options.checkBatchSize(trainingRows: streamed.trainRows)
            let task = try streamed.task(model: model, configuration: options.trainingConfiguration)
            return try options.run(Trainer(task: task, outputDirectory: URL(fileURLWithPath: options.output)), test: streamed.test)
        }
        let (train, validation, test, _) = try options.loadPairs()
        let configuration = try modelConfiguration(grid: Array(train.inputs.shape.dropFirst(2)), inputChannels: train.inputs.shape[1],
                                                   outputChannels: train.targets.shape[1])
        var generator = SeededRandomNumberGenerator(seed: options.seed)
        let model = try MgNO<Float>(configuration: configuration, generator: &generator)
        try options.run(model: model, train: train, validation: validation, test: test)
    }
}
