import Foundation
import Testing
import NeuralLayers
import NeuralOperators
import Training

/// The library pieces `pdekit evaluate` and `pdekit train fno` call: the resolution stride, the memory
/// limit and the FNO presets' overrides, checked against values worked out by hand.
@Suite struct OperatorRunPiecesTests {
    @Test func resolutionStrideKeepsBothEndsOrPeriodicGrids() {
        // Both ends: 33 points are every 2nd of a 17-point grid's 2x refinement counted (33 − 1)/(17 − 1) = 2.
        #expect(OperatorEvaluationRun.stride(data: [33, 33], training: [17, 17], factor: 1, periodic: false) == 2)
        #expect(OperatorEvaluationRun.stride(data: [33, 33], training: [17, 17], factor: 2, periodic: false) == 1)
        // Periodic: 64 = 2 · 32; (64 − 1)/(32 − 1) is not whole, so only the periodic rule fits.
        #expect(OperatorEvaluationRun.stride(data: [64], training: [32], factor: 1, periodic: false) == nil)
        #expect(OperatorEvaluationRun.stride(data: [64], training: [32], factor: 1, periodic: true) == 2)
        // No common stride, or a coarser data grid: refused.
        #expect(OperatorEvaluationRun.stride(data: [33, 17], training: [17, 17], factor: 1, periodic: false) == nil)
        #expect(OperatorEvaluationRun.stride(data: [20], training: [17], factor: 2, periodic: false) == nil)
        // A factor whose refined grid overflows Int (evaluate --resolution 999999999999999999x) fits no data grid.
        #expect(OperatorEvaluationRun.stride(data: [33], training: [17], factor: Int.max / 8, periodic: false) == nil)
        #expect(OperatorEvaluationRun.stride(data: [64], training: [32], factor: Int.max / 8, periodic: true) == nil)
    }

    @Test func memoryLimitIsPositiveAndOverflowChecked() throws {
        #expect(try StreamedOperatorData.limitBytes(memoryLimitMiB: 3) == 3 * 1_048_576)
        #expect(throws: OperatorRunError.self) { try StreamedOperatorData.limitBytes(memoryLimitMiB: 0) }
        #expect(throws: OperatorRunError.self) { try StreamedOperatorData.limitBytes(memoryLimitMiB: Int.max / 1000) }
    }

    @Test func fnoPresetsApplyTheOverrides() throws {
        let darcy = try FNOPreset.darcy.configuration(spatialDimensions: 2, inputChannels: 1, outputChannels: 1, modes: 4, width: 8)
        #expect(darcy.modes == [4, 4] && darcy.width == 8 && darcy.layerCount == FNOConfiguration.darcy.layerCount)
        let navierStokes = try FNOPreset.navierStokes.configuration(spatialDimensions: 3, inputChannels: 10, outputChannels: 1, layers: 2)
        #expect(navierStokes.modes == [12, 12, 12] && navierStokes.width == 20 && navierStokes.layerCount == 2)
        #expect(navierStokes.inputChannels == 10 && navierStokes.outputChannels == 1)
        // neuraloperator's n_modes (16, 16): 8 per sign on the first axis, 16 // 2 + 1 = 9 on the last (half spectrum).
        let neuraloperator = try FNOPreset.neuraloperator.configuration(spatialDimensions: 2, inputChannels: 1, outputChannels: 1, modes: 16, width: 10)
        #expect(neuraloperator.modes == [8, 9] && neuraloperator.liftingChannels == 20 && neuraloperator.projectionChannels == 20)
        // Only the neuraloperator preset places the spectral modes as neuraloperator does on odd grids.
        #expect(neuraloperator.modeConvention == .neuraloperator)
        let burgers = try FNOPreset.burgers.configuration(spatialDimensions: 1, inputChannels: 1, outputChannels: 1)
        #expect([darcy, navierStokes, burgers].allSatisfy { $0.modeConvention == .pdekit })
    }
}
