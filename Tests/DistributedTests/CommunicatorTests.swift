import Testing
import Distributed

/// The single-rank path: what every command runs through without a launcher. (The MPI path runs
/// under `mpirun -np 2` in scripts/mpi-tests.sh.) `scripts/test.sh` runs this suite in a process of its
/// own: the hypre tests initialize MPI for the process they run in, and these tests check that MPI is
/// left uninitialized.
@Suite struct CommunicatorTests {
    @Test func singleRankCollectivesAreIdentitiesAndDoNotTouchMPI() throws {
        let single = Communicator.single
        #expect(single.rank == 0 && single.size == 1 && !single.usesMPI && single.isRoot)
        var floats: [Float] = [1.5, -2, .nan]
        try single.allreduceSum(&floats)
        #expect(floats[0] == 1.5 && floats[1] == -2 && floats[2].isNaN)
        var doubles: [Double] = [3, 4]
        try single.broadcast(&doubles)
        try single.allreduceSum(&doubles)
        #expect(doubles == [3, 4])
        try single.barrier()
        #expect(try single.gather([7.0, 8.0]) == [[7.0, 8.0]])
        #expect(try single.allreduceMax(Int64(5)) == 5)
        #expect(try single.broadcast(Int64(9)) == 9)
        // None of the above initialized MPI behind the test's back.
        #expect(!MPIRuntime.isInitialized)
    }

    @Test func worldWithoutInitializationIsAnError() {
        #expect(throws: DistributedError.notInitialized) { try Communicator.world() }
    }

    @Test func launcherDetection() throws {
        #expect(!MPIRuntime.launchedByMPI(environment: ["PATH": "/bin"]))
        #expect(MPIRuntime.launchedByMPI(environment: ["OMPI_COMM_WORLD_SIZE": "2"]))
        #expect(MPIRuntime.launchedByMPI(environment: ["PMI_SIZE": "4"]))
        #expect(MPIRuntime.launcherRank(environment: ["OMPI_COMM_WORLD_RANK": "3"]) == 3)
        #expect(MPIRuntime.launcherRank(environment: [:]) == nil)
        #expect(MPIRuntime.localProcessCount(environment: [:]) == 1)
        #expect(MPIRuntime.localProcessCount(environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "2"]) == 2)
        #expect(MPIRuntime.launcherSize(environment: [:]) == 1)
        #expect(MPIRuntime.launcherSize(environment: ["OMPI_COMM_WORLD_SIZE": "4"]) == 4)
        #expect(MPIRuntime.launcherSize(environment: ["PMI_SIZE": "x"]) == 1)
        // Not launched: the single communicator, MPI untouched.
        #expect(!(try MPIRuntime.initializeIfLaunched(environment: [:]).usesMPI))
        #expect(!MPIRuntime.isInitialized)
    }

    @Test func shardsCoverTheItemsOnceInOrder() throws {
        for itemCount in [0, 1, 7, 10, 101] {
            for parts in 1...9 {
                var covered: [Int] = []
                for index in 0..<parts {
                    let range = try Shard(index: index, count: parts).range(of: itemCount)
                    #expect(range.count <= itemCount / parts + 1 && range.count >= itemCount / parts)
                    covered += Array(range)
                }
                #expect(covered == Array(0..<itemCount), "\(itemCount) items in \(parts) parts")
            }
        }
        #expect(try Shard(index: 1, count: 2).range(of: Int.max).upperBound == Int.max)
        #expect(try Shard(index: 0, count: 3).range(of: Int.max).upperBound == Int.max / 3)
        // Huge part counts (a --shard value) do not overflow: I·(n mod N) is formed in double width.
        #expect(try Shard(index: Int.max - 1, count: Int.max).range(of: 11) == 10..<11)
        #expect(try Shard(index: Int.max - 2, count: Int.max).range(of: 11).isEmpty)
    }

    @Test func shardParsing() throws {
        #expect(try Shard(parsing: "2/5") == Shard(index: 2, count: 5))
        #expect(Shard.whole.isWhole && Shard.whole.description == "0/1")
        for bad in ["5/5", "-1/3", "1/0", "1", "a/b", "1/2/3", ""] {
            #expect(throws: DistributedError.self, "\(bad)") { try Shard(parsing: bad) }
        }
    }
}
