import Testing
import RunSupport
import DataGeneration

/// Sizes from flags are refused before anything is allocated (issue 19: `generate --resolution
/// 3037000500`, `--samples 1e12`, `navier-stokes --time-step 1e-300`, `--sigma 1e10`).
@Suite struct GenerationMemoryTests {
    @Test func overflowingAndOversizedRequestsAreRefused() throws {
        let overflowing = GenerationConfiguration(family: .darcy, sampleCount: 2, resolution: 3_037_000_500)
        // Refused by the first size that overflows (the sample, or the solver's workspace): a typed error naming it.
        for attempt in [{ try overflowing.validate(budget: .unlimited) }, { _ = try DatasetGenerator(overflowing) }] {
            let error = #expect(throws: (any Error).self) { try attempt() }
            #expect(String(describing: error).contains("overflows"), "\(String(describing: error))")
        }
        let many = GenerationConfiguration(family: .darcy, sampleCount: 1_000_000_000_000, resolution: 9)
        #expect(throws: MemoryBudgetError.self) { try many.validate(budget: MemoryBudget()) }
        try many.validate(budget: .unlimited)   // --force
        let lognormal = GenerationConfiguration(family: .darcy, sampleCount: 2, resolution: 9, coefficient: .lognormal, sigma: 1e10)
        #expect(throws: GenerationError.self) { try lognormal.validate(budget: .unlimited) }
    }

    @Test func estimateCoversTheStoredData() throws {
        // The estimate is at least the shard of inputs and solutions it holds in float64 (2·shard·s²·8 bytes).
        let configuration = GenerationConfiguration(family: .poisson, sampleCount: 100, resolution: 65, shardSize: 50)
        #expect(try configuration.estimatedBytes() >= 2 * 50 * 65 * 65 * 8)
        let ns = NavierStokesGenerationConfiguration(sampleCount: 10, resolution: 64, finalTime: 50, shardSize: 10)
        #expect(try ns.estimatedBytes() >= 10 * 64 * 64 * 50 * 8)
    }

    @Test func navierStokesTimeStepsThatDoNotFitAnIntAreRefused() throws {
        for (timeStep, finalTime, interval) in [(1e-300, 1.0, 1.0), (1e-3, 1e300, 1e-300), (Double.nan, 1.0, 1.0)] {
            let configuration = NavierStokesGenerationConfiguration(sampleCount: 1, resolution: 8, finalTime: finalTime,
                                                                    recordInterval: interval, timeStep: timeStep)
            #expect(throws: GenerationError.self) { _ = try NavierStokesDatasetGenerator(configuration) }
        }
    }
}
