import Foundation

/// The finite-volume form of a user's linear second-order elliptic problem on a box
/// (`generate --problem`): the residual is split into
///
/// ```
/// −∇·(a ∇u) + b·∇u + c u = f      in the box,
/// u = g  |  ∂u/∂n = g  |  α u + β ∂u/∂n = g      on each face (one kind per face)
/// u(x + L_i e_i) = u(x)                            on a periodic axis i (both faces)
///
/// r = Σ_m C_m ∂^m u + r₀  (SymbolicExpression.linearDecomposition)
/// a = −C_{2e_i} (the same for every axis i, no mixed derivatives)
/// b_i = C_{e_i} + ∂a/∂x_i   (the ∇a·∇u of the divergence cancels: with a random a, ∇a is never
///                             formed, its symbols are taken as 0 and b is checked not to need them)
/// c = C_0,   f = −r₀
/// ```
/// and assembled by `FiniteVolumeAssembler` (vertex-centred, harmonic face means, second order)
/// on `resolution` nodes per axis, boundary included. Faces: Neumann becomes the conormal flux
/// a ∂u/∂n = a g, Robin a ∂u/∂n = (a/β)(g − α u) (β ≠ 0); convection reaches Neumann and Robin
/// nodes through the inward one-sided difference and wraps around periodic axes. Random-field coefficients arrive as
/// nodal arrays per sample (`system(randomCoefficients:)`).
public struct EllipticBoxDiscretization: Sendable {
    public let problem: PDEProblemDescription
    /// The grid on [0, upper − lower] (node p is at `lower + grid.point(p)` in the problem's coordinates).
    public let grid: UniformGrid
    public let lower: [Double]
    let diffusion: [SymbolicExpression]
    let velocity: [SymbolicExpression]
    let reaction: SymbolicExpression
    let source: SymbolicExpression
    /// Per side (2·axis + upper): the conditions that apply there, all of one kind.
    let sideConditions: [[ResolvedBoundaryCondition]]
    let sidePieceNames: [String]

