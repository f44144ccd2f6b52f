import TensorCore

/// Unit-Gaussian standardization with statistics fitted on training data, the one normalizer of
/// the data path (FNO/MgNO fields, DeepONet branch inputs, trunk coordinates and targets):
/// ```
/// encode(x) = (x − μ) / (σ + ε),   decode(z) = z · (σ + ε) + μ
/// ```
/// `μ` and `σ` are means and standard deviations over the entries that share a statistic
/// (``NormalizationStatistics``): every grid point over the samples (FNO's pointwise normalizer),
/// every channel, every feature column (DeepONet), or all entries. They are stored with the data's
/// rank and size 1 on the reduced axes, so encode and decode broadcast them over a batch.
///
/// Training decodes a prediction differentiably from ``shift`` (μ) and ``scale`` (σ + ε):
/// `prediction · scale + shift` with both as constants of the graph. Statistics fitted on one grid
/// serve another through ``resampled(to:)`` (zero-shot super-resolution).
///
/// References: Li et al., "Fourier Neural Operator for Parametric Partial Differential Equations",
/// ICLR 2021 (`UnitGaussianNormalizer` in its utilities: pointwise, unbiased σ, ε = 1e-5);
/// Lu et al., "A comprehensive and fair comparison of two neural operators", CMAME 2022 (DeepONet
/// inputs standardized per feature).
public struct UnitGaussianNormalizer<Scalar: TensorScalar>: Sendable, Equatable {
    /// μ, shaped `[1, kept or 1, …]` like the fitted data.
    public var mean: Tensor<Scalar>
    /// σ, same shape as `mean` (already 1 where ``SpreadGuard/unitBelow(_:)`` replaced it).
    public var standardDeviation: Tensor<Scalar>
    /// ε added to σ before dividing.
    public var epsilon: Scalar

    /// Statistics as stored (e.g. read back from a checkpoint's `normalizer.input.mean`/`.std`).
    public init(mean: Tensor<Scalar>, standardDeviation: Tensor<Scalar>, epsilon: Scalar = 1e-5) {
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.epsilon = epsilon
    }

    /// Fits μ and σ to `data` (`[N, …]`, samples along axis 0).
    ///
    /// Both are accumulated in Double in two passes (mean, then squared deviations from it), in the
    /// order the entries are stored. With M entries sharing a statistic, σ² is Σ(x − μ)²/(M − 1)
    /// for ``VarianceEstimator/unbiased`` (M = 1 gives σ = 0) and Σ(x − μ)²/M for `population`.
    ///
    /// - Throws: `DatasetError.shapeMismatch` for data without entries or of too low a rank for
    ///   `statistics`, `DatasetError.nonFinite` when a value is NaN or infinite (statistics are never
    ///   silently NaN).
    public init(fitting data: Tensor<Scalar>, statistics: NormalizationStatistics = .pointwise,
                estimator: VarianceEstimator = .unbiased, spreadGuard: SpreadGuard = .epsilon(1e-5)) throws(DatasetError) {
        guard data.rank >= statistics.minimumRank, data.count > 0 else {
            throw .shapeMismatch(path: "<normalizer>", detail: "cannot fit \(statistics) statistics to data of shape \(data.shape)")
        }
        guard data.isFinite else { throw .nonFinite(path: "<normalizer>", detail: "the data to fit") }
        let statisticShape = statistics.statisticShape(of: data.shape)
        let statisticCount = statisticShape.reduce(1, *)
        let sharing = data.count / statisticCount
        // Row-major flat index → statistic index: drop the coordinates of the reduced axes.
        let index = StatisticIndex(dataShape: data.shape, statisticShape: statisticShape)
        var sums = [Double](repeating: 0, count: statisticCount)
        var squares = [Double](repeating: 0, count: statisticCount)
        data.scalars.withUnsafeBufferPointer { values in
            index.forEach { flat, statistic in sums[statistic] += Double(values[flat]) }
            for k in sums.indices { sums[k] /= Double(sharing) }
            index.forEach { flat, statistic in
                let deviation = Double(values[flat]) - sums[statistic]
                squares[statistic] += deviation * deviation
            }
        }
        let divisor = Double(estimator == .unbiased ? max(sharing - 1, 1) : sharing)
        var deviations = squares.map { ($0 / divisor).squareRoot() }
        let epsilon: Double
        switch spreadGuard {
        case .epsilon(let value): epsilon = value
        case .unitBelow(let threshold):
            epsilon = 0
            deviations = deviations.map { $0 < threshold ? 1 : $0 }
        }
        self.mean = Tensor(uncheckedShape: statisticShape, scalars: sums.map { Scalar($0) })
        self.standardDeviation = Tensor(uncheckedShape: statisticShape, scalars: deviations.map { Scalar($0) })
        self.epsilon = Scalar(epsilon)
    }

