/// Where the nodes of a uniform grid sit inside each interval [0, L].
public enum GridLayout: Sendable, Hashable, CaseIterable {
    /// n nodes including both ends: `x_j = j·h`, `h = L/(n − 1)`, j = 0 … n−1 (finite differences,
    /// vertex-centred finite volumes, FNO's Darcy layout with the zero boundary values included).
    case vertexCentred
    /// n cell centres: `x_j = (j + ½)·h`, `h = L/n` (cell-centred finite volumes, DCT-II grids).
    case cellCentred
    /// n nodes of a periodic interval, the right end omitted: `x_j = j·h`, `h = L/n` (spectral methods).
    case periodic
}

/// A tensor-product uniform grid on the box [0, L₀] × … × [0, L_{d−1}], d = 1, 2 or 3.
///
/// ```
/// axis a has sizes[a] nodes x_{a,j} (see GridLayout), spacing h_a
/// storage: row-major, the last axis fastest — linear index p = ((i₀·n₁) + i₁)·n₂ + i₂
/// ```
/// Axis 0 is the first coordinate (x), axis 1 the second (y), axis 2 the third (z); a 2-D field
/// stored with shape [n₀, n₁] is indexed `field[i₀·n₁ + i₁] = u(x_{i₀}, y_{i₁})`, which is the
/// layout of `Tensor` and of FFTW's multi-dimensional transforms.
public struct UniformGrid: Sendable, Hashable {
    /// Nodes per axis.
    public let sizes: [Int]
    public let layout: GridLayout
    /// Box side lengths L_a.
    public let lengths: [Double]

    /// A grid of `sizes` nodes on [0, L]^d.
    /// - Throws: `PDEError.invalidGrid` for a dimension outside 1…3, a size too small for the
    ///   layout (vertex-centred needs 2 nodes) or a non-positive length.
    public init(sizes: [Int], layout: GridLayout, lengths: [Double]? = nil) throws {
        guard (1...3).contains(sizes.count) else {
            throw PDEError.invalidGrid("dimension \(sizes.count) is not 1, 2 or 3")
        }
        let minimum = layout == .vertexCentred ? 2 : 1
        for n in sizes where n < minimum {
            throw PDEError.invalidGrid("\(n) nodes on an axis; the \(layout) layout needs at least \(minimum)")
        }
        let lengths = lengths ?? [Double](repeating: 1, count: sizes.count)
        guard lengths.count == sizes.count, lengths.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw PDEError.invalidGrid("lengths \(lengths) must be positive, one per axis")
        }
        self.sizes = sizes
        self.layout = layout
        self.lengths = lengths
    }

    /// The unit square or cube with `n` nodes per side.
    public static func unit(dimension: Int, size n: Int, layout: GridLayout) throws -> UniformGrid {
        try UniformGrid(sizes: [Int](repeating: n, count: dimension), layout: layout)
    }

    public var dimension: Int { sizes.count }
    /// Total number of nodes Π n_a.
    public var pointCount: Int { sizes.reduce(1, *) }

    /// Spacing h_a of each axis.
    public var spacing: [Double] {
        (0..<dimension).map { a in
            layout == .vertexCentred ? lengths[a] / Double(sizes[a] - 1) : lengths[a] / Double(sizes[a])
        }
    }

    /// Linear-index stride of each axis (row-major).
    public var strides: [Int] {
        var s = [Int](repeating: 1, count: dimension)
        for a in stride(from: dimension - 2, through: 0, by: -1) { s[a] = s[a + 1] * sizes[a + 1] }
        return s
    }

    /// Coordinate of node j on axis a.
    @inlinable
    public func coordinate(_ j: Int, axis a: Int) -> Double {
        switch layout {
        case .vertexCentred: return lengths[a] * Double(j) / Double(sizes[a] - 1)
        case .cellCentred: return lengths[a] * (Double(j) + 0.5) / Double(sizes[a])
        case .periodic: return lengths[a] * Double(j) / Double(sizes[a])
        }
    }

    /// All node coordinates of axis a.
    public func coordinates(axis a: Int) -> [Double] { (0..<sizes[a]).map { coordinate($0, axis: a) } }

    /// The multi-index (i₀, …, i_{d−1}) of a linear index.
    public func multiIndex(_ p: Int) -> [Int] {
        var rest = p
        var index = [Int](repeating: 0, count: dimension)
        for a in stride(from: dimension - 1, through: 0, by: -1) {
            index[a] = rest % sizes[a]
            rest /= sizes[a]
        }
        return index
    }

    /// The linear index of a multi-index.
    public func linearIndex(_ index: [Int]) -> Int {
        var p = 0
        for a in 0..<dimension { p = p * sizes[a] + index[a] }
        return p
    }

    /// The coordinates of the node with linear index p.
    public func point(_ p: Int) -> [Double] {
        let index = multiIndex(p)
        return (0..<dimension).map { coordinate(index[$0], axis: $0) }
    }

    /// f evaluated at every node, in storage order.
    public func evaluate(_ f: ([Double]) -> Double) -> [Double] {
        (0..<pointCount).map { f(point($0)) }
    }

    /// The node-count shape as a tensor shape.
    public var shape: [Int] { sizes }
}
