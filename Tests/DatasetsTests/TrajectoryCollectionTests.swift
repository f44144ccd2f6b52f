import Foundation
import Testing
import TensorCore
import Datasets

/// The collection readers on fixtures written by `datasets/fixtures/collections/make_collection_fixtures.py`
/// (h5py, following The Well's and PDEBench's published layouts): every element against the script's
/// closed form, The Well's splits against what the `the-well` package's own loader returned for the same
/// files (`the_well_loader_reference.npz`, bench/peers/well_loader_reference.py), and bad files as one
/// error naming the object inside the file.
@Suite struct TrajectoryCollectionTests {
    static func path(_ name: String) -> String { Fixtures.path("collections/" + name) }

    /// The fixture script's `value(field, s, t, *rest)`, rounded to Float32 as stored.
    static func value(_ field: Int, _ s: Int, _ t: Int, _ rest: Int...) -> Float {
        var v = 100.0 * Double(field) + 10.0 * Double(s) + Double(t)
        for (k, r) in rest.enumerated() { v += pow(0.1, Double(k + 1)) * Double(r) }
        return Float(v)
    }

    @Test func theWellDirectoryReadsItsSplitsAsTheWellsOwnLoaderDoes() throws {
        let directory = Self.path("the_well/fixture_flow")
        #expect(try TrajectoryCollection.detect(directory) == .theWellDirectory)
        let split = try TrajectoryCollection.split(directory, train: 3, validation: 1, test: 2)
        let reference = try DatasetLoader.open(Self.path("the_well_loader_reference.npz"))
        for (name, data, offset) in [("train", split.train, 0), ("valid", split.validation!, 10), ("test", split.test, 20)] {
            #expect(data.states.shape == [data.count, 4, 8, 4, 3])
            let expected = try reference.tensor(named: name, as: Float.self)
            // the-well's loader read all trajectories of the split; PDEKit the first `count` of them.
            #expect(expected.sliced(alongAxis: 0, 0..<data.count).scalars == data.states.scalars, "\(name) differs from the-well's WellDataset")
            // And the closed form: channels density, inflow, velocity_x|y, stress_xx|xy|yx|yy.
            var closed = [Float]()
            for s in 0..<data.count { for t in 0..<4 {
                for i in 0..<4 { for j in 0..<3 { closed.append(Self.value(1, offset + s, t, i, j)) } }
                for i in 0..<4 { for _ in 0..<3 { closed.append(Self.value(3, offset + s, t, i, 0)) } }
                for c in 0..<2 { for i in 0..<4 { for j in 0..<3 { closed.append(Self.value(4, offset + s, t, i, j, c)) } } }
                for a in 0..<2 { for b in 0..<2 { for i in 0..<4 { for j in 0..<3 { closed.append(Self.value(5, offset + s, t, i, j, a, b)) } } } }
            } }
            #expect(data.states.scalars == closed, "\(name) differs from the fixture's closed form")
        }
        #expect(split.train.count == 2 && split.validation?.count == 1 && split.test.count == 2)
        // Scalars (constant Re, sample- and time-varying energy, sample-varying inflow_speed) as the-well's
        // loader returned them (input/output_scalars, constant_scalars), and in the closed form.
        for (name, data, offset) in [("train", split.train, 0), ("valid", split.validation!, 10), ("test", split.test, 20)] {
            #expect(data.scalarNames == ["Re", "energy", "inflow_speed"])
            let scalars = try #require(data.scalars)
            #expect(scalars.shape == [data.count, 4, 3])
            for (k, scalar) in data.scalarNames.enumerated() {
                let expected = try reference.tensor(named: "\(name)_scalar_\(scalar)", as: Float.self).sliced(alongAxis: 0, 0..<data.count)
                let column = (0..<(data.count * 4)).map { scalars.scalars[$0 * 3 + k] }
                #expect(column == expected.scalars, "\(name) scalar \(scalar) differs from the-well's WellDataset")
            }
            var closed: [Float] = []
            for s in 0..<data.count {
                for t in 0..<4 { closed += [100, Float(s * 4 + t), 2 + 0.5 * Float(offset + s)] }
            }
            #expect(scalars.scalars == closed, "\(name) scalars differ from the fixture's closed form")
        }
        #expect(split.applying(.none).train.scalars == nil && split.applying(.broadcast).train.scalarCount == 3)
        let well = try WellFile(path: Self.path("the_well/fixture_flow/data/train/fixture_flow_train.hdf5"))
        #expect(well.channelNames == ["density", "inflow", "velocity_x", "velocity_y", "stress_xx", "stress_xy", "stress_yx", "stress_yy"])
        #expect(well.boundaryConditions.map(\.type) == ["PERIODIC", "WALL"] && well.times == [0, 0.5, 1, 1.5])
        #expect(well.fields.first { $0.name == "obstacle" }?.timeVarying == false)
    }

