import Foundation
import Testing
import TensorCore
import NeuralOperators
import Training

/// Streaming from disk for the collections (PDEBench tensor, per-seed and CFD files, a The Well split
/// spread over several files) and for the space-time task, against the same training in memory: the
/// same fingerprint and the same loss, bit for bit, for every batch of the streamed order; a space-time
/// run resumed in the other residence ends as the uninterrupted run; bad files stop with one line
/// naming the object inside the file.
@Suite struct StreamedCollectionTests {
    static let collections = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("datasets/fixtures/collections")
    static func fixture(_ name: String) -> String { collections.appendingPathComponent(name).path }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-stream-collections-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func fno(modes: [Int], input: Int, output: Int) throws -> FourierNeuralOperator<Float> {
        var generator = SeededRandomNumberGenerator(seed: 11)
        return try FourierNeuralOperator<Float>(FNOConfiguration(modes: modes, inputChannels: input, outputChannels: output, width: 6, layerCount: 2,
                                                                 projectionChannels: 8), generator: &generator)
    }

    /// Every batch of `batch` rows of the streamed task's epoch-0 order gives the in-memory task's loss.
    func expectEqualLosses<Task: TrainingTask>(_ streamed: Task, _ memory: Task, batch: Int, _ label: String) throws where Task.Scalar == Float {
        #expect(streamed.trainingCount == memory.trainingCount && streamed.dataFingerprint == memory.dataFingerprint, "\(label)")
        let order = try #require(streamed.epochOrder(seed: 3, epoch: 0))
        #expect(order.sorted() == Array(0..<memory.trainingCount), "\(label)")
        for start in stride(from: 0, to: order.count, by: batch) {
            let rows = Array(order[start..<min(order.count, start + batch)])
            let a = try streamed.loss(batch: rows).value.scalars, b = try memory.loss(batch: rows).value.scalars
            #expect(a == b && a.allSatisfy(\.isFinite), "\(label) batch \(rows): \(a) vs \(b)")
        }
    }

