import TensorCore

/// The array names of branch inputs, trunk points and targets in a file.
public struct BranchTrunkKeys: Sendable, Equatable {
    public var branch: String
    /// nil: the target's grid axes on [0, 1]^d are the trunk points.
    public var trunk: String?
    public var target: String

    public init(branch: String, trunk: String?, target: String) {
        self.branch = branch
        self.trunk = trunk
        self.target = target
    }

    /// DeepXDE's names, in the order they are looked for: the object array `X = [branch, trunk]`
    /// with `y`, then the training triple before the test triple (or after, with `preferTest`).
    public static func deepXDELayouts(preferTest: Bool) -> [BranchTrunkKeys] {
        let train = BranchTrunkKeys(branch: "X_train0", trunk: "X_train1", target: "y_train")
        let test = BranchTrunkKeys(branch: "X_test0", trunk: "X_test1", target: "y_test")
        return [BranchTrunkKeys(branch: "X[0]", trunk: "X[1]", target: "y")] + (preferTest ? [test, train] : [train, test])
    }
}

/// DeepONet data (Lu et al. 2021): branch inputs u at m sensors, trunk points y, targets G(u)(y).
///
/// Aligned data share the trunk points: branch `[N, m]`, trunk `[P, d]`, target `[N, P]` (one
/// output) or `[N, P, K]`. Unaligned triplets have a row per (function, point): branch `[N, m]`,
/// trunk `[N, d]`, target `[N, K]`.
public struct BranchTrunkData<Scalar: TensorScalar>: Sendable {
    public var branch: Tensor<Scalar>
    public var trunk: Tensor<Scalar>
    public var target: Tensor<Scalar>
    public var aligned: Bool
    public var outputCount: Int

    public init(branch: Tensor<Scalar>, trunk: Tensor<Scalar>, target: Tensor<Scalar>, aligned: Bool, outputCount: Int) {
        self.branch = branch
        self.trunk = trunk
        self.target = target
        self.aligned = aligned
        self.outputCount = outputCount
    }

    /// Functions (aligned) or triplets (unaligned).
    public var count: Int { branch.shape.first ?? 0 }

    public func converted<Other: TensorScalar>(to type: Other.Type) -> BranchTrunkData<Other> {
        BranchTrunkData<Other>(branch: branch.converted(to: type), trunk: trunk.converted(to: type), target: target.converted(to: type),
                               aligned: aligned, outputCount: outputCount)
    }

    /// The given samples (rows of branch and target; also of trunk for triplets), in that order.
    public func selecting(_ indices: [Int]) -> BranchTrunkData<Scalar> {
        BranchTrunkData(branch: FieldPairs.rows(branch, indices), trunk: aligned ? trunk : FieldPairs.rows(trunk, indices),
                        target: FieldPairs.rows(target, indices), aligned: aligned, outputCount: outputCount)
    }
}

extension BranchTrunkData where Scalar == Double {
    /// Reads one set from `path`, with `keys` or else the first of DeepXDE's layouts the file holds
    /// (`preferTest` picks `X_test0`/`X_test1`/`y_test` over the training triple when a file has both).
    ///
    /// Without a trunk array the target's trailing axes are a uniform grid on [0, 1]^d (d = rank − 1),
    /// row-major: Darcy fields `sol [N, s, s]` give P = s² points with 2 coordinates.
    ///
    /// - Throws: `DatasetError` for a missing file or arrays, shapes that fit neither layout, or NaN
    ///   or infinity in the data.
    public static func read(_ path: String, keys: BranchTrunkKeys? = nil, preferTest: Bool = false) throws -> BranchTrunkData<Double> {
        let file = try DatasetLoader.open(path)
        let names = Set(try file.names())
        let chosen: BranchTrunkKeys
        if let keys {
            chosen = keys
        } else if let layout = BranchTrunkKeys.deepXDELayouts(preferTest: preferTest)
            .first(where: { names.contains($0.branch) && names.contains($0.trunk!) && names.contains($0.target) }) {
            chosen = layout
        } else {
            throw DatasetError.unsupported(path: path, detail: "no DeepONet arrays found (need X[0]/X[1]/y, X_train0/X_train1/y_train, or --input-key/--target-key); arrays: \(names.sorted().joined(separator: ", "))")
        }
        var branch: Tensor<Double> = try file.tensor(named: chosen.branch)
        var target: Tensor<Double> = try file.tensor(named: chosen.target)
        let n = branch.shape.first ?? 0
        guard n > 0 else { throw DatasetError.shapeMismatch(path: path, detail: "\(chosen.branch) is empty") }
        if branch.rank != 2 { branch = try branch.reshaped(to: [n, -1]) }
        var trunk: Tensor<Double>
        if let trunkName = chosen.trunk {
            trunk = try file.tensor(named: trunkName)
            if trunk.rank == 1 { trunk = try trunk.reshaped(to: [trunk.count, 1]) }
        } else {
            let grid = Array(target.shape.dropFirst()), points = grid.reduce(1, *)
            guard !grid.isEmpty, points > 0 else { throw DatasetError.shapeMismatch(path: path, detail: "\(chosen.target) \(target.shape) has no grid axes") }
            trunk = try Tensor(shape: [points, grid.count], scalars: uniformGrid(grid))
            target = try target.reshaped(to: [n, points])
        }
        guard trunk.rank == 2 else { throw DatasetError.shapeMismatch(path: path, detail: "trunk points must be [P, d], got \(trunk.shape)") }
        guard trunk.shape[0] > 0, trunk.shape[1] > 0 else {
            throw DatasetError.shapeMismatch(path: path, detail: "trunk points \(trunk.shape) are empty: a DeepONet needs at least one point with one coordinate")
        }
        guard target.shape.first == n else {
            throw DatasetError.shapeMismatch(path: path, detail: "\(chosen.target) has \(target.shape.first ?? 0) rows, \(chosen.branch) has \(n)")
        }
        for (name, tensor) in [(chosen.branch, branch), (chosen.trunk ?? "the trunk grid", trunk), (chosen.target, target)] where !tensor.isFinite {
            throw DatasetError.nonFinite(path: path, detail: name)
        }
        let points = trunk.shape[0]
        let tripletLike = points == n && (target.rank == 1 || (target.rank == 2 && target.shape[1] != points))
        if !tripletLike && target.rank >= 2 && target.shape[1] == points {
            // Aligned: [N, P] or [N, P, K].
            if target.rank == 2 { return BranchTrunkData(branch: branch, trunk: trunk, target: target, aligned: true, outputCount: 1) }
            let k = target.count / (n * points)
            target = try target.reshaped(to: [n, points, k])
            return BranchTrunkData(branch: branch, trunk: trunk, target: target, aligned: true, outputCount: k)
        }
        guard points == n else {
            throw DatasetError.shapeMismatch(path: path, detail: "\(chosen.target) \(target.shape) fits neither [N, P] (P = \(points)) nor triplets [N, K]")
        }
        let k = target.count / n
        target = try target.reshaped(to: [n, k])
        return BranchTrunkData(branch: branch, trunk: trunk, target: target, aligned: false, outputCount: k)
    }

