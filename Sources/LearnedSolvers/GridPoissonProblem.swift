import Foundation
import RunSupport
import SparseSolvers

/// The pressure-Poisson matrix of a smoke simulation on an n^d grid: zero-Dirichlet outer boundary,
/// solid obstacle cells removed with Neumann (no-flux) walls.
///
/// ```
/// fluid cell p:  (Σ_{q ∈ N(p), q not solid} 1) u_p − Σ_{q ∈ N(p), q fluid} u_q = h² f_p
///                (a neighbour outside the box is a Dirichlet ghost u = 0: it counts in the diagonal;
///                 a solid neighbour is a Neumann wall u_q = u_p: it drops out of both sides)
/// solid cell p:  2d · u_p = 0        (decoupled; keeps vectors grid-shaped, so a solid cell is "removed")
/// ```
/// Keeping solid cells as decoupled rows (instead of renumbering the fluid cells) lets the network, the
/// geometric multigrid preconditioner and Matrix Market files all see the same n^d grid vector; the
/// fluid block is exactly the matrix with the solid cells removed, and right-hand sides and iterates stay
/// zero on solids. The value 2d puts those eigenvalues mid-spectrum, where they do not affect conditioning.
/// A fluid cell with no non-solid neighbour is made solid (its row would be zero).
///
/// Unknown (i, j[, k]) has index i + n_x j (+ n_x n_y k): x fastest, like `ModelProblems`, so a vector
/// is a row-major tensor of shape [n_z, n_y, n_x]. With no obstacle the matrix equals
/// `ModelProblems.poisson2D/3D` (scaled by h²).
///
/// Complexity: O(n^d) time and memory.
/// References: R. Bridson, *Fluid Simulation for Computer Graphics*, 2nd ed., CRC 2015, ch. 5 (pressure
/// projection with solid walls); Kaneda et al., ICML 2023 (the DCDM test problems).
public struct GridPoissonProblem: Sendable {
    /// Points per direction, x first.
    public let dimensions: [Int]
    public let obstacles: ObstacleGeometry
    /// 1 on fluid cells, 0 on solid cells (length = pointCount).
    public let fluidMask: [Double]
    /// The h²-scaled matrix on all grid cells (solid rows decoupled).
    public let matrix: CSRMatrix

    public var spatialRank: Int { dimensions.count }
    public var pointCount: Int { dimensions.reduce(1, *) }
    public var fluidCount: Int { Int(fluidMask.reduce(0, +)) }
    /// The grid as `GeometricMultigrid` wants it.
    public var structuredGrid: StructuredGrid {
        dimensions.count == 2 ? .twoDimensional(nx: dimensions[0], ny: dimensions[1])
            : .threeDimensional(nx: dimensions[0], ny: dimensions[1], nz: dimensions[2])
    }
    /// Tensor shape of one grid vector (row-major, x last): [n_y, n_x] or [n_z, n_y, n_x].
    public var tensorShape: [Int] { dimensions.reversed() }

    /// Builds the problem on an n^d grid (d = 2 or 3).
    public init(size n: Int, spatialRank d: Int, obstacles: ObstacleGeometry = .none) throws {
        guard d == 2 || d == 3 else { throw LearnedSolverError.invalidConfiguration("grid must be 2-D or 3-D, got \(d)-D") }
        guard n >= 2 else { throw LearnedSolverError.invalidConfiguration("grid size must be at least 2, got \(n)") }
        try self.init(dimensions: [Int](repeating: n, count: d), obstacles: obstacles)
    }

    /// Builds the problem on a grid with the given points per direction (x first).
    public init(dimensions: [Int], obstacles: ObstacleGeometry = .none) throws {
        guard dimensions.count == 2 || dimensions.count == 3, dimensions.allSatisfy({ $0 >= 2 }) else {
            throw LearnedSolverError.invalidConfiguration("grid dimensions \(dimensions) must be 2 or 3 sizes ≥ 2")
        }
        self.dimensions = dimensions
        self.obstacles = obstacles
        let d = dimensions.count
        let nx = dimensions[0], ny = dimensions[1], nz = d == 3 ? dimensions[2] : 1
        // Matrix (≤ 7 entries of 12 bytes per row), masks and index maps: at most 128 bytes per point.
        let count = try MemoryBudget().requireArray(shape: [nx, ny, nz], bytesPerElement: 128, what: "a grid Poisson problem of \(dimensions) points")
        var solid = [Bool](repeating: false, count: count)
        if obstacles != .none {
            for k in 0..<nz { for j in 0..<ny { for i in 0..<nx {
                var point = [Double(i + 1) / Double(nx + 1), Double(j + 1) / Double(ny + 1)]
                if d == 3 { point.append(Double(k + 1) / Double(nz + 1)) }
                solid[i + nx * (j + ny * k)] = obstacles.isSolid(point)
            } } }
        }
        let strides = [1, nx, nx * ny]
        func neighbours(_ i: Int, _ j: Int, _ k: Int) -> [Int?] {
            // nil = outside the box (Dirichlet ghost)
            var result: [Int?] = []
            let p = i + nx * (j + ny * k)
            let coordinates = [i, j, k]
            for axis in 0..<d {
                let size = dimensions[axis]
                result.append(coordinates[axis] > 0 ? p - strides[axis] : nil)
                result.append(coordinates[axis] < size - 1 ? p + strides[axis] : nil)
            }
            return result
        }
        // A fluid cell whose every neighbour is solid would have a zero row: make it solid (repeat until stable).
        var changed = true
        while changed {
            changed = false
            for k in 0..<nz { for j in 0..<ny { for i in 0..<nx {
                let p = i + nx * (j + ny * k)
                if solid[p] { continue }
                if neighbours(i, j, k).allSatisfy({ $0.map { solid[$0] } ?? false }) { solid[p] = true; changed = true }
            } } }
        }
        var coo = COOMatrix(rowCount: count, columnCount: count)
        coo.reserveCapacity((2 * d + 1) * count)
        for k in 0..<nz { for j in 0..<ny { for i in 0..<nx {
            let p = i + nx * (j + ny * k)
            if solid[p] {
                coo.appendUnchecked(row: p, column: p, value: Double(2 * d))
                continue
            }
            var diagonal = 0.0
            for q in neighbours(i, j, k) {
                guard let q else { diagonal += 1; continue }   // Dirichlet ghost
                if solid[q] { continue }                         // Neumann wall
                diagonal += 1
                coo.appendUnchecked(row: p, column: q, value: -1)
            }
            coo.appendUnchecked(row: p, column: p, value: diagonal)
        } } }
        matrix = coo.csr()
        fluidMask = solid.map { $0 ? 0 : 1 }
    }

    /// Zeroes the solid entries of a grid vector.
    public func masked(_ v: [Double]) -> [Double] {
        precondition(v.count == pointCount, "GridPoissonProblem.masked: wrong length")
        return zip(v, fluidMask).map { $0 * $1 }
    }

    /// A reproducible right-hand side: uniform in [−1, 1] on fluid cells, 0 on solids.
    public func randomRightHandSide(seed: UInt64) -> [Double] {
        var generator = SplitMix(state: seed)
        return fluidMask.map { $0 * (2 * generator.nextUnit() - 1) }
    }
}

/// SplitMix64, for reproducible vectors without pulling tensors into the problem builder.
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
    mutating func nextNormal() -> Double {
        let u1 = max(nextUnit(), 1e-300), u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