    /// A The Well dataset directory whose train split is the fixture's train file twice (`a.hdf5`, `b.hdf5`:
    /// 4 trajectories across two files), with the fixture's valid and test splits.
    func wellDirectory(in directory: URL, trainFiles: [String] = ["the_well/fixture_flow/data/train/fixture_flow_train.hdf5",
                                                                 "the_well/fixture_flow/data/train/fixture_flow_train.hdf5"]) throws -> String {
        let root = directory.appendingPathComponent("flow")
        for split in ["train", "valid", "test"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent("data/\(split)"), withIntermediateDirectories: true)
        }
        for (k, file) in trainFiles.enumerated() {
            try FileManager.default.copyItem(atPath: Self.fixture(file), toPath: root.appendingPathComponent("data/train/\(["a", "b", "c"][k]).hdf5").path)
        }
        for split in ["valid", "test"] {
            try FileManager.default.copyItem(atPath: Self.fixture("the_well/fixture_flow/data/\(split)/fixture_flow_\(split).hdf5"),
                                             toPath: root.appendingPathComponent("data/\(split)/\(split).hdf5").path)
        }
        return root.path
    }

    /// The four runs of a resume-across-residence check, each through `run(name, residence, epochs, resume)`:
    /// 4 epochs streamed, 4 in memory, and 2 epochs in one residence resumed to 4 in the other (either way).
    func resumeAcrossResidences<Summary>(_ run: (String, DataResidence, Int, Bool) throws -> Summary) throws
        -> (streamedThrough: Summary, memoryThrough: Summary, resumedInMemory: Summary, resumedStreamed: Summary) {
        let streamedThrough = try run("stream", .stream, 4, false)
        let memoryThrough = try run("memory", .memory, 4, false)
        _ = try run("stream-then-memory", .stream, 2, false)
        let resumedInMemory = try run("stream-then-memory", .memory, 4, true)
        _ = try run("memory-then-stream", .memory, 2, false)
        let resumedStreamed = try run("memory-then-stream", .stream, 4, true)
        return (streamedThrough, memoryThrough, resumedInMemory, resumedStreamed)
    }

    @Test func nextStepStreamsEveryCollectionLayoutWithTheInMemoryLosses() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let well = try wellDirectory(in: directory)
        // (path, modes, train, validation, test, scalars): The Well with its 3 scalars as inputs.
        let cases: [(String, [Int], Int, Int, Int, ScalarInputs)] = [
            (well, [2, 2], 5, 1, 1, .broadcast), (well, [2, 2], 5, 1, 1, .none),
            (Self.fixture("pdebench_1d_tensor.hdf5"), [3], 2, 0, 1, .none),
            (Self.fixture("pdebench_2d_seeds.hdf5"), [3, 3], 2, 0, 1, .none),
            (Self.fixture("pdebench_2d_cfd.hdf5"), [3, 3], 2, 0, 1, .none)]
        let configuration = TrainingConfiguration(epochs: 1, batchSize: 3, weightDecay: 0)
        for (path, modes, train, validation, test, scalars) in cases {
            let split = try TrajectoryCollection.split(path, train: train, validation: validation, test: test).applying(scalars)
            let streamed = try #require(try StreamedTrajectoryData.open(path: path, key: "", layout: .timeLast, order: .file, stride: 1, residence: .stream,
                                                                         memoryLimitMiB: 1, train: train, validation: validation, test: test, scalarInputs: scalars))
            #expect(streamed.trainTrajectories == split.train.count && streamed.stream.scalarNames == split.train.scalarNames)
            #expect(streamed.test.fingerprint == split.test.fingerprint && streamed.validation?.fingerprint == split.validation?.fingerprint)
            for (history, training) in [(2, NextStepTraining.teacherForcing), (1, .pushforward(steps: 1))] {
                let c = split.train.channels, input = history * c + split.train.scalarCount
                let memory = try NextStepTrainingTask(model: fno(modes: modes, input: input, output: c), configuration: configuration, history: history,
                                                      training: training, train: split.train, validation: split.validation)
                // Chunks of 3 windows: not whole trajectories, and across the two files of The Well's train split.
                let stream = try NextStepTrainingTask(model: fno(modes: modes, input: input, output: c), configuration: configuration, history: history,
                                                      training: training, stream: streamed.stream, trainTrajectories: streamed.trainTrajectories,
                                                      validation: streamed.validation, chunkWindows: 3)
                try expectEqualLosses(stream, memory, batch: 3, "\(path) \(scalars) \(training)")
            }
        }
    }

    /// `sol` [12, 16, 8] time last: 12 periodic-advection trajectories of 8 steps on 16 points.
    func writeAdvection(_ path: String) throws -> Trajectories {
        let data = try NextStepTrainingTests.advection(count: 12, points: 16, steps: 8, seed: 9)
        try HDF5File.writeAtomically(to: path) { file in
            try file.writeDataset("sol", try NumericArray(shape: [12, 16, 8], storage: .float32(data.states.reshaped([12, 8, 16]).permuted([0, 2, 1]).scalars)))
        }
        return data
    }

    @Test func spaceTimeStreamsTheInMemoryLosses() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let advection = directory.appendingPathComponent("advection.h5").path
        let data = try writeAdvection(advection)
        let configuration = TrainingConfiguration(epochs: 1, batchSize: 2, weightDecay: 0)
        // 1-D advection (a 2-D space-time operator), history 3; PDEBench per-seed 2-D, 2 channels (3-D), history 2.
        let advectionStream = try TrajectoryStream(path: advection, order: .file)
        let seeds = try TrajectoryStream(collection: Self.fixture("pdebench_2d_seeds.hdf5"))
        for (stream, train, history, modes) in [(advectionStream, data.subset(0..<8), 3, [4, 2]),
                                                (seeds, try TrajectoryCollection.split(seeds.path, train: 2, validation: 0, test: 1).train, 2, [2, 2, 2])] {
            let pairs = try train.spaceTimePairs(history: history)
            let c = train.channels
            let memory = try OperatorTrainingTask(model: fno(modes: modes, input: history * c, output: c), configuration: configuration, train: pairs, validation: nil)
            let source = try SpaceTimePairStream(stream, history: history)
            #expect(source.inputSampleShape == Array(pairs.inputs.shape.dropFirst()) && source.targetSampleShape == Array(pairs.targets.shape.dropFirst()))
            for chunkRows in [2, 4] {
                let streamed = try OperatorTrainingTask(model: fno(modes: modes, input: history * c, output: c), configuration: configuration, stream: source,
                                                        trainRows: train.count, validation: nil, chunkRows: chunkRows)
                #expect(streamed.chunkRows == min(chunkRows, train.count), "\(streamed.chunkRows)")   // the seeds file trains on 2 rows
                try expectEqualLosses(streamed, memory, batch: 2, "\(stream.path) chunks of \(chunkRows)")
            }
        }
    }

    /// Through ``FNOTrainingRun`` (what `train fno --task space-time` runs): streamed 2 of 4 epochs then resumed
    /// in memory, or the reverse, ends with the test error of the uninterrupted run in its first residence.
    @Test func spaceTimeRunsResumeInTheOtherResidence() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("advection.h5").path
        _ = try writeAdvection(path)
        func run(_ name: String, _ residence: DataResidence, epochs: Int, resume: Bool) throws -> OperatorRunSummary {
            var operatorRun = OperatorTrainingRun(data: path, output: directory.appendingPathComponent(name).path)
            (operatorRun.train, operatorRun.validation, operatorRun.test, operatorRun.epochs, operatorRun.requestedBatchSize) = (10, 2, 2, epochs, 2)
            (operatorRun.sampleOrder, operatorRun.showsProgress, operatorRun.dataResidence, operatorRun.memoryLimitMiB) = (.file, false, residence, 1)
            operatorRun.resume = resume
            // 1 MiB: chunks of 65,536 / 1,280 bytes = 51 rows, 50 in batches of 2: all 8 training trajectories in one chunk.
            var fno = FNOTrainingRun(run: operatorRun)
            (fno.task, fno.history, fno.modes, fno.width, fno.layers) = (.spaceTime, 3, 2, 6, 1)
            return try #require(try fno.execute() as? OperatorRunSummary)
        }
        let (streamedThrough, memoryThrough, resumedInMemory, resumedStreamed) = try resumeAcrossResidences(run)
        #expect(streamedThrough.test_relative_l2.isFinite && streamedThrough.data_residence == "stream" && memoryThrough.data_residence == "memory")
        // The chunk used, not the 50 rows the limit allows: the 8 training trajectories.
        #expect(streamedThrough.chunk_rows == 8 && memoryThrough.chunk_rows == nil, "\(String(describing: streamedThrough.chunk_rows))")
        #expect(resumedInMemory.test_relative_l2 == streamedThrough.test_relative_l2, "\(resumedInMemory.test_relative_l2) vs \(streamedThrough.test_relative_l2)")
        #expect(resumedStreamed.test_relative_l2 == memoryThrough.test_relative_l2, "\(resumedStreamed.test_relative_l2) vs \(memoryThrough.test_relative_l2)")
    }

    @Test func badFilesStopStreamingWithOneLineNamingTheObject() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let badTrain = try wellDirectory(in: directory, trainFiles: ["the_well/fixture_flow/data/train/fixture_flow_train.hdf5", "the_well_bad/missing_t1.hdf5"])
        let cases = [(Self.fixture("the_well_bad/missing_t1.hdf5"), "/t1_fields"),
                     (Self.fixture("the_well_bad/constant_with_time_axis.hdf5"), "/t0_fields/density_bad"),
                     (Self.fixture("the_well_bad/time_axis_mismatch.hdf5"), "/t0_fields/inflow"),
                     (Self.fixture("pdebench_bad_cfd.hdf5"), "/pressure"),
                     (badTrain, "/t1_fields")]
        for (path, object) in cases {
            for spaceTime in [nil, 2] {
                do {
                    _ = try StreamedTrajectoryData.open(path: path, key: "", layout: .timeLast, order: .file, stride: 1, residence: .stream,
                                                        memoryLimitMiB: 1, train: 1, validation: 0, test: 1, spaceTimeHistory: spaceTime)
                    Issue.record("\(path) was streamed")
                } catch {
                    let text = "\(error)"
                    #expect(text.contains(object) && !text.contains("\n"), "\(path): \(text)")
                }
            }
        }
        // The Well's scalars are read with the trajectories only when asked: a bad scalar stops a run that uses them.
        let scalarShape = Self.fixture("the_well_bad/scalar_shape.hdf5")
        #expect(try StreamedTrajectoryData.open(path: scalarShape, key: "", layout: .timeLast, order: .file, stride: 1, residence: .stream,
                                                memoryLimitMiB: 1, train: 1, validation: 0, test: 1) != nil)
        do {
            _ = try StreamedTrajectoryData.open(path: scalarShape, key: "", layout: .timeLast, order: .file, stride: 1, residence: .stream,
                                                memoryLimitMiB: 1, train: 1, validation: 0, test: 1, scalarInputs: .broadcast)
            Issue.record("\(scalarShape) was streamed with its scalars")
        } catch {
            #expect("\(error)".contains("/scalars/inflow_speed") && !"\(error)".contains("\n"), "\(error)")
        }
    }
}