    public init(problem: PDEProblemDescription, resolution: Int) throws {
        func unsupported(_ message: String) -> ProblemError { ProblemError(.unsupported, message, at: nil) }
        guard case .box(let lower, let upper, _) = problem.geometry else { throw unsupported("generate --problem needs a box domain") }
        guard problem.timeInterval == nil else { throw unsupported("generate --problem solves stationary problems (no \"time\")") }
        guard problem.fields.count == 1, problem.residuals.count == 1 else { throw unsupported("generate --problem solves one field") }
        guard problem.parameters.isEmpty else { throw unsupported("generate --problem needs known coefficients, not unknown parameters") }
        let d = problem.spatialDimension
        guard resolution >= 3 else { throw ProblemError(.invalidValue, "the resolution must be at least 3 nodes per side", at: nil) }
        let (_, overflow) = [Int](repeating: resolution, count: d).reduce((1, false)) { acc, n in
            let (p, o) = acc.0.multipliedReportingOverflow(by: n); return (p, acc.1 || o)
        }
        guard !overflow else { throw ProblemError(.invalidValue, "\(resolution)^\(d) nodes overflow", at: nil) }
        grid = try UniformGrid(sizes: [Int](repeating: resolution, count: d), layout: .vertexCentred, lengths: zip(lower, upper).map { $1 - $0 })
        self.lower = lower
        self.problem = problem
        guard let (terms, rest) = problem.residuals[0].linearDecomposition() else {
            throw unsupported("generate --problem needs an equation linear in u (−div(a grad u) + b·grad u + c u = f)")
        }
        var second = [SymbolicExpression](repeating: .constant(0), count: d)
        var first = [SymbolicExpression](repeating: .constant(0), count: d)
        var zeroth = SymbolicExpression.constant(0)
        for (derivative, coefficient) in terms.sorted(by: { $0.key < $1.key }) {   // the first unsupported term, the same in every run
            let nonzero = derivative.orders.indices.filter { derivative.orders[$0] > 0 }
            switch (derivative.totalOrder, nonzero.count) {
            case (0, _): zeroth = zeroth + coefficient
            case (1, _): first[nonzero[0]] = first[nonzero[0]] + coefficient
            case (2, 1): second[nonzero[0]] = second[nonzero[0]] + coefficient
            default:
                throw unsupported("generate --problem handles −div(a grad u) + b·grad u + c u = f; the equation has ∂^\(derivative.orders) (mixed or higher derivatives)")
            }
        }
        let a = second.map { -$0 }
        let b = (0..<d).map { first[$0] + a[0].derivative(axis: $0) }
        // The checked expressions never need ∇ of a random coefficient: fold those symbols to 0
        // (−a_x + a_x becomes the constant 0, so a Darcy file assembles no convection at all).
        func folded(_ e: SymbolicExpression) -> SymbolicExpression {
            e.substituting { node in
                if case .randomCoefficient(_, let orders) = node, orders.contains(where: { $0 > 0 }) { return .constant(0) }
                return nil
            }
        }
        diffusion = a.map(folded)
        velocity = b.map(folded)
        reaction = folded(zeroth)
        source = folded(-rest)
        // The lower-order coefficients must not need ∇ of a random coefficient (which is never formed).
        let probes = [[0.31, 0.77, 0.52], [0.83, 0.12, 0.46], [0.5, 0.5, 0.5]].map { Array($0.prefix(d)) }
        for (name, expression) in zip(["a"] + (0..<d).map { "b\($0)" } + ["c", "f"], [a[0]] + b + [zeroth, -rest])
        where expression.involvesRandomCoefficients {
            for x in probes {
                let withoutGradient = expression.evaluate(coordinates: x, randomCoefficient: { $0.totalOrder == 0 ? 1.3 : 0 })
                let withGradient = expression.evaluate(coordinates: x, randomCoefficient: { $0.totalOrder == 0 ? 1.3 : 0.7 })
                guard withoutGradient == withGradient || abs(withoutGradient - withGradient) <= 1e-9 * (1 + abs(withoutGradient)) else {
                    throw unsupported("the \(name == "a" ? "diffusion" : "coefficient \(name)") of the equation needs the gradient of a random coefficient: write the diffusion as -div(a*grad(u))")
                }
            }
        }
        // One kind of condition per face; a periodic axis pairs its two faces (no other condition
        // may name them).
        let pieces = problem.geometry.boundaryPieces(coordinateNames: problem.coordinateNames)
        var periodicAxes = Set<Int>()
        for c in problem.boundaryConditions where c.field == 0 { if case .periodic(let axis) = c.kind { periodicAxes.insert(axis) } }
        var sides: [[ResolvedBoundaryCondition]] = [], names: [String] = []
        for axis in 0..<d {
            for isUpper in [false, true] {
                guard let piece = pieces.first(where: { $0.face?.axis == axis && $0.face?.isUpper == isUpper }) else { continue }
                let applying = problem.boundaryConditions.filter { c in
                    if case .periodic = c.kind { return false }
                    return c.field == 0 && (c.on.isEmpty || c.on.contains { piece.name == $0 || piece.name.hasPrefix($0 + ".") })
                }
                if periodicAxes.contains(axis) {
                    if let named = applying.first(where: { !$0.on.isEmpty }) {
                        throw ProblemError(.invalidValue, "face '\(piece.name)' is periodic (axis \(problem.coordinateNames[axis])) and also has a condition of its own", at: named.location)
                    }
                    sides.append([])
                    names.append(piece.name)
                    continue
                }
                let kinds = Set(applying.map { c -> String in
                    switch c.kind { case .dirichlet: return "dirichlet"; case .neumann: return "neumann"; case .robin: return "robin"; case .periodic: return "periodic" }
                })
                guard kinds.count == 1 else {
                    throw ProblemError(.unsupported, "face '\(piece.name)' has conditions of \(kinds.count) kinds (\(kinds.sorted().joined(separator: ", "))); the finite-volume generator needs one kind per face",
                                       at: applying.first?.location)
                }
                sides.append(applying)
                names.append(piece.name)
            }
        }
        sideConditions = sides
        sidePieceNames = names
    }

    /// The problem coordinates of grid node p.
    public func coordinates(ofNode p: Int) -> [Double] { zip(grid.point(p), lower).map(+) }

    /// The axes whose two faces are periodic (their sides carry no condition of their own).
    public var periodicAxes: [Int] { (0..<grid.dimension).filter { sideConditions[2 * $0].isEmpty } }

    /// `values` (one per grid node, storage order) with every node on the upper face of a periodic
    /// axis given the value of its image on the lower face (index n − 1 → 0 on each such axis).
    /// Those nodes repeat the lower face: the assembly never reads a coefficient there and the
    /// solution copies its image, so a data set that stores its coefficients through this holds only
    /// values the system used (`generate --problem`). Other nodes, and non-periodic problems, are unchanged.
    public func periodicallyRepeated(_ values: [Double]) -> [Double] {
        let axes = periodicAxes, n = grid.sizes, strides = grid.strides
        guard !axes.isEmpty, values.count == grid.pointCount else { return values }
        var result = values
        for p in 0..<values.count {
            var source = p
            for a in axes where (p / strides[a]) % n[a] == n[a] - 1 { source -= (n[a] - 1) * strides[a] }
            if source != p { result[p] = values[source] }
        }
        return result
    }

