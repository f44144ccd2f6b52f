import Testing
import TensorCore
import RunSupport
import NeuralOperators

/// The memory estimates the models check before allocating: the parameter counts agree with the
/// models actually built, and absurd sizes (from flags or checkpoints) are refused without allocating.
@Suite struct ModelMemoryTests {
    @Test func fnoParameterCountMatchesTheBuiltModel() throws {
        for configuration in [FNOConfiguration.darcy, .burgers, .neuraloperatorDefaults(modes: [4, 4], width: 8),
                              FNOConfiguration(modes: [3, 4, 2], width: 5, layerCount: 2, projectionChannels: 0)] {
            var generator = SeededRandomNumberGenerator(seed: 1)
            let model = try FourierNeuralOperator<Float>(configuration, generator: &generator)
            let estimate = try configuration.checkedParameterCount()
            // The estimate counts every bias whether or not the layer has one: an upper bound within a few percent.
            #expect(estimate >= model.parameterCount && Double(estimate) <= 1.05 * Double(model.parameterCount),
                    "\(configuration): estimate \(estimate), model \(model.parameterCount)")
        }
    }

    @Test func mgnoAndDeepONetParameterCountsMatchTheBuiltModels() throws {
        for configuration in [MgNOConfiguration.darcy, MgNOConfiguration(spatialDimensions: 1, inputChannels: 2, channels: 3, layers: 1, levels: 2)] {
            var generator = SeededRandomNumberGenerator(seed: 2)
            let model = try MgNO<Float>(configuration: configuration, generator: &generator)
            #expect(try configuration.checkedParameterCount() == model.parameterCount)
        }
        var generator = SeededRandomNumberGenerator(seed: 3)
        let configuration = DeepONetConfiguration.antiderivative
        let model = try DeepONet<Float>(configuration: configuration, trunkBiasInitialization: .zeros, generator: &generator)
        #expect(try configuration.checkedParameterCount() == model.parameterCount)
    }

    @Test func absurdSizesAreRefusedBeforeAllocating() throws {
        var wide = FNOConfiguration.darcy
        wide.width = 10_000_000
        #expect(throws: FNOError.self) { try wide.validate(budget: MemoryBudget()) }
        var generator = SeededRandomNumberGenerator(seed: 4)
        #expect(throws: FNOError.self) { _ = try FourierNeuralOperator<Float>(wide, generator: &generator) }
        wide.width = 3_037_000_500   // width² overflows
        #expect(throws: MemoryBudgetError.self) { _ = try wide.checkedParameterCount() }
        var manyModes = FNOConfiguration.darcy
        manyModes.modes = [Int.max, 4]   // twice the modes (the smallest grid) overflows: found by the flag fuzz
        #expect(throws: MemoryBudgetError.self) { _ = try manyModes.estimatedTrainingBytes() }
        #expect(throws: FNOError.self) { _ = try FourierNeuralOperator<Float>(manyModes, generator: &generator) }
        var deep = MgNOConfiguration.darcy
        deep.channels = 1 << 40
        #expect(throws: MgNOError.self) { _ = try MgNO<Float>(configuration: deep, generator: &generator) }
        let huge = DeepONetConfiguration(branchWidths: [100, 1 << 31, 40], trunkWidths: [1, 1 << 31, 40])
        #expect(throws: DeepONetError.self) { try huge.validate(budget: MemoryBudget()) }
        // A small budget refuses a model that fits the machine; the unlimited one accepts it.
        let tiny = MemoryBudget(limitBytes: 1024)
        #expect(throws: FNOError.self) { try FNOConfiguration.darcy.validate(budget: tiny) }
        try FNOConfiguration.darcy.validate(budget: .unlimited)
        // Activations grow with the grid: 4 bytes per scalar, at least `width` channels per point of the batch.
        let bytes = try FNOConfiguration.darcy.estimatedTrainingBytes(grid: [64, 64], batch: 20)
        #expect(bytes >= 20 * 64 * 64 * 32 * 4 * FNOConfiguration.darcy.layerCount)
    }

    @Test func antiderivativeDataRefusesSizesBeyondMemory() throws {
        #expect(throws: (any Error).self) { _ = try AntiderivativeData.generate(sampleCount: 1_000_000_000, sensorCount: 100) }
        #expect(throws: (any Error).self) { _ = try AntiderivativeData.generate(sampleCount: Int.max, sensorCount: 100) }
        #expect(throws: (any Error).self) { _ = try AntiderivativeData.generate(sampleCount: 4, sensorCount: 10, lengthScale: .nan) }
    }
}

/// Widths at the end of Int's range neither trap in the presets nor in the estimate.
@Suite struct ModelMemoryRangeTests {
    @Test func extremeWidthsAreErrorsNotTraps() {
        let preset = FNOConfiguration.neuraloperatorDefaults(modes: [4, 4], width: .max)
        #expect(throws: FNOError.self) { try preset.validate(budget: .unlimited) }
        var expanded = FNOConfiguration.darcy
        expanded.width = .max / 2
        expanded.useChannelMLP = true
        expanded.channelMLPExpansion = 64
        #expect(throws: MemoryBudgetError.self) { _ = try expanded.checkedParameterCount() }
    }
}