    /// Row-major coordinates of a uniform grid with both ends on [0, 1]^d: point p, axis a.
    static func uniformGrid(_ grid: [Int]) -> [Double] {
        let points = grid.reduce(1, *)
        var coordinates = [Double](repeating: 0, count: points * grid.count)
        for point in 0..<points {
            var rest = point
            for axis in stride(from: grid.count - 1, through: 0, by: -1) {
                coordinates[point * grid.count + axis] = Double(rest % grid[axis]) / Double(max(grid[axis] - 1, 1))
                rest /= grid[axis]
            }
        }
        return coordinates
    }

    /// Training and test sets from `data` (and `testData`):
    /// - `train` given: the first `train` functions of `data` in `order` (aligned data only; triplet
    ///   rows keep the stored order), and without `testData` the next `test` (default: all the rest);
    /// - otherwise all of `data` trains;
    /// - the test set is `testData` (its test triple preferred), else the held-out rows, else the
    ///   file's `X_test*` triple when it holds both (and no `keys` were given), else the training data.
    ///
    /// - Throws: `DatasetError.invalidSplit` when the counts exceed the file, `shapeMismatch` when the
    ///   test layout differs from the training layout, and whatever ``read(_:keys:preferTest:)`` throws.
    public static func load(data: String, testData: String? = nil, keys: BranchTrunkKeys? = nil,
                            train trainCount: Int? = nil, test testCount: Int? = nil,
                            order: SampleOrder = .sampled) throws -> (train: BranchTrunkData<Double>, test: BranchTrunkData<Double>) {
        let all = try read(data, keys: keys, preferTest: false)
        var train = all
        var heldOut: BranchTrunkData<Double>?
        if let trainCount {
            let available = all.count, testCount = testData == nil ? (testCount ?? available - trainCount) : 0
            guard trainCount >= 1, testCount >= 0, trainCount <= available, testCount <= available - trainCount else {
                throw DatasetError.invalidSplit(path: data, detail: "\(trainCount) training + \(testCount) test samples do not fit the \(available) samples")
            }
            let order = all.aligned ? (try FieldPairFile.rows(path: data, order: order, rowCount: available) ?? Array(0..<available)) : Array(0..<available)
            train = all.selecting(Array(order[0..<trainCount]))
            if testCount > 0 { heldOut = all.selecting(Array(order[trainCount ..< trainCount + testCount])) }
        }
        let test: BranchTrunkData<Double>
        if let testData {
            test = try read(testData, keys: keys, preferTest: true)
        } else if let heldOut {
            test = heldOut
        } else if keys == nil, Set(try DatasetLoader.open(data).names()).isSuperset(of: ["X_test0", "X_test1", "y_test"]) {
            test = try read(data, keys: nil, preferTest: true)
        } else {
            test = all
        }
        guard test.aligned == train.aligned, test.branch.shape[1] == train.branch.shape[1],
              test.trunk.shape[1] == train.trunk.shape[1], test.outputCount == train.outputCount else {
            throw DatasetError.shapeMismatch(path: testData ?? data, detail: "test data layout differs from the training data")
        }
        return (train, test)
    }
}
