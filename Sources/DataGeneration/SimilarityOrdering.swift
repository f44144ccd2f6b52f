import CBLAS

/// Orders samples so that neighbours in the sequence are similar, which is what makes Krylov
/// subspace recycling pay off (the "sorting" of Sorting Krylov Recycling).
///
/// Greedy nearest neighbour: start at sample 0 and repeatedly go to the nearest unvisited sample,
/// ```
/// π₀ = 0,   π_{t+1} = argmin_{j ∉ {π₀…π_t}} ‖f_{π_t} − f_j‖₂
/// ```
/// with squared distances from one GEMM, `‖f_i − f_j‖² = ‖f_i‖² + ‖f_j‖² − 2 f_i·f_j`.
/// For large N the samples are first partitioned on a few leading (low-frequency) features by
/// recursive median splits, the buckets are visited in serpentine order, and the greedy walk runs
/// inside each bucket starting next to where the previous bucket ended; this keeps the cost at
/// O(N·B·d) for buckets of B samples instead of O(N²·d).
///
/// Complexity: greedy O(N² d) (a GEMM) + O(N²); partitioned O(N B d).
/// References: Y. Wang, Z. Lu et al., "Accelerating Data Generation for Neural Operators via Krylov
/// Subspace Recycling", ICLR 2024 (the SKR sorting step).
public enum SimilarityOrdering {
    /// How to order the samples.
    public enum Strategy: Sendable, Equatable {
        /// Keep the sampled order.
        case none
        /// One greedy nearest-neighbour walk over all samples.
        case greedyNearestNeighbor
        /// Median-split partition on the first `partitionFeatureCount` features into buckets of at
        /// most `maximumBucketSize` samples, then a greedy walk in each.
        case partitioned(maximumBucketSize: Int, partitionFeatureCount: Int)

        /// Greedy for up to 2,000 samples, partitioned (buckets of 1,000 on 4 features) beyond.
        public static func automatic(sampleCount: Int) -> Strategy {
            sampleCount <= 2_000 ? .greedyNearestNeighbor : .partitioned(maximumBucketSize: 1_000, partitionFeatureCount: 4)
        }
    }

    /// A permutation of `0..<features.count`.
    /// - Parameter features: one feature vector per sample (all the same length), e.g. the
    ///   coefficient field or its leading spectral coefficients.
    public static func order(_ features: [[Double]], strategy: Strategy) -> [Int] {
        let count = features.count
        guard count > 2 else { return Array(0..<count) }
        switch strategy {
        case .none:
            return Array(0..<count)
        case .greedyNearestNeighbor:
            return greedyWalk(features, indices: Array(0..<count), start: 0)
        case .partitioned(let maximumBucketSize, let partitionFeatureCount):
            let buckets = partition(features, indices: Array(0..<count), depth: 0,
                                    maximumBucketSize: max(2, maximumBucketSize),
                                    featureCount: max(1, min(partitionFeatureCount, features[0].count)))
            var result: [Int] = []
            result.reserveCapacity(count)
            for bucket in buckets {
                // Start each bucket at the sample nearest to where the walk stands.
                let start: Int
                if let last = result.last {
                    start = bucket.indices.min { squaredDistance(features[last], features[bucket[$0]]) < squaredDistance(features[last], features[bucket[$1]]) }!
                } else {
                    start = 0
                }
                result += greedyWalk(features, indices: bucket, start: start)
            }
            return result
        }
    }

    /// Mean distance between consecutive samples of `order` (what sorting should reduce).
    public static func meanNeighborDistance(_ features: [[Double]], order: [Int]) -> Double {
        guard order.count > 1 else { return 0 }
        var total = 0.0
        for t in 1..<order.count { total += squaredDistance(features[order[t - 1]], features[order[t]]).squareRoot() }
        return total / Double(order.count - 1)
    }

    static func squaredDistance(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in 0..<a.count { let d = a[i] - b[i]; sum += d * d }
        return sum
    }

    /// Greedy nearest-neighbour walk over `indices`, starting at `indices[start]`.
    static func greedyWalk(_ features: [[Double]], indices: [Int], start: Int) -> [Int] {
        let n = indices.count, d = features[indices[0]].count
        guard n > 2 else { return start == 0 ? indices : indices.reversed() }
        // Gram matrix G = F Fᵀ of the bucket (n × n) through BLAS.
        var matrix = [Double](repeating: 0, count: n * d)
        for (row, index) in indices.enumerated() {
            precondition(features[index].count == d, "SimilarityOrdering: feature vectors differ in length")
            for k in 0..<d { matrix[row * d + k] = features[index][k] }
        }
        var gram = [Double](repeating: 0, count: n * n)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(n), Int32(d), 1, matrix, Int32(d), 0, &gram, Int32(n))
        for i in 0..<n { for j in 0..<i { gram[i * n + j] = gram[j * n + i] } }
        var visited = [Bool](repeating: false, count: n)
        var current = start
        var order = [indices[start]]
        order.reserveCapacity(n)
        visited[start] = true
        for _ in 1..<n {
            var best = -1, bestDistance = Double.infinity
            let currentNorm = gram[current * n + current]
            for j in 0..<n where !visited[j] {
                // ‖f_c − f_j‖² = G_cc + G_jj − 2 G_cj
                let distance = currentNorm + gram[j * n + j] - 2 * gram[current * n + j]
                if distance < bestDistance { bestDistance = distance; best = j }
            }
            visited[best] = true
            order.append(indices[best])
            current = best
        }
        return order
    }

    /// Recursive median split, cycling through the first `featureCount` features; the halves are
    /// returned in serpentine order (the second half reversed at odd depths) so consecutive buckets
    /// share a boundary.
    static func partition(_ features: [[Double]], indices: [Int], depth: Int, maximumBucketSize: Int, featureCount: Int) -> [[Int]] {
        guard indices.count > maximumBucketSize else { return [indices] }
        let feature = depth % featureCount
        let sorted = indices.sorted { features[$0][feature] < features[$1][feature] }
        let half = sorted.count / 2
        let low = partition(features, indices: Array(sorted[..<half]), depth: depth + 1, maximumBucketSize: maximumBucketSize, featureCount: featureCount)
        let high = partition(features, indices: Array(sorted[half...]), depth: depth + 1, maximumBucketSize: maximumBucketSize, featureCount: featureCount)
        return low + high.reversed()
    }
}
