import Foundation
import Testing
import TensorCore
import Datasets

/// Streaming trajectories from disk: every streamed trajectory equals the in-memory reader's
/// (``TrajectoryFile``: sample order, time axis, subsampling) bit for bit, the prefetcher hands out the
/// same trajectories, and bad requests or a file that is not HDF5 are typed errors.
@Suite struct TrajectoryStreamTests {
    /// `count` trajectories stored in the order `sampleIndex`, a 2-D grid 6 × 5 and 4 steps, time last
    /// (`[N, 6, 5, 4]`) or second (`[N, 4, 6, 5]`): u(k, i, j, t) = 100 k + 10 i + j + t / 8 + 0.25 sin(k + i·t).
    func writeFile(_ path: String, count: Int, layout: TrajectoryLayout, sampleIndex: [Int64]) throws {
        func u(_ k: Int64, _ i: Int, _ j: Int, _ t: Int) -> Double { 100 * Double(k) + 10 * Double(i) + Double(j) + Double(t) / 8 + 0.25 * sin(Double(k) + Double(i * t)) }
        var values = [Double]()
        for k in sampleIndex {
            switch layout {
            case .timeLast: for i in 0..<6 { for j in 0..<5 { for t in 0..<4 { values.append(u(k, i, j, t)) } } }
            case .timeSecond: for t in 0..<4 { for i in 0..<6 { for j in 0..<5 { values.append(u(k, i, j, t)) } } }
            }
        }
        try HDF5File.writeAtomically(to: path) { file in
            try file.writeDataset("sol", try NumericArray(shape: layout == .timeLast ? [count, 6, 5, 4] : [count, 4, 6, 5], storage: .float64(values)))
            try file.writeDataset(SampleOrder.sampleIndexKey, try NumericArray(shape: [count], storage: .int64(sampleIndex)))
        }
    }

