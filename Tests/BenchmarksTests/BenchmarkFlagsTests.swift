import Foundation
import Testing
import Benchmarks

/// The flag checks of the `pdekit bench` suites, called as the CLI's `validate()` calls them: one list
/// parser for every comma-separated flag, and a ``BenchmarkError`` (never a trap) for every bad value.
@Suite struct BenchmarkFlagsTests {
    func message(_ body: () throws -> Any) -> String? {
        do { _ = try body(); return nil } catch { return (error as? BenchmarkError)?.description ?? "not a BenchmarkError: \(error)" }
    }

    @Test func oneListRuleForEveryListFlag() {
        #expect(CommaSeparatedIntegers.items(" 64 , 128,,256 ") == ["64", "128", "256"])
        #expect(CommaSeparatedIntegers.items("") == [])
        #expect(CommaSeparatedIntegers.parse("64, 128") == [64, 128])
        #expect(CommaSeparatedIntegers.parse("64,x") == nil)
        #expect(CommaSeparatedIntegers.parse(",") == nil)
        #expect(CommaSeparatedIntegers.parse("3,2", minimum: 3) == nil)
        #expect(CommaSeparatedIntegers.parse("9223372036854775808") == nil)   // Int.max + 1 does not parse
    }

    func fno(sizes: String, repetitions: Int = 10, warmup: Int = 3) throws -> FNOBenchmarks {
        try FNOBenchmarks.parsing(sizes: sizes, mode: .both, layout: .neuraloperator, batch: 20, modes: 12, width: 32, layers: 4,
                                  repetitions: repetitions, warmup: warmup)
    }

    @Test func fnoSizesAreCheckedBeforeTheRun() throws {
        #expect(try fno(sizes: "64, 128").sizes == [64, 128])
        for bad in ["abc", "0", "", "64,-1", "64,1e3"] {
            #expect(message { try fno(sizes: bad) } == "--sizes must be positive integers separated by commas", "\(bad)")
        }
        #expect(message { try fno(sizes: "64", repetitions: 0) } == "--repetitions, --batch, --modes, --width and --layers must be positive")
        #expect(message { try fno(sizes: "64", warmup: -1) } != nil)
        #expect(try fno(sizes: "8", warmup: 0).warmup == 0)
    }

    func pdes(darcy: String, repetitions: Int = 5, burgers: Int = 1024, navierStokes: Int = 64, timeStep: Double = 1e-3) throws -> PDEsBenchmarks {
        try PDEsBenchmarks.parsing(darcy: darcy, repetitions: repetitions, burgersResolution: burgers, burgersTimeStep: timeStep,
                                   navierStokesResolution: navierStokes, navierStokesTimeStep: 1e-3)
    }

    @Test func pdesDarcyListUsesTheSameParser() throws {
        #expect(try pdes(darcy: "64,128,256").darcyResolutions == [64, 128, 256])
        #expect(try pdes(darcy: " 3 , 8").darcyResolutions == [3, 8])   // spaces, as every other list flag
        for bad in ["2", "abc", "", "64,x"] { #expect(message { try pdes(darcy: bad) } == "--darcy takes comma-separated integers ≥ 3", "\(bad)") }
        #expect(message { try pdes(darcy: "8", repetitions: 0) } == "--repetitions must be positive")
        #expect(message { try pdes(darcy: "8", burgers: 5) } == "--burgers and --navier-stokes take 0 (skip) or an even resolution ≥ 4")
        #expect(message { try pdes(darcy: "8", navierStokes: 2) } != nil)
        #expect(try pdes(darcy: "8", burgers: 0, navierStokes: 0).burgersResolution == 0)
        #expect(message { try pdes(darcy: "8", timeStep: .nan) } == "time steps must be positive")
        #expect(message { try pdes(darcy: "8", timeStep: .infinity) } == "time steps must be positive")
    }

    @Test func mgnoAndScalingFlags() throws {
        func mgno(sizes: [Int] = [64], batch: Int = 8, trainSteps: Int = 0) -> MgNOBenchmarks {
            MgNOBenchmarks(sizes: sizes, batch: batch, repetitions: 3, layers: nil, trainSteps: trainSteps, trainResolution: 32, trainSamples: 32)
        }
        #expect(message { try mgno().validate() } == nil)
        #expect(message { try mgno(sizes: [64, 0]).validate() } == "--size must be positive")
        #expect(message { try mgno(batch: 0).validate() } == "--repetitions and --batch must be positive")
        #expect(message { try mgno(trainSteps: -1).validate() } == "--train-steps must be ≥ 0, --train-resolution ≥ 4, --train-samples ≥ 1")
        func scaling(samples: Int, trainSamples: Int) -> ScalingBenchmarks {
            ScalingBenchmarks(executable: "pdekit", mpirun: "mpirun", workDirectory: URL(fileURLWithPath: "/nonexistent"), generationSamples: samples,
                              resolution: 128, trainSamples: trainSamples, batchSize: 20, epochs: 2, subsample: 1, allreduceMegabytes: [1], repetitions: 5)
        }
        #expect(message { try scaling(samples: 64, trainSamples: 40).validate() } == nil)
        #expect(message { try scaling(samples: 1, trainSamples: 1).validate() }?.hasPrefix("need --samples ≥ 2") == true)
        #expect(message { try scaling(samples: 40, trainSamples: 40).validate() } != nil)
    }
}
