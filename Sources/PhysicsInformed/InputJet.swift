import Foundation
import TensorCore

/// Value, first and pure second derivatives of the columns of a weight-free input map
/// (normalization, periodic and Fourier embeddings), computed in Float64 in closed form.
///
/// For a column `c(x)` the jet is `(c, ∂_i c, ∂_ii c)` for every input axis `i`; the maps used are
/// ```
/// affine  c = s x_k + t:   ∂_i c = s δ_ik,        ∂_ii c = 0
/// linear  q = Σ_k B_k c_k: jets combine linearly
/// cos q:  ∂_i = −sin q ∂_i q,   ∂_ii = −cos q (∂_i q)² − sin q ∂_ii q
/// sin q:  ∂_i =  cos q ∂_i q,   ∂_ii = −sin q (∂_i q)² + cos q ∂_ii q
/// ```
struct InputJet {
    struct Column {
        var value: [Double]
        var first: [[Double]]
        var second: [[Double]]
    }

    let pointCount: Int
    let dimension: Int
    var columns: [Column]

    /// The identity map: column `k` is `x_k`.
    init(points: [Double], dimension d: Int) {
        pointCount = points.count / d
        dimension = d
        let n = pointCount
        columns = (0..<d).map { k in
            Column(value: (0..<n).map { points[$0 * d + k] },
                   first: (0..<d).map { i in [Double](repeating: i == k ? 1 : 0, count: n) },
                   second: (0..<d).map { _ in [Double](repeating: 0, count: n) })
        }
    }

    /// The identity map differentiated along arbitrary `directions` (vectors of length `d`) instead
    /// of the axes: column `k` is `x_k` with `∂_v x_k = v_k` and `∂_v² x_k = 0`, so every later
    /// map gives directional jets `(c, ∂_v c, ∂_v² c)` (mixed derivatives by polarization).
    init(points: [Double], dimension d: Int, directions: [[Double]]) {
        pointCount = points.count / d
        dimension = directions.count
        let n = pointCount
        columns = (0..<d).map { k in
            Column(value: (0..<n).map { points[$0 * d + k] },
                   first: directions.map { v in [Double](repeating: v[k], count: n) },
                   second: directions.map { _ in [Double](repeating: 0, count: n) })
        }
    }

    /// `c_k ← s_k c_k + t_k`.
    mutating func applyAffine(scale: [Double], shift: [Double]) {
        for k in columns.indices {
            columns[k].value = columns[k].value.map { scale[k] * $0 + shift[k] }
            columns[k].first = columns[k].first.map { $0.map { scale[k] * $0 } }
            columns[k].second = columns[k].second.map { $0.map { scale[k] * $0 } }
        }
    }

    /// `q = Σ_k weights[k] c_k` (a new column).
    func linearCombination(_ weights: [Double]) -> Column {
        let n = pointCount
        var result = Column(value: [Double](repeating: 0, count: n),
                            first: [[Double]](repeating: [Double](repeating: 0, count: n), count: dimension),
                            second: [[Double]](repeating: [Double](repeating: 0, count: n), count: dimension))
        for (k, w) in weights.enumerated() where w != 0 {
            for p in 0..<n { result.value[p] += w * columns[k].value[p] }
            for i in 0..<dimension {
                for p in 0..<n {
                    result.first[i][p] += w * columns[k].first[i][p]
                    result.second[i][p] += w * columns[k].second[i][p]
                }
            }
        }
        return result
    }

    /// `(cos q, sin q)` with their jets.
    func cosineAndSine(of q: Column) -> (Column, Column) {
        let n = pointCount
        var c = q, s = q
        for p in 0..<n {
            let cq = cos(q.value[p]), sq = sin(q.value[p])
            c.value[p] = cq; s.value[p] = sq
            for i in 0..<dimension {
                let d1 = q.first[i][p], d2 = q.second[i][p]
                c.first[i][p] = -sq * d1
                c.second[i][p] = -cq * d1 * d1 - sq * d2
                s.first[i][p] = cq * d1
                s.second[i][p] = -sq * d1 * d1 + cq * d2
            }
        }
        return (c, s)
    }

    /// Stacked rows `[value; ∂_1 … ∂_d; ∂_ii for i in secondAxes]` (or the value block alone),
    /// `[(1 + d + s) N, w]`.
    func stacked<Scalar: TensorScalar>(withDerivatives: Bool, secondAxes: [Int], as: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        let n = pointCount, w = columns.count
        let blocks = withDerivatives ? 1 + dimension + secondAxes.count : 1
        var scalars = [Scalar](repeating: 0, count: blocks * n * w)
        for (k, column) in columns.enumerated() {
            for p in 0..<n { scalars[p * w + k] = Scalar(column.value[p]) }
            guard withDerivatives else { continue }
            for i in 0..<dimension {
                let first = (1 + i) * n * w
                for p in 0..<n { scalars[first + p * w + k] = Scalar(column.first[i][p]) }
            }
            for (j, i) in secondAxes.enumerated() {
                let second = (1 + dimension + j) * n * w
                for p in 0..<n { scalars[second + p * w + k] = Scalar(column.second[i][p]) }
            }
        }
        return Tensor(uncheckedShape: [blocks * n, w], scalars: scalars)
    }
}