extension StreamedCollectionTests {
    /// PDEBench's Darcy file pairs `nu` [N, X, Y] with `tensor` [N, 1, X, Y] (`train fno --input-key nu
    /// --target-key tensor`): in memory and streamed the same pairs, in the fixture's closed form, and the
    /// same losses.
    @Test func pdebenchDarcyPairsStreamWithTheInMemoryLosses() throws {
        let path = Self.fixture("pdebench_2d_darcy.hdf5")
        let memory = try FieldPairFile(path: path, inputKey: "nu", targetKey: "tensor", order: .file)
        let stream = try FieldPairStream(path: path, inputKey: "nu", targetKey: "tensor", order: .file)
        #expect(memory.inputs.shape == [3, 1, 8, 6] && memory.targets.shape == [3, 1, 8, 6] && stream.targetSampleShape == [1, 8, 6])
        // make_collection_fixtures.py: nu = value(2, 0, 0, s, i, j), tensor = value(3, 0, 0, s, 0, i, j).
        var nu = [Float](), tensor = [Float]()
        for s in 0..<3 { for i in 0..<8 { for j in 0..<6 {
            nu.append(Float(200 + 0.1 * Double(s) + 0.01 * Double(i) + 0.001 * Double(j)))
            tensor.append(Float(300 + 0.1 * Double(s) + 0.001 * Double(i) + 0.0001 * Double(j)))
        } } }
        let maximum = { (a: [Float], b: [Float]) in zip(a, b).map { abs($0 - $1) }.reduce(Float(0)) { $0.isNaN || $1.isNaN ? .nan : Swift.max($0, $1) } }
        #expect(maximum(memory.inputs.scalars, nu) < 1e-4 && maximum(memory.targets.scalars, tensor) < 1e-4)
        let read = try stream.read([2, 0, 1])
        #expect(read.inputs.scalars == FieldPairs.rows(memory.inputs, [2, 0, 1]).scalars && read.targets.scalars == FieldPairs.rows(memory.targets, [2, 0, 1]).scalars)
        let configuration = TrainingConfiguration(epochs: 1, batchSize: 1, weightDecay: 0)
        let inMemory = try OperatorTrainingTask(model: fno(modes: [3, 3], input: 1, output: 1), configuration: configuration, train: memory.pairs(0..<3), validation: nil)
        let streamed = try OperatorTrainingTask(model: fno(modes: [3, 3], input: 1, output: 1), configuration: configuration, stream: stream, trainRows: 3,
                                                validation: nil, chunkRows: 2)
        try expectEqualLosses(streamed, inMemory, batch: 1, "Darcy")
        // A chunk asked larger than the rows (a generous memory limit) is all 3 rows, in batches of 2 or 3.
        for batchSize in [2, 3] {
            let whole = try OperatorTrainingTask(model: fno(modes: [3, 3], input: 1, output: 1), configuration: TrainingConfiguration(epochs: 1, batchSize: batchSize),
                                                 stream: stream, trainRows: 3, validation: nil, chunkRows: 2_056_980)
            #expect(whole.chunkRows == 3 && whole.orderChunkRows == 3 && whole.epochOrder(seed: 3, epoch: 0)?.sorted() == [0, 1, 2])
        }
    }
}