    /// μ: what decode adds.
    public var shift: Tensor<Scalar> { mean }
    /// σ + ε: what encode divides by and decode multiplies with.
    public var scale: Tensor<Scalar> { standardDeviation + epsilon }

    /// (x − μ) / (σ + ε), broadcast over the batch.
    public func encode(_ x: Tensor<Scalar>) -> Tensor<Scalar> { (x - mean) / scale }
    /// z · (σ + ε) + μ, broadcast over the batch.
    public func decode(_ z: Tensor<Scalar>) -> Tensor<Scalar> { z * scale + mean }

    /// Whether μ and σ are finite (statistics read from a file are not checked on load).
    public var isFinite: Bool { mean.isFinite && standardDeviation.isFinite }
}

/// Which entries of `[N, …]` data share one mean and standard deviation.
public enum NormalizationStatistics: String, Sendable, CaseIterable, CustomStringConvertible {
    /// One per entry of a sample, over the N samples (FNO): shape `[1, rest…]`.
    case pointwise
    /// One per channel of `[N, C, grid…]`, over the samples and the grid: shape `[1, C, 1, …]`.
    case perChannel
    /// One per column of `[rows…, F]` (DeepONet's sensors and coordinates): shape `[1, …, 1, F]`.
    case perFeature
    /// One for all entries: shape `[1, …, 1]`.
    case global

    public var description: String { rawValue }

    var minimumRank: Int { self == .perChannel ? 2 : 1 }

    /// The data shape with every reduced axis set to 1.
    func statisticShape(of shape: [Int]) -> [Int] {
        shape.indices.map { axis in
            switch self {
            case .pointwise: return axis == 0 ? 1 : shape[axis]
            case .perChannel: return axis == 1 ? shape[axis] : 1
            case .perFeature: return axis == shape.count - 1 ? shape[axis] : 1
            case .global: return 1
            }
        }
    }
}

/// The divisor of the sum of squared deviations.
public enum VarianceEstimator: String, Sendable, CaseIterable {
    /// M − 1, as `torch.std` (FNO).
    case unbiased
    /// M (DeepONet's standardization).
    case population
}

/// How a (near-)zero spread is kept from dividing by zero.
public enum SpreadGuard: Sendable, Equatable {
    /// Divide by σ + ε (FNO: ε = 1e-5).
    case epsilon(Double)
    /// Divide by 1 where σ is below the threshold, by σ elsewhere (DeepONet: 1e-12 for inputs, 1e-30
    /// for targets): constant columns pass through centred.
    case unitBelow(Double)
}

/// Maps the row-major flat index of data to the row-major index of its statistic.
struct StatisticIndex {
    let dataShape: [Int]
    /// Stride of each data axis inside the statistic (0 on reduced axes).
    let statisticStrides: [Int]

    init(dataShape: [Int], statisticShape: [Int]) {
        self.dataShape = dataShape
        var strides = [Int](repeating: 0, count: dataShape.count), step = 1
        for axis in (0..<dataShape.count).reversed() {
            strides[axis] = statisticShape[axis] == 1 ? 0 : step
            step *= statisticShape[axis]
        }
        statisticStrides = strides
    }

    /// Calls `body(flat, statistic)` for every entry, in storage order.
    func forEach(_ body: (Int, Int) -> Void) {
        let count = dataShape.reduce(1, *)
        guard count > 0 else { return }
        let rank = dataShape.count
        guard rank > 0 else { body(0, 0); return }
        // The innermost axis runs in a tight loop; the outer axes advance as an odometer.
        let inner = dataShape[rank - 1], innerStride = statisticStrides[rank - 1]
        var coordinates = [Int](repeating: 0, count: rank)
        var outerOffset = 0, flat = 0
        while flat < count {
            for i in 0..<inner { body(flat + i, outerOffset + i * innerStride) }
            flat += inner
            var axis = rank - 2
            while axis >= 0 {
                coordinates[axis] += 1
                outerOffset += statisticStrides[axis]
                if coordinates[axis] < dataShape[axis] { break }
                outerOffset -= statisticStrides[axis] * dataShape[axis]
                coordinates[axis] = 0
                axis -= 1
            }
        }
    }
}