    @Test func streamedTrajectoriesEqualTheInMemoryReader() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sampleIndex: [Int64] = [5, 0, 9, 3, 1, 8, 2, 7, 4, 6]
        for layout in TrajectoryLayout.allCases {
            let path = directory.path("trajectories-\(layout.rawValue).h5")
            try writeFile(path, count: 10, layout: layout, sampleIndex: sampleIndex)
            for (order, stride) in [(SampleOrder.sampled, 1), (.file, 2), (.sampled, 2)] {
                let memory = try TrajectoryFile(path: path, key: "sol", layout: layout, order: order, stride: stride)
                let stream = try TrajectoryStream(path: path, key: "sol", layout: layout, order: order, stride: stride)
                #expect(stream.count == 10 && stream.steps == 4 && [1] + stream.grid == Array(memory.states.shape.dropFirst(2)))
                #expect(stream.bytesPerTrajectory == 4 * stream.grid.reduce(1, *) * 4)
                for indices in [[0, 1, 2], [9, 3, 3, 7], [4], Array(0..<10).reversed()] {
                    let states = try stream.read(indices)
                    #expect(states.shape == [indices.count] + Array(memory.states.shape.dropFirst()))
                    #expect(states.scalars == FieldPairs.rows(memory.states, indices).scalars, "\(layout) \(order) stride \(stride) rows \(indices)")
                }
                #expect(try stream.trajectories(2..<5).fingerprint == memory.trajectories(2..<5).fingerprint)
            }
        }
    }

    @Test func prefetchedTrajectoriesEqualTheFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("trajectories.h5")
        try writeFile(path, count: 10, layout: .timeLast, sampleIndex: (0..<10).map { Int64((3 * $0) % 10) })
        let memory = try TrajectoryFile(path: path)
        let stream = try TrajectoryStream(path: path)
        let prefetcher = ChunkPrefetcher(path: path, read: { indices in let states = try stream.read(indices); return (states, states) })
        prefetcher.start(plan: [[7, 2, 5], [0, 9], [1, 3, 4, 6, 8]])
        for batch in [[2, 7], [5], [9, 0], [8, 1, 3], [4, 6]] {
            #expect(try prefetcher.rows(batch).inputs.scalars == FieldPairs.rows(memory.states, batch).scalars, "trajectories \(batch)")
        }
        // A trajectory in several chunks (its windows spread over the epoch) is served from any of them.
        prefetcher.start(plan: [[0, 1], [2, 0], [1, 3], [0, 2], [4]])
        for batch in [[1, 0], [0], [2, 0, 3], [1, 3], [2, 0], [4, 0]] {
            #expect(try prefetcher.rows(batch).inputs.scalars == FieldPairs.rows(memory.states, batch).scalars, "trajectories \(batch)")
        }
    }

    @Test func badRequestsAndFilesAreTypedErrors() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("trajectories.h5")
        try writeFile(path, count: 3, layout: .timeLast, sampleIndex: [0, 1, 2])
        let stream = try TrajectoryStream(path: path)
        #expect(throws: DatasetError.self) { try stream.read([3]) }
        #expect(throws: DatasetError.self) { try stream.read([]) }
        #expect(throws: DatasetError.self) { try stream.trajectories(2..<4) }
        #expect(throws: DatasetError.self) { try TrajectoryStream(path: path, key: "missing") }
        #expect(throws: DatasetError.self) { try TrajectoryStream(path: path, stride: 0) }
        let npy = directory.path("trajectories.npy")
        try Data("not an HDF5 file".utf8).write(to: URL(fileURLWithPath: npy))
        #expect(try TrajectoryStream.open(path: npy, key: "sol", layout: .timeLast, order: .file, stride: 1, required: false) == nil)
        #expect(throws: DatasetError.self) { try TrajectoryStream(path: npy) }
    }

    /// Steps of a window and next-step windows (h inputs, a target `offset` steps after the start) read as
    /// hyperslabs equal the in-memory reader's states (the whole array read by ``TrajectoryFile``), in both
    /// time layouts, the sampled order and with subsampling.
    @Test func stepRangesAndWindowsEqualTheInMemoryStates() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for layout in TrajectoryLayout.allCases {
            let path = directory.path("windows-\(layout.rawValue).h5")
            try writeFile(path, count: 6, layout: layout, sampleIndex: [3, 0, 5, 1, 4, 2])
            for stride in [1, 2] {
                let memory = try TrajectoryFile(path: path, layout: layout, stride: stride).trajectories(0..<6)
                let stream = try TrajectoryStream(path: path, layout: layout, stride: stride)
                for (indices, steps) in [([0, 1, 2], 1..<3), ([5, 2, 2], 0..<4), ([4], 3..<4)] {
                    let expected = FieldPairs.rows(memory.states, indices).sliced(alongAxis: 1, steps)
                    #expect(try stream.read(indices, steps: steps).scalars == expected.scalars, "\(layout) stride \(stride) \(indices) \(steps)")
                }
                let windows: [(sample: Int, start: Int)] = [(0, 0), (3, 1), (0, 1), (5, 0), (3, 0)]
                for (length, offset) in [(2, 2), (1, 1), (1, 2), (3, 0)] {
                    let read = try stream.windows(windows, length: length, targetOffset: offset)
                    #expect(read.inputs.scalars == memory.windows(windows, length: length).scalars, "\(layout) inputs of length \(length)")
                    #expect(read.targets.scalars == memory.windows(windows.map { ($0.sample, $0.start + offset) }, length: 1).scalars, "\(layout) targets")
                }
                #expect(throws: DatasetError.self) { try stream.windows([(0, 2)], length: 2, targetOffset: 2) }
                #expect(throws: DatasetError.self) { try stream.read([0], steps: 3..<5) }
            }
        }
    }

    /// The Well's split streamed a window of steps at a time equals what the `the-well` package's own
    /// loader returned for the whole split (`the_well_loader_reference.npz`), sliced to those steps.
    @Test func theWellStepRangesEqualTheWellsOwnLoader() throws {
        let reference = try DatasetLoader.open(Fixtures.path("collections/the_well_loader_reference.npz"))
        for (split, name) in [("train", "train"), ("valid", "valid"), ("test", "test")] {
            let stream = try TrajectoryStream(wellSplit: Fixtures.path("collections/the_well/fixture_flow/data/\(split)"))
            let expected = try reference.tensor(named: name, as: Float.self)
            #expect(stream.count == expected.shape[0] && stream.channels == 8 && stream.grid == [4, 3])
            for (indices, steps) in [([1, 0], 1..<3), ([1], 3..<4), ([0, 1], 0..<4)] {
                let slice = FieldPairs.rows(expected, indices).sliced(alongAxis: 1, steps)
                #expect(try stream.read(indices, steps: steps).scalars == slice.scalars, "\(split) \(indices) \(steps)")
            }
        }
    }

    /// h5py writes an empty Python list (`field_names = []` of a group without fields, no
    /// `simulation_parameters`) as an empty float64 array: read as no names, not as a malformed file.
    @Test func emptyWellNameListsAreNoNames() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("no_t2.hdf5")
        try FileManager.default.copyItem(atPath: Fixtures.path("collections/the_well/fixture_flow/data/train/fixture_flow_train.hdf5"), toPath: path)
        let file = try HDF5File(opening: path, mode: .readWrite)
        try file.setAttribute("field_names", .doubles([]), on: "/t2_fields")
        try file.setAttribute("simulation_parameters", .doubles([]), on: "/")
        try file.close()
        let well = try WellFile(path: path)
        #expect(well.channelNames == ["density", "inflow", "velocity_x", "velocity_y"] && well.simulationParameters.isEmpty)
        let stream = try TrajectoryStream(collection: path)
        let reference = try DatasetLoader.open(Fixtures.path("collections/the_well_loader_reference.npz")).tensor(named: "train", as: Float.self)
        // the-well's loader gave the 8 channels of the full file; the first 4 are these.
        #expect(try stream.read([0, 1]).scalars == reference.sliced(alongAxis: 0, 0..<2).sliced(alongAxis: 2, 0..<4).scalars)
    }
}
