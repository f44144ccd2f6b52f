/// How many unknowns per node a matrix interleaves, read from its sparsity pattern alone: the block
/// size d that systems AMG needs (`AlgebraicMultigridOptions.unknownsPerNode`) for elasticity and
/// other vector PDEs, found without a coordinates file or a flag.
///
/// ```
/// node of row i:  ⌊i / d⌋;   node pattern of row i:  { ⌊j / d⌋ : a_ij stored }
/// A interleaves d unknowns per node  ⇔  d | n, and for every node k the d rows dk … dk+d−1 have
///                                       the same node pattern, and at least one row couples two
///                                       unknowns of a node (a_{dk+s, dk+t} stored, s ≠ t)
/// ```
/// Comparing node patterns (not column patterns) tolerates the exact zeros a finite-element
/// assembly may drop, e.g. the x–y coupling of a node on a square bilinear element. A scalar stencil
/// fails the test: rows 2k and 2k+1 of a 5-point Laplacian reach nodes k − 1 and k + 1 respectively.
/// The candidates are tried from the largest (3, then 2), as a d = 6 matrix would pass both.
///
/// Complexity: O(nnz) per candidate, no allocation beyond one row's node list.
public enum InterleavedBlockSize {
    /// Block sizes tried, largest first.
    public static let candidates = [3, 2]

    /// The detected unknowns per node of the square matrix A (1: none found).
    public static func detect(_ a: CSRMatrix) -> Int {
        guard a.isSquare else { return 1 }
        return candidates.first { interleaves(a, $0) } ?? 1
    }

    /// Whether A passes the test above for block size d.
    public static func interleaves(_ a: CSRMatrix, _ d: Int) -> Bool {
        let n = a.rowCount
        guard d >= 2, n % d == 0, n / d >= 2 else { return false }
        var reference: [Int] = []
        var current: [Int] = []
        var coupled = false
        for node in 0..<(n / d) {
            for s in 0..<d {
                let row = node * d + s
                nodePattern(a, row, d, into: &current)
                if s == 0 { swap(&reference, &current) } else if current != reference { return false }
                if !coupled {
                    for k in a.rowOffsets[row]..<a.rowOffsets[row + 1] {
                        let j = a.columnIndices[k]
                        if j != row, j / d == node { coupled = true; break }
                    }
                }
            }
        }
        return coupled
    }

    /// The sorted, distinct nodes ⌊j / d⌋ of row i's stored columns.
    static func nodePattern(_ a: CSRMatrix, _ row: Int, _ d: Int, into nodes: inout [Int]) {
        nodes.removeAll(keepingCapacity: true)
        var sorted = true
        for k in a.rowOffsets[row]..<a.rowOffsets[row + 1] {
            let node = a.columnIndices[k] / d
            if let last = nodes.last {
                if node == last { continue }
                if node < last { sorted = false }
            }
            nodes.append(node)
        }
        if !sorted {
            nodes.sort()
            var unique = 0
            for node in nodes where unique == 0 || nodes[unique - 1] != node { nodes[unique] = node; unique += 1 }
            nodes.removeLast(nodes.count - unique)
        }
    }
}
