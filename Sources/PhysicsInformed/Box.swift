import TensorCore
import RunSupport

/// An axis-aligned box `[a₁, b₁] × … × [a_d, b_d]`, the domain of a PINN problem (space or space–time).
public struct Box: Sendable, Equatable, Codable {
    /// Lower corner `a`.
    public let lower: [Double]
    /// Upper corner `b`.
    public let upper: [Double]

    /// - Precondition: equal counts (1–3 or 4 for space–time) and `a_i < b_i`.
    public init(lower: [Double], upper: [Double]) {
        precondition(lower.count == upper.count && !lower.isEmpty, "Box needs matching, non-empty corners")
        precondition(zip(lower, upper).allSatisfy { $0 < $1 }, "Box needs lower < upper on every axis")
        self.lower = lower
        self.upper = upper
    }

    /// The interval `[a, b]`.
    public static func interval(_ a: Double, _ b: Double) -> Box { Box(lower: [a], upper: [b]) }

    /// Number of axes.
    public var dimension: Int { lower.count }
    /// `b_i − a_i` per axis.
    public var extents: [Double] { zip(lower, upper).map { $1 - $0 } }
    /// `Π (b_i − a_i)`.
    public var volume: Double { extents.reduce(1, *) }

    /// Maps unit-cube points `[N, d]` (row-major, values in [0, 1]) affinely onto the box.
    public func mapFromUnitCube(_ unit: [Double]) -> [Double] {
        let d = dimension
        var result = unit
        for index in 0..<unit.count {
            let axis = index % d
            result[index] = lower[axis] + unit[index] * (upper[axis] - lower[axis])
        }
        return result
    }

    /// `count` points on the face `x_axis = a_axis` (or `b_axis` when `upperFace`), the other
    /// coordinates drawn by `sampling`.
    public func facePoints(axis: Int, upperFace: Bool, count: Int, sampling: CollocationSampling,
                           generator: inout SeededRandomNumberGenerator) -> [Double] {
        precondition(axis < dimension, "face axis out of range")
        let d = dimension
        var points: [Double]
        if d == 1 {
            points = [Double](repeating: 0, count: count)
        } else {
            let face = Box(lower: lower.enumerated().filter { $0.offset != axis }.map(\.element),
                           upper: upper.enumerated().filter { $0.offset != axis }.map(\.element))
            let inner = sampling.sample(count: count, in: face, generator: &generator)
            points = [Double](repeating: 0, count: count * d)
            for n in 0..<count {
                var k = 0
                for a in 0..<d where a != axis { points[n * d + a] = inner[n * (d - 1) + k]; k += 1 }
            }
        }
        for n in 0..<count { points[n * d + axis] = upperFace ? upper[axis] : lower[axis] }
        return points
    }

    /// The number of nodes `∏ counts[i]` of `grid(counts:)`, overflow-checked, after checking that
    /// its `[N, d]` doubles fit in `budget`. Call it first for counts a user chose.
    public func gridNodeCount(counts: [Int], budget: MemoryBudget = MemoryBudget()) throws(MemoryBudgetError) -> Int {
        let total = try MemoryBudget.product(counts, what: "evaluation grid")
        try budget.requireArray(shape: [total, dimension], bytesPerElement: MemoryLayout<Double>.stride, what: "evaluation grid")
        return total
    }

    /// A tensor-product grid with `counts[i]` equispaced nodes on axis `i` (endpoints included),
    /// row-major with the last axis fastest, as `[N, d]` scalars.
    /// - Precondition: ≥ 2 nodes per axis and a product that fits (user counts: `gridNodeCount` first).
    public func grid(counts: [Int]) -> [Double] {
        precondition(counts.count == dimension && counts.allSatisfy { $0 >= 2 }, "grid needs ≥ 2 nodes per axis")
        guard let total = try? gridNodeCount(counts: counts, budget: .unlimited) else {
            preconditionFailure("grid counts \(counts) overflow; check them with gridNodeCount(counts:) first")
        }
        var points = [Double](repeating: 0, count: total * dimension)
        for flat in 0..<total {
            var rest = flat
            for axis in stride(from: dimension - 1, through: 0, by: -1) {
                let i = rest % counts[axis]
                rest /= counts[axis]
                points[flat * dimension + axis] = lower[axis] + Double(i) * (upper[axis] - lower[axis]) / Double(counts[axis] - 1)
            }
        }
        return points
    }
}