extension StreamedCollectionTests {
    /// Through ``FNOTrainingRun`` (what `train fno --task next-step` runs) on a The Well directory with its
    /// scalars as inputs: stopped after 2 of 4 epochs and resumed in the other residence, either way, the run
    /// ends with the test rollout error of the uninterrupted run in its first residence.
    @Test func theWellNextStepRunsResumeInTheOtherResidence() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let well = try wellDirectory(in: directory)
        func run(_ name: String, _ residence: DataResidence, epochs: Int, resume: Bool) throws -> NextStepRunSummary {
            var operatorRun = OperatorTrainingRun(data: well, output: directory.appendingPathComponent(name).path)
            (operatorRun.train, operatorRun.validation, operatorRun.test, operatorRun.epochs, operatorRun.requestedBatchSize) = (5, 1, 1, epochs, 2)
            (operatorRun.showsProgress, operatorRun.dataResidence, operatorRun.memoryLimitMiB, operatorRun.resume) = (false, residence, 1, resume)
            var fno = FNOTrainingRun(run: operatorRun)
            (fno.task, fno.history, fno.modes, fno.width, fno.layers, fno.scalarInputs) = (.nextStep, 2, 2, 6, 1, .broadcast)
            return try #require(try fno.execute() as? NextStepRunSummary)
        }
        let (streamedThrough, memoryThrough, resumedInMemory, resumedStreamed) = try resumeAcrossResidences(run)
        #expect(streamedThrough.data_residence == "stream" && streamedThrough.train_trajectories == 4 && streamedThrough.scalar_inputs.count == 3)
        #expect(streamedThrough.test_rollout_relative_l2.isFinite && memoryThrough.data_residence == "memory")
        #expect(resumedInMemory.test_rollout_relative_l2 == streamedThrough.test_rollout_relative_l2)
        #expect(resumedStreamed.test_rollout_relative_l2 == memoryThrough.test_rollout_relative_l2)
    }
}

