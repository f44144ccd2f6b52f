import Foundation
import Testing
import Distributed

/// `MPIRuntime.threadsPerProcess`: the thread cap of one `pdekit` process, from `PDEKIT_THREADS` or the
/// launcher's count of processes on this machine.
@Suite struct ThreadsPerProcessTests {
    @Test func environmentValueWinsAndIsChecked() throws {
        #expect(try MPIRuntime.threadsPerProcess(ranks: 1, environment: ["PDEKIT_THREADS": "3"]) == 3)
        #expect(try MPIRuntime.threadsPerProcess(ranks: 4, environment: ["PDEKIT_THREADS": "4096", "OMPI_COMM_WORLD_LOCAL_SIZE": "4"]) == 4096)
        for bad in ["0", "-1", "4097", "two", "", "1e3", "9223372036854775808"] {
            #expect(throws: DistributedError.invalidThreadCount(bad)) { try MPIRuntime.threadsPerProcess(ranks: 1, environment: ["PDEKIT_THREADS": bad]) }
        }
        let long = String(repeating: "x", count: 50)
        #expect(throws: DistributedError.invalidThreadCount(String(repeating: "x", count: 20))) {
            try MPIRuntime.threadsPerProcess(ranks: 1, environment: ["PDEKIT_THREADS": long])
        }
        #expect(DistributedError.invalidThreadCount("0").description == "PDEKIT_THREADS='0' is not a thread count in 1…4096")
    }

    @Test func singleProcessIsUncappedAndRanksShareTheCores() throws {
        #expect(try MPIRuntime.threadsPerProcess(ranks: 1, environment: [:]) == nil)
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        #expect(try MPIRuntime.threadsPerProcess(ranks: 2, environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "2"]) == max(1, cores / 2))
        // More local processes than cores: one thread each, never zero.
        #expect(try MPIRuntime.threadsPerProcess(ranks: 2, environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "\(cores * 8)"]) == 1)
    }
}
