import Testing
import TensorCore
import NeuralOperators

/// Presets and command-line overrides resolved against a data set (the library half of `pdekit train
/// mgno`): errors for what a user can get wrong, reduced levels on small grids, grids that follow the data.
@Suite struct MgNOPresetTests {
    @Test func presetsAreTheNamedConfigurations() throws {
        #expect(MgNOPreset.allCases.map(\.rawValue) == ["darcy", "darcy-smooth", "navier-stokes", "helmholtz"])
        let (helmholtz, note) = try MgNOOverrides().configuration(preset: .helmholtz, grid: [101, 101], inputChannels: 1, outputChannels: 1)
        #expect(helmholtz == .helmholtz && note == nil)
    }

    @Test func smallGridsGetFewerLevels() throws {
        let (c, note) = try MgNOOverrides().configuration(preset: .darcy, grid: [20, 20], inputChannels: 1, outputChannels: 1)
        #expect(c.levels == 4 && c.smoothingSteps == [1, 1, 1, 2])   // 2⁴ ≤ 20 < 2⁵: coarsest 20/8 → 3 points
        #expect(note?.contains("4 multigrid levels") == true)
    }

    @Test func mistakesAreErrors() {
        #expect(throws: MgNOError.self) { try MgNOOverrides.integers("1,x,2", option: "--smoothing") }
        #expect(throws: MgNOError.self) { try MgNOOverrides.integers("1,,2", option: "--smoothing") }
        #expect(throws: MgNOError.self) {   // kernels 3,4,4,3 need 101 → 50 → 24 → 11 → 5
            try MgNOOverrides().configuration(preset: .helmholtz, grid: [64, 64], inputChannels: 1, outputChannels: 1)
        }
        #expect(throws: MgNOError.self) {
            try MgNOOverrides(cycle: .residualRestriction).configuration(preset: .navierStokes, grid: [64, 64], inputChannels: 1,
                                                                           outputChannels: 1)
        }
        #expect(throws: MgNOError.self) {
            try MgNOOverrides(cycle: .paper).configuration(preset: .helmholtz, grid: [101, 101], inputChannels: 1, outputChannels: 1)
        }
        #expect(throws: MgNOError.self) {
            try MgNOOverrides(levels: 3).configuration(preset: .helmholtz, grid: [101, 101], inputChannels: 1, outputChannels: 1)
        }
        // --levels 3037000500 (flag fuzz, seed 9) built 3·10⁹-entry smoothing lists (48 GB) before any check.
        for levels in [0, -1, 31, 3_037_000_500, Int.max] {
            #expect(throws: MgNOError.self) {
                try MgNOOverrides(levels: levels).configuration(preset: .darcy, grid: [64, 64], inputChannels: 1, outputChannels: 1)
            }
        }
        #expect(throws: MgNOError.self) {   // 8 → 4 → 2 → 1 point: reflect padding cannot mirror one point
            try MgNOOverrides(levels: 4, paddingMode: .reflect).configuration(preset: .darcy, grid: [8, 8], inputChannels: 1,
                                                                               outputChannels: 1)
        }
    }
}