extension StreamedCollectionTests {
    /// A The Well file may declare more trajectories than it stores (`n_trajectories` is only checked against
    /// the fields that vary by trajectory, and this file's one field does not): the streamed next-step task
    /// refuses to build a window index for 2^40 trajectories (16 TiB) or 2^62 (beyond a 64-bit byte count)
    /// with one line naming the index, before allocating it.
    @Test func aWindowIndexBeyondMemoryIsRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let declared40 = directory.appendingPathComponent("declares_2^40.hdf5").path
        try FileManager.default.copyItem(atPath: Self.fixture("the_well_hostile_counts/data/train/a.hdf5"), toPath: declared40)
        let file = try HDF5File(opening: declared40, mode: .readWrite)
        try file.setAttribute("n_trajectories", .int(1 << 40))
        try file.close()
        for (path, trajectories, expected) in [(declared40, 1 << 40, "the index of 1099511627776 × 1 training windows needs 16.0 TiB"),
                                               (Self.fixture("the_well_hostile_counts/data/train/a.hdf5"), 1 << 62, "the window index: the size 4611686018427387904 × 1 × 16 overflows")] {
            let stream = try TrajectoryStream(collection: path)
            #expect(stream.count == trajectories && stream.steps == 2 && stream.grid == [4])
            do {
                _ = try NextStepTrainingTask(model: fno(modes: [2], input: 1, output: 1), configuration: TrainingConfiguration(epochs: 1, batchSize: 1), history: 1,
                                             stream: stream, trainTrajectories: trajectories, validation: nil, chunkWindows: 4)
                Issue.record("\(path): a window index for \(trajectories) trajectories was built")
            } catch {
                let text = "\(error)"
                #expect(text.contains(expected) && !text.contains("\n"), "\(text)")
            }
        }
    }
}

extension StreamedCollectionTests {
    /// The Well fixture's 4 × 3 grid with `--task space-time --history 2` (2 steps predicted) cannot carry
    /// `--modes 2` (the 3-point axis holds 1 mode each way): in either residence the run stops with one line
    /// naming the grid, its axes, the flag and the largest value that fits; `--modes 3` on the next-step
    /// task (the 4 × 3 grid alone) likewise, with 2 for its limit (the last axis: 3/2 + 1).
    @Test func aGridTooSmallForTheModesNamesTheFlagAndTheLimit() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let well = Self.fixture("the_well/fixture_flow")
        for (task, modes, residence, expected) in [(FNOTrainingRun.Task.spaceTime, 2, DataResidence.memory, "the grid 4 × 3 × 2 (--task space-time: 4 × 3 points, then the 2 steps after --history 2 of 4)"),
                                                   (.spaceTime, 2, .stream, "the grid 4 × 3 × 2 (--task space-time: 4 × 3 points, then the 2 steps after --history 2 of 4)"),
                                                   (.nextStep, 3, .memory, "the grid 4 × 3 of"), (.nextStep, 3, .stream, "the grid 4 × 3 of")] {
            var operatorRun = OperatorTrainingRun(data: well, output: directory.appendingPathComponent("\(task)-\(residence)").path)
            (operatorRun.train, operatorRun.validation, operatorRun.test, operatorRun.epochs, operatorRun.requestedBatchSize) = (2, 0, 1, 1, 1)
            (operatorRun.showsProgress, operatorRun.dataResidence) = (false, residence)
            var fno = FNOTrainingRun(run: operatorRun)
            (fno.task, fno.history, fno.modes) = (task, 2, modes)
            do {
                _ = try fno.execute()
                Issue.record("\(task) \(residence): --modes \(modes) trained on a 4 × 3 grid")
            } catch {
                let text = "\(error)"
                #expect(text.contains(expected) && text.contains("is too small for --modes \(modes)") && text.hasSuffix(modes == 2 ? "use --modes 1" : "use --modes 2 or less")
                        && !text.contains("\n"), "\(text)")
            }
        }
    }
}
