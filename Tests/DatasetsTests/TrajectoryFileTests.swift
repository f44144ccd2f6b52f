import Foundation
import Testing
import TensorCore
import Datasets

/// TrajectoryFile: time-last and time-second arrays become [N, T, C, grid…] with the values where the
/// layout puts them; splits by trajectory; unusable shapes and NaN are typed errors.
@Suite struct TrajectoryFileTests {
    @Test func timeLastAndTimeSecondArraysBecomeSamplesStepsChannelsGrid() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // u[s, i, j, t] = 1000 s + 100 i + 10 j + t on a 3 × 2 grid, 4 steps, 5 trajectories.
        var timeLast = [Double](), timeSecond = [Double]()
        for s in 0..<5 { for i in 0..<3 { for j in 0..<2 { for t in 0..<4 { timeLast.append(Double(1000 * s + 100 * i + 10 * j + t)) } } } }
        for s in 0..<5 { for t in 0..<4 { for i in 0..<3 { for j in 0..<2 { timeSecond.append(Double(1000 * s + 100 * i + 10 * j + t)) } } } }
        try NPYFormat.write(try NumericArray(shape: [5, 3, 2, 4], storage: .float64(timeLast)), to: directory.path("sol.npy"))
        try NPYFormat.write(try NumericArray(shape: [5, 4, 3, 2], storage: .float64(timeSecond)), to: directory.path("tensor.npy"))
        let last = try TrajectoryFile(path: directory.url.path, key: "sol", layout: .timeLast)
        let second = try TrajectoryFile(path: directory.url.path, key: "tensor", layout: .timeSecond)
        #expect(last.states.shape == [5, 4, 1, 3, 2] && second.states.shape == [5, 4, 1, 3, 2])
        #expect(last.states.scalars == timeSecond.map(Float.init))
        #expect(second.states.scalars == last.states.scalars)
        // Stride 2 keeps grid rows 0 and 2, column 0.
        let strided = try TrajectoryFile(path: directory.url.path, key: "sol", layout: .timeLast, stride: 2)
        #expect(strided.states.shape == [5, 4, 1, 2, 1] && strided.states.scalars[1] == 200 && strided.states.scalars[2] == 1)
        let split = try last.split(train: 3, validation: .count(1), test: 2)
        #expect(split.train.count == 2 && split.validation?.count == 1 && split.test.count == 2)
        #expect(split.test.states.scalars[0] == 3000 && split.validation!.states.scalars[0] == 2000)
        #expect(throws: DatasetError.self) { try last.split(train: 4, validation: .count(1), test: 2) }
        // A rank without grid axes, one step, a missing key.
        try NPYFormat.write(try NumericArray(shape: [5, 4], storage: .float64(Array(timeLast.prefix(20)))), to: directory.path("flat.npy"))
        try NPYFormat.write(try NumericArray(shape: [5, 6, 1], storage: .float64(Array(timeLast.prefix(30)))), to: directory.path("single.npy"))
        #expect(throws: DatasetError.self) { try TrajectoryFile(path: directory.url.path, key: "flat") }
        #expect(throws: DatasetError.self) { try TrajectoryFile(path: directory.url.path, key: "single") }
        #expect(throws: DatasetError.self) { try TrajectoryFile(path: directory.url.path, key: "missing") }
        // NaN in a used trajectory.
        var poisoned = timeLast
        poisoned[3] = .nan
        try NPYFormat.write(try NumericArray(shape: [5, 3, 2, 4], storage: .float64(poisoned)), to: directory.path("nan.npy"))
        #expect(throws: DatasetError.self) { try TrajectoryFile(path: directory.url.path, key: "nan").split(train: 3, validation: .count(0), test: 1) }
    }
}