    /// The linear system for one sample: `randomCoefficients[k]` holds the k-th random coefficient
    /// at every grid node (storage order), empty when the problem has none.
    public func system(randomCoefficients samples: [[Double]] = []) throws -> LinearSystem {
        let count = grid.pointCount, d = grid.dimension
        guard samples.count == problem.randomCoefficients.count, samples.allSatisfy({ $0.count == count }) else {
            throw PDEError.sizeMismatch(what: "random coefficients", expected: problem.randomCoefficients.count * count, actual: samples.reduce(0) { $0 + $1.count })
        }
        var cachedPoints: [[Double]]? = nil
        func nodal(_ e: SymbolicExpression) -> [Double]? {
            switch e {
            case .constant(0): return nil
            case .constant(let c): return [Double](repeating: c, count: count)
            case .randomCoefficient(let k, let orders) where orders.allSatisfy({ $0 == 0 }): return samples[k]
            default:
                if cachedPoints == nil { cachedPoints = (0..<count).map(coordinates(ofNode:)) }
                let points = cachedPoints!
                return (0..<count).map { p in
                    e.evaluate(coordinates: points[p], randomCoefficient: { $0.totalOrder == 0 ? samples[$0.field][p] : 0 })
                }
            }
        }
        let a = nodal(diffusion[0]) ?? [Double](repeating: 0, count: count)
        for axis in 1..<max(d, 1) where axis < d && diffusion[axis] != diffusion[0] {
            let other = nodal(diffusion[axis]) ?? [Double](repeating: 0, count: count)
            for p in 0..<count where !(abs(other[p] - a[p]) <= 1e-12 * (1 + abs(a[p]))) {
                throw ProblemError(.unsupported, "the equation's second derivatives differ between axes at \(coordinates(ofNode: p)): generate --problem needs −div(a grad u) with a scalar a",
                                   at: nil)
            }
        }
        let b = velocity.map(nodal)
        let h = grid.spacing
        // a at the node of a boundary point x (grid coordinates).
        let nodeOf: @Sendable ([Double]) -> Int = { [grid] x in
            var p = 0
            for axis in 0..<x.count { p += min(max(Int((x[axis] / h[axis]).rounded()), 0), grid.sizes[axis] - 1) * grid.strides[axis] }
            return p
        }
        let lower = self.lower
        var conditions: [BoundaryCondition] = []
        var boundaryReaction: [BoundarySide: @Sendable ([Double]) -> Double] = [:]
        for (side, applying) in sideConditions.enumerated() {
            let piece = sidePieceNames[side]
            guard !applying.isEmpty else { conditions.append(.periodic); continue }
            @Sendable func condition(at x: [Double]) -> ResolvedBoundaryCondition {
                let point = zip(x, lower).map(+)
                return applying.first { $0.applies(toPiece: piece, at: point) } ?? applying[0]
            }
            switch applying[0].kind {
            case .dirichlet:
                conditions.append(.dirichlet { x in
                    guard case .dirichlet(let g) = condition(at: x).kind else { return .nan }
                    return g.evaluate(coordinates: zip(x, lower).map(+))
                })
            case .neumann:
                conditions.append(.neumann { x in
                    guard case .neumann(let g) = condition(at: x).kind else { return .nan }
                    return a[nodeOf(x)] * g.evaluate(coordinates: zip(x, lower).map(+))
                })
            case .robin:
                conditions.append(.neumann { x in
                    guard case .robin(_, let beta, let g) = condition(at: x).kind else { return .nan }
                    let point = zip(x, lower).map(+)
                    return a[nodeOf(x)] * g.evaluate(coordinates: point) / beta.evaluate(coordinates: point)
                })
                boundaryReaction[BoundarySide(axis: side / 2, isUpper: side % 2 == 1)] = { x in
                    guard case .robin(let alpha, let beta, _) = condition(at: x).kind else { return .nan }
                    let point = zip(x, lower).map(+)
                    return a[nodeOf(x)] * alpha.evaluate(coordinates: point) / beta.evaluate(coordinates: point)
                }
            case .periodic:
                conditions.append(.periodic)
            }
        }
        let f = nodal(source) ?? [Double](repeating: 0, count: count)
        var assembler = FiniteVolumeAssembler(grid: grid, boundaryConditions: BoundaryConditions(conditions), coefficient: a, source: f)
        assembler.reaction = nodal(reaction)
        if b.contains(where: { $0?.contains { $0 != 0 } ?? false }) {
            assembler.velocity = b.map { $0 ?? [Double](repeating: 0, count: count) }
        }
        assembler.boundaryReaction = boundaryReaction
        do {
            return try assembler.assemble()
        } catch PDEError.nonFiniteValue(let what) {
            throw ProblemError(.invalidValue, "the \(what) is not finite at some node (a Robin β of 0, or a coefficient formula outside its domain)", at: nil)
        }
    }
}