    @Test func pdebenchLayoutsAreDetectedFromKeysAndReadInPlace() throws {
        let tensor = try TrajectoryCollection.read(Self.path("pdebench_1d_tensor.hdf5"))
        #expect(tensor.states.shape == [3, 5, 1, 8])
        var expected = [Float]()
        for s in 0..<3 { for t in 0..<5 { for i in 0..<8 { expected.append(Self.value(1, s, t, i)) } } }
        #expect(tensor.states.scalars == expected)
        let seeds = try TrajectoryCollection.read(Self.path("pdebench_2d_seeds.hdf5"))
        #expect(seeds.states.shape == [3, 5, 2, 8, 6])
        expected = []
        for s in 0..<3 { for t in 0..<5 { for c in 0..<2 { for i in 0..<8 { for j in 0..<6 { expected.append(Self.value(4, s, t, i, j, c)) } } } } }
        #expect(seeds.states.scalars == expected)
        let cfd = try TrajectoryCollection.read(Self.path("pdebench_2d_cfd.hdf5"))
        #expect(cfd.states.shape == [3, 5, 4, 8, 6])
        expected = []
        for s in 0..<3 { for t in 0..<5 { for k in 0..<4 { for i in 0..<8 { for j in 0..<6 { expected.append(Self.value(5 + k, s, t, i, j)) } } } } }
        #expect(cfd.states.scalars == expected)
        #expect(try TrajectoryCollection.detect(Self.path("pdebench_2d_darcy.hdf5")) == .pdebenchDarcy)
        #expect(throws: DatasetError.self) { try TrajectoryCollection.read(Self.path("pdebench_2d_darcy.hdf5")) }
        // The extension plays no part: the same bytes under another name.
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.copyItem(atPath: Self.path("pdebench_2d_cfd.hdf5"), toPath: directory.path("fields.npy"))
        #expect(try TrajectoryCollection.detect(directory.path("fields.npy")) == .pdebenchCFD)
        #expect(try TrajectoryCollection.describe(Self.path("pdebench_2d_cfd.hdf5"))?.first == "PDEBench compressible Navier–Stokes layout")
    }

    @Test func badFilesNameTheObjectInsideTheFile() throws {
        let cases = [("the_well_bad/missing_t1.hdf5", "/t1_fields"),
                     ("the_well_bad/constant_with_time_axis.hdf5", "/t0_fields/density_bad"),
                     ("the_well_bad/time_axis_mismatch.hdf5", "/t0_fields/inflow"),
                     ("the_well_bad/scalar_shape.hdf5", "/scalars/inflow_speed"),
                     ("pdebench_bad_cfd.hdf5", "/pressure")]
        for (file, object) in cases {
            do {
                _ = try TrajectoryCollection.read(Self.path(file))
                Issue.record("\(file) was read")
            } catch let error as DatasetError {
                #expect(error.description.contains(object), "\(file): \(error.description)")
                #expect(!error.description.contains("\n"))
            }
        }
    }

    /// Header sizes from `make_collection_fixtures.py`'s hostile files: grid extents 2^62 × 2^62 (their
    /// product overflows), two files of 2^62 trajectories (their sum overflows) and a 2^20 × 2^20 grid
    /// (8 TiB): each a typed one-line error before anything is allocated.
    @Test func hostileWellSizesAreErrorsBeforeAllocating() throws {
        func expectTooLarge(_ what: String, _ body: () throws -> Void) {
            do {
                try body()
                Issue.record("\(what) was accepted")
            } catch let error as DatasetError {
                guard case .tooLarge = error else { Issue.record("\(what): \(error)"); return }
                #expect(!error.description.contains("\n"))
            } catch {
                Issue.record("\(what): \(error)")
            }
        }
        let overflowing = Self.path("the_well_bad/overflowing_grid.hdf5")
        #expect(try WellFile(path: overflowing).grid == [1 << 62, 1 << 62])
        expectTooLarge("a 2^62 × 2^62 grid") { _ = try TrajectoryCollection.read(overflowing) }
        expectTooLarge("a 2^40-point grid split") {
            _ = try TrajectoryCollection.split(Self.path("the_well_hostile_grid"), train: 2, validation: 1, test: 1)
        }
        do {
            _ = try TrajectoryCollection.describe(Self.path("the_well_hostile_counts"))
            Issue.record("2 × 2^62 trajectories were summed")
        } catch let error as DatasetError {
            guard case .malformed(_, let detail) = error else { Issue.record("\(error)"); return }
            #expect(detail.contains("n_trajectories"))
        }
    }
}
