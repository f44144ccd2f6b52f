import Foundation
import Testing
import SparseSolvers
import LearnedSolvers

/// What `pdekit solve --method … --model …` maps to: ``SparseSolveRun/MethodChoice`` from its name, and
/// ``DCDMLinearSolver/maker(modelPath:)``, which builds DCDM from the saved network and any other method
/// from its configuration.
@Suite struct SolveMethodChoiceTests {
    @Test func methodNamesRoundTrip() {
        #expect(SparseSolveRun.MethodChoice.names.first == "auto")
        #expect(SparseSolveRun.MethodChoice.names.count == SolverConfiguration.Method.allCases.count + 1)
        #expect(SparseSolveRun.MethodChoice(name: "auto") == .auto)
        for method in SolverConfiguration.Method.allCases {
            #expect(SparseSolveRun.MethodChoice(name: method.rawValue) == .method(method))
            #expect(SparseSolveRun.MethodChoice.method(method).configuredMethod == method)
        }
        #expect(SparseSolveRun.MethodChoice(name: "Auto") == nil && SparseSolveRun.MethodChoice(name: "") == nil)
        #expect(SparseSolveRun.MethodChoice.auto.configuredMethod == .conjugateGradient)
    }

    @Test func makerLoadsTheNetworkForDCDMOnly() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-solve-maker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("dcdm.safetensors")
        try DCDMNetwork(DCDMNetworkConfiguration(spatialRank: 2, channels: 2, coarseChannels: 2, levels: 1, seed: 1)).save(to: url)
        var configuration = SolverConfiguration(method: .dcdm, grid: [8, 8])
        let dcdm = try DCDMLinearSolver.maker(modelPath: url.path)(configuration)
        #expect((dcdm as? DCDMLinearSolver)?.network.configuration.spatialRank == 2)
        configuration.method = .conjugateGradient
        #expect(!(try DCDMLinearSolver.maker(modelPath: url.path)(configuration) is DCDMLinearSolver))
        // Without a model the configuration makes the solver (for dcdm: its own error, no network to load).
        #expect(!(try DCDMLinearSolver.maker(modelPath: nil)(configuration) is DCDMLinearSolver))
        #expect(throws: (any Error).self) { try DCDMLinearSolver.maker(modelPath: directory.appendingPathComponent("missing").path)(SolverConfiguration(method: .dcdm, grid: [8, 8])) }
    }
}
