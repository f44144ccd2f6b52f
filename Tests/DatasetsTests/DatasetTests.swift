import Foundation
import Testing
import TensorCore
import Datasets

/// Field pairs as a `Dataset`, seeded mini-batching, the unit-Gaussian normalizer and the loader.
@Suite struct DatasetTests {
    /// Sample n has input filled with n and target filled with −n, so batches show their indices.
    static func labelled(_ count: Int) throws -> FieldPairs {
        let inputs = try Tensor<Float>(shape: [count, 2, 3], scalars: (0..<count).flatMap { Array(repeating: Float($0), count: 6) })
        let targets = try Tensor<Float>(shape: [count, 1, 3], scalars: (0..<count).flatMap { Array(repeating: -Float($0), count: 3) })
        return try FieldPairs(inputs: inputs, targets: targets)
    }

    static func indices(of batch: Sample<Float>) -> [Int] {
        stride(from: 0, to: batch.input.count, by: 6).map { Int(batch.input.scalars[$0]) }
    }

    @Test func batchesCoverEverySampleOnceInBothOrders() throws {
        let dataset = try Self.labelled(23)
        #expect(dataset.sample(at: 5).input.shape == [2, 3] && dataset.sample(at: 5).target.scalars == [-5, -5, -5])
        for order in [BatchOrder.sequential, .shuffled(seed: 7)] {
            var seen = [Int]()
            var iterator = dataset.batches(size: 5, order: order)
            #expect(iterator.batchCount == 5)
            while let batch = iterator.next() {
                let indices = Self.indices(of: batch)
                #expect(batch.target.scalars == indices.flatMap { Array(repeating: -Float($0), count: 3) })
                #expect(batch.input.shape == [indices.count, 2, 3])
                seen += indices
            }
            #expect(seen.sorted() == Array(0..<23))
            if order == .sequential { #expect(seen == Array(0..<23)) } else { #expect(seen != Array(0..<23)) }
        }
        let dropped = Array(dataset.batches(size: 5, order: .shuffled(seed: 1), dropLast: true))
        #expect(dropped.count == 4 && dropped.allSatisfy { $0.input.shape[0] == 5 })
    }

    @Test func shufflingIsReproducibleAndRoughlyUniform() throws {
        let dataset = try Self.labelled(10)
        let first = BatchIterator(dataset: dataset, batchSize: 3, order: .shuffled(seed: 42)).order
        #expect(first == BatchIterator(dataset: dataset, batchSize: 3, order: .shuffled(seed: 42)).order)
        #expect(first != BatchIterator(dataset: dataset, batchSize: 3, order: .shuffled(seed: 43)).order)
        // Over 4000 seeds, each sample lands in position 0 about 400 times (χ², 9 dof, p ≈ 1e-6 at 50).
        var counts = [Int](repeating: 0, count: 10)
        for seed in 0..<4000 { counts[BatchIterator(dataset: dataset, batchSize: 1, order: .shuffled(seed: UInt64(seed))).order[0]] += 1 }
        let chiSquared = counts.reduce(0.0) { $0 + pow(Double($1) - 400, 2) / 400 }
        #expect(chiSquared < 50, "χ² = \(chiSquared), counts \(counts)")
    }

    @Test func subsetsAndMismatchedCounts() throws {
        let dataset = try Self.labelled(12)
        let test = dataset.subset(10..<12)
        #expect(test.count == 2 && test.sample(at: 1).input.scalars.first == 11)
        let bad = Tensor<Float>.zeros([3, 1, 2])
        #expect(throws: DatasetError.self) { try FieldPairs(inputs: bad, targets: Tensor<Float>.zeros([4, 1, 2])) }
        var nan = Tensor<Float>.zeros([2, 1, 8]); nan.scalars[3] = .nan
        #expect(throws: DatasetError.nonFinite(path: "<pairs>", detail: "inputs")) { try FieldPairs(inputs: nan, targets: .zeros([2, 1, 8])) }
    }

    @Test func normalizerStandardizesEachPoint() throws {
        // Point p of sample n: 3 p + (n − 2) (p + 1), n = 0…4: mean 3 p, unbiased std (p + 1) √2.5.
        var values = [Double]()
        for n in 0..<5 { for p in 0..<6 { values.append(3 * Double(p) + Double(n - 2) * Double(p + 1)) } }
        let samples = try Tensor<Double>(shape: [5, 2, 3], scalars: values)
        let normalizer = try UnitGaussianNormalizer(fitting: samples, spreadGuard: .epsilon(0))
        #expect(normalizer.mean.shape == [1, 2, 3])
        for p in 0..<6 {
            #expect(abs(normalizer.mean.scalars[p] - 3 * Double(p)) < 1e-12)
            #expect(abs(normalizer.standardDeviation.scalars[p] - Double(p + 1) * 2.5.squareRoot()) < 1e-12)
        }
        let encoded = normalizer.encode(samples)
        #expect(abs(encoded.scalars[0] - (-2 / 2.5.squareRoot())) < 1e-12)  // n = 0: (n − 2)/√2.5
        let decoded = normalizer.decode(encoded)
        #expect(zip(decoded.scalars, values).allSatisfy { abs($0 - $1) < 1e-12 })
        // A single sample encodes the same way.
        #expect(normalizer.encode(samples.sliced(alongAxis: 0, 0..<1)).scalars == Array(encoded.scalars.prefix(6)))
        // Empty data cannot be fitted.
        #expect(throws: DatasetError.self) { try UnitGaussianNormalizer(fitting: Tensor<Double>.zeros([0, 3])) }
    }

    @Test func loaderDetectsFormatsFromBytes() throws {
        let expected: [(String, DatasetFormat)] = [
            ("ramp_f4.npy", .npy), ("deeponet.npz", .npz), ("darcy_v5.mat", .matVersion5), ("burgers_v73.mat", .matVersion73),
        ]
        for (name, format) in expected { #expect(try DatasetLoader.detectFormat(Fixtures.path(name)) == format, "\(name)") }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // An HDF5 file named .mat, and an NPY named .h5: the bytes decide.
        try HDF5File.writeAtomically(to: directory.path("misnamed.mat")) { try $0.writeDataset("coeff", try NumericArray(shape: [2], storage: .float64([1, 2]))) }
        #expect(try DatasetLoader.detectFormat(directory.path("misnamed.mat")) == .hdf5)
        try NPYFormat.write(try NumericArray(shape: [1], storage: .int32([3])), to: directory.path("misnamed.h5"))
        #expect(try DatasetLoader.load(directory.path("misnamed.h5"), keys: ["misnamed"]).first?.storage == .int32([3]))
        try Data(Array("hello".utf8)).write(to: URL(fileURLWithPath: directory.path("hello.h5")))
        #expect(throws: DatasetError.unrecognizedFormat(path: directory.path("hello.h5"))) { try DatasetLoader.open(directory.path("hello.h5")) }
        #expect(throws: DatasetError.self) { try DatasetLoader.open(directory.path("absent.npz")) }
        // FNO-style loading by key straight into a dataset.
        let darcy = try FieldPairFile(path: Fixtures.path("darcy_v5.mat"), inputKey: "coeff", targetKey: "sol")
        #expect(darcy.count == 3 && darcy.inputSampleShape == [1, 5, 5])
        #expect(darcy.sample(at: 1).input.scalars.first == Float(1 + 0.01 * 25))
        #expect(throws: DatasetError.self) { try darcy.pairs(0..<4) }
    }

    @Test func numericArrayConversionsAndStatistics() throws {
        let array = try NumericArray(shape: [2, 2], storage: .int64([-3, 0, 5, 2]))
        #expect(array.tensor(as: Double.self).scalars == [-3, 0, 5, 2])
        let statistics = try #require(array.statistics)
        #expect(statistics.minimum == -3 && statistics.maximum == 5 && statistics.mean == 1)
        let tensor = try Tensor<Float>(shape: [3], scalars: [1, 2, 3])
        #expect(NumericArray(tensor).storage == .float32([1, 2, 3]))
        #expect(throws: DatasetError.self) { try NumericArray(shape: [2, 2], storage: .float32([1])) }
        #expect(try NumericArray.stacked([array, array]).shape == [2, 2, 2])
        #expect(throws: DatasetError.self) { try NumericArray.stacked([array, NumericArray(tensor)]) }
    }
}
