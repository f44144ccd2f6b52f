import Foundation
import PDEs
import TensorCore
import AutoDiff
import RunSupport

/// A PINN for a user-defined `PDEProblemDescription`: the model, the loss terms and the
/// evaluation points, drawn in the same order as the bundled problems so that a problem file of a
/// bundled problem reproduces its run exactly.
///
/// ```
/// generator(seed) → model(box ⊇ Ω × [t₀, t₁]) → interior points → boundary points (piece by piece)
///                 → initial points
/// pde:       r(x) from the compiled residual, at initial + boundary + interior points (soft, as DeepXDE)
/// boundary:  u − g (Dirichlet, one term),  n·∇u − g (Neumann),  α u + β n·∇u − g (Robin)
/// initial:   u(x, t₀) − u₀(x)          data:  u(x_n) − y_n (observations)
/// periodic:  exact, by the periodic input embedding of the axis
/// hard:      u = A(x) + D(x) N(x), Dirichlet data per box face (transfinite lift) or on a ball, and
///            in time u = u₀ + … + D(x)(t − t₀)N (`ProblemHardConstraint`)
/// ```
public struct ProblemPINN: Sendable {
    public let problem: PDEProblemDescription

    public init(problem: PDEProblemDescription) throws {
        guard problem.fields.count == problem.residuals.count else {
            throw ProblemError(.dimensionMismatch, "\(problem.residuals.count) equations for \(problem.fields.count) fields (\(problem.fields.joined(separator: ", ")))", at: nil)
        }
        guard problem.randomCoefficients.isEmpty else {
            throw ProblemError(.unsupported, "random-field coefficients (\(problem.randomCoefficients.map(\.name).joined(separator: ", "))) are for 'pdekit generate --problem'; the PINN needs formulas", at: nil)
        }
        self.problem = problem
    }

    /// The box the network sees: the domain's bounding box, times the time interval.
    public var box: Box {
        let (lower, upper) = problem.geometry.boundingBox
        guard let time = problem.timeInterval else { return Box(lower: lower, upper: upper) }
        return Box(lower: lower + [time.start], upper: upper + [time.end])
    }

    /// Whether hard constraints can impose the conditions (`ProblemHardConstraint`): Dirichlet data on
    /// every face of a box (a formula per face) or one formula on a ball, no predicates or periodic
    /// axes, and in time an initial condition.
    public var supportsHardConstraints: Bool { ProblemHardConstraint.obstacle(problem) == nil }

    /// Interior points of Ω (× time) from `sampling`, row-major `[count, D]`.
    func interiorPoints(count: Int, sampling: CollocationSampling, fresh: Bool, generator: inout SeededRandomNumberGenerator) throws -> [Double] {
        let box = self.box
        if problem.geometry.isBox {
            return fresh ? sampling.freshSample(count: count, in: box, generator: &generator) : sampling.sample(count: count, in: box, generator: &generator)
        }
        let D = box.dimension, d = problem.spatialDimension
        let emptyDomain = ProblemError(.invalidValue, "the domain is empty or too thin to sample \(count) interior points", at: nil)
        // Rejection: draw 2·count candidates, ×4 each round, up to `maximumCandidates` per round
        // (a sliver or empty domain must fail here, not ask for gigabytes of candidates).
        let (twice, overflow) = count.multipliedReportingOverflow(by: 2)
        guard !overflow else { throw emptyDomain }
        let maximumCandidates = Swift.max(twice, Self.maximumRejectionCandidates)
        var drawn = twice
        while true {
            try MemoryBudget().requireArray(shape: [drawn, D], bytesPerElement: MemoryLayout<Double>.stride, what: "interior candidate points")
            let candidates = fresh ? sampling.freshSample(count: drawn, in: box, generator: &generator)
                                   : sampling.sample(count: drawn, in: box, generator: &generator)
            var kept: [Double] = []
            kept.reserveCapacity(count * D)
            for n in 0..<drawn where kept.count < count * D {
                if problem.geometry.level(Array(candidates[(n * D)..<(n * D + d)])) < 0 { kept += candidates[(n * D)..<((n + 1) * D)] }
            }
            if kept.count == count * D { return kept }
            guard drawn < maximumCandidates else { throw emptyDomain }
            drawn = drawn > maximumCandidates / 4 ? maximumCandidates : drawn * 4
        }
    }

    /// Largest number of candidate points one rejection round draws (unless the request itself
    /// needs more): at most 4·2²² doubles, 128 MiB, for a space–time domain.
    static let maximumRejectionCandidates = 1 << 22

    /// `round(total · measure / totalMeasure)` points for a boundary piece, at least 1; measures
    /// are finite (problem files reject others), and a non-finite or out-of-range share gives `total`.
    static func share(of total: Int, measure: Double, totalMeasure: Double) -> Int {
        let exact = (Double(total) * measure / totalMeasure).rounded()
        guard exact.isFinite, exact >= 1 else { return 1 }
        return exact <= Double(total) ? Int(exact) : total
    }

    /// Boundary points per piece (time appended uniformly over the interval).
    func boundaryPoints(total: Int, sampling: CollocationSampling, generator: inout SeededRandomNumberGenerator) -> [(piece: BoundaryPiece, points: [Double])] {
        var pieces = problem.geometry.boundaryPieces(coordinateNames: problem.coordinateNames)
        var periodic = Set<Int>()
        for c in problem.boundaryConditions { if case .periodic(let axis) = c.kind { periodic.insert(axis) } }
        pieces.removeAll { $0.face.map { periodic.contains($0.axis) } ?? false }
        guard !pieces.isEmpty else { return [] }
        let allFaces = pieces.allSatisfy { $0.face != nil }
        let totalMeasure = pieces.reduce(0) { $0 + $1.measure }
        let time = problem.timeInterval
        return pieces.map { piece in
            var count = allFaces ? Swift.max(total / pieces.count, 1) : Self.share(of: total, measure: piece.measure, totalMeasure: totalMeasure)
            let k = piece.parameterDimension + (time == nil ? 0 : 1)
            if k == 0 { count = 1 }
            let q = piece.parameterDimension
            // Draw the piece's parameters and (with time) the time together; keep the points on the
            // composite boundary, doubling the draw until enough are kept.
            var drawn = count, points: [Double] = []
            for _ in 0..<6 {
                let unit = k == 0 ? [] : sampling.unitSample(count: drawn, dimension: k, generator: &generator)
                points = []
                var kept = 0
                for m in 0..<(k == 0 ? 1 : drawn) where kept < count {
                    let x = piece.map(q == 0 ? [] : Array(unit[(m * k)..<(m * k + q)]))
                    guard piece.keeps(x) else { continue }
                    points += x
                    if let time { points.append(time.start + unit[m * k + q] * (time.end - time.start)) }
                    kept += 1
                }
                if kept == count || k == 0 { break }
                let largest = Swift.max(count, Self.maximumRejectionCandidates)
                if drawn >= largest { break }
                drawn = drawn > largest / 4 ? largest : drawn * 4
            }
            return (piece, points)
        }
    }

    /// The ready-to-train setup. `reference` overrides the exact solution (points, grid, values).
    public func makeSetup<Scalar: TensorScalar>(options: PINNProblemOptions, reference: (points: [Double], grid: [Int], values: [Double])? = nil,
                                                as: Scalar.Type = Scalar.self) throws -> PINNSetup<Scalar> {
        var generator = SeededRandomNumberGenerator(seed: options.seed)
        let hard = options.constraints == .hard
        if hard, let obstacle = problem.fields.count > 1 ? "hard constraints are for one field" : ProblemHardConstraint.obstacle(problem) {
            throw ProblemError(.unsupported, obstacle + "; use soft constraints", at: nil)
        }
        let fieldCount = problem.fields.count
        let box = self.box, D = box.dimension, sampling = options.sampling
        let residuals = try problem.residuals.map { try ProblemResidualCompiler<Scalar>.compile($0, fieldCount: fieldCount) }
        let residual = residuals[0]
        var configuration: PINNModel<Scalar>.Configuration = options.network.converted()
        for c in problem.boundaryConditions { if case .periodic(let axis) = c.kind, !configuration.periodicAxes.contains(axis) { configuration.periodicAxes.append(axis) } }
        let model = PINNModel<Scalar>(domain: box, configuration: configuration,
                                      trialFunction: hard ? try ProblemHardConstraint.trialFunction(for: problem, box: box) : nil,
                                      scalarParameters: problem.parameters.map { ($0.name, $0.initialValue) }, outputCount: fieldCount,
                                      generator: &generator)
        let settings = problem.settings
        let interiorCount = options.domainPoints > 0 ? options.domainPoints : settings.domainPoints > 0 ? settings.domainPoints : 1000
        let interior = try interiorPoints(count: interiorCount, sampling: sampling, fresh: false, generator: &generator)
        var boundary: [(piece: BoundaryPiece, points: [Double])] = []
        var initial: [Double] = []
        if !hard {
            let total = options.boundaryPoints > 0 ? options.boundaryPoints : settings.boundaryPoints > 0 ? settings.boundaryPoints : 100
            boundary = boundaryPoints(total: total, sampling: sampling, generator: &generator)
            if let time = problem.timeInterval {
                let count = settings.initialPoints > 0 ? settings.initialPoints : 2 * total
                let spatial = try problem.geometry.interiorPoints(count: count) { n, k in sampling.unitSample(count: n, dimension: k, generator: &generator) }
                let d = problem.spatialDimension
                for m in 0..<count { initial += spatial[(m * d)..<((m + 1) * d)]; initial.append(time.start) }
            }
        }
        let residualPoints = !hard && settings.residualOnBoundary ? initial + boundary.flatMap(\.points) + interior : interior
        let parameterNames = problem.parameters.map(\.name)
        let fresh: (Int, inout SeededRandomNumberGenerator) -> [Double] = { [self] n, g in
            (try? interiorPoints(count: n, sampling: sampling, fresh: true, generator: &g)) ?? []
        }
        var terms: [PINNLossTerm<Scalar>]
        if fieldCount == 1 {
            terms = [.pde(points: .points(residualPoints, dimension: D), sampler: fresh, secondDerivativeAxes: residual.secondAxes) { u, model in
                residual.evaluate(.init(derivatives: u, parameters: parameterNames.map { model.scalarParameter($0)!.variable },
                                        mixedPairs: residual.mixedPairs,
                                        mixed: { model.mixedDerivatives(pairs: $0.map { ($0.field, $0.first, $0.second) }, fields: [u]) }))
            }]
        } else {
            // A system: every equation's residual at every point, stacked (the loss is their mean
            // square); resampling ranks points by the norm of the stacked residual.
            let axes = Array(Set(residuals.flatMap(\.secondAxes))).sorted()
            let mixedPairs = Array(Set(residuals.flatMap(\.mixedPairs))).sorted()   // one order in every process
            terms = [PINNLossTerm(name: "pde", points: .points(residualPoints, dimension: D), sampler: fresh) { model, x in
                let fields = model.fieldDerivatives(at: x, secondAxes: axes)
                let context = ProblemResidualCompiler<Scalar>.Context(
                    fields: fields, parameters: parameterNames.map { model.scalarParameter($0)!.variable }, mixedPairs: mixedPairs,
                    mixed: { model.mixedDerivatives(pairs: $0.map { ($0.field, $0.first, $0.second) }, fields: fields) })
                return Variable.concatenated(residuals.map { $0.evaluate(context) }, alongAxis: 0)
            }]
        }
        for field in 0..<fieldCount {
            let suffix = fieldCount == 1 ? "" : "." + problem.fields[field]
            terms += try boundaryTerms(boundary, field: field, weight: options.boundaryWeight, as: Scalar.self)
            if !initial.isEmpty, let condition = problem.initialConditions.first(where: { $0.field == field }) {
                let target = Tensor<Scalar>(uncheckedShape: [initial.count / D, 1], scalars: stride(from: 0, to: initial.count, by: D).map {
                    Scalar(condition.value.evaluate(coordinates: Array(initial[$0..<($0 + D)])))
                })
                terms.append(PINNLossTerm(name: "initial" + suffix, weight: options.boundaryWeight, points: .points(initial, dimension: D)) { model, x in
                    model.field(field, of: model.values(at: x)) - target
                })
            }
        }
        for observation in problem.observations {
            let target = Tensor<Scalar>(uncheckedShape: [observation.values.count, 1], scalars: observation.values.map { Scalar($0) })
            let field = observation.field
            terms.append(PINNLossTerm(name: "data", weight: 1, points: .points(observation.points, dimension: D)) { model, x in
                model.field(field, of: model.values(at: x)) - target
            })
        }
        if let reference {
            return PINNSetup(model: model, terms: terms, evaluationPoints: reference.points, evaluationGrid: reference.grid, reference: reference.values)
        }
        let grid = settings.evaluationGrid ?? [Int](repeating: [100, 51, 21, 11][D - 1], count: D)
        _ = try box.gridNodeCount(counts: grid)
        var evaluation = box.grid(counts: grid)
        var evaluationGrid = grid
        if !problem.geometry.isBox {
            let d = problem.spatialDimension
            evaluation = stride(from: 0, to: evaluation.count, by: D).filter { problem.geometry.contains(Array(evaluation[$0..<($0 + d)])) }
                .flatMap { evaluation[$0..<($0 + D)] }
            evaluationGrid = [evaluation.count / D]
        }
        // Row-major [points, fields], the layout of the model's prediction.
        let exact = problem.exactSolution.map { formulas in
            stride(from: 0, to: evaluation.count, by: D).flatMap { n in
                formulas.map { $0.evaluate(coordinates: Array(evaluation[n..<(n + D)]), parameters: problem.parameters.map { $0.trueValue ?? $0.initialValue }) }
            }
        }
        return PINNSetup(model: model, terms: terms, evaluationPoints: evaluation, evaluationGrid: evaluationGrid, reference: exact)
    }

    /// Soft boundary terms: each point takes the first condition that applies to it.
    func boundaryTerms<Scalar: TensorScalar>(_ boundary: [(piece: BoundaryPiece, points: [Double])], field: Int = 0, weight: Double,
                                             as: Scalar.Type) throws -> [PINNLossTerm<Scalar>] {
        let suffix = problem.fields.count == 1 ? "" : "." + problem.fields[field]
        let D = box.dimension, d = problem.spatialDimension
        var dirichletPoints: [Double] = [], dirichletValues: [Double] = []
        // Neumann and Robin: points, normal, α, β, g.
        var fluxPoints: [Double] = [], normals: [Double] = [], alphas: [Double] = [], betas: [Double] = [], fluxValues: [Double] = []
        var hasRobin = false
        for (piece, points) in boundary {
            for n in stride(from: 0, to: points.count, by: D) {
                let x = Array(points[n..<(n + D)])
                guard let condition = problem.boundaryConditions.first(where: { $0.field == field && $0.applies(toPiece: piece.name, at: x) }) else {
                    throw ProblemError(.missingBoundaryCondition, "boundary piece '\(piece.name)' has no condition at \(x)", at: nil)
                }
                switch condition.kind {
                case .dirichlet(let g):
                    dirichletPoints += x; dirichletValues.append(g.evaluate(coordinates: x))
                case .neumann(let g):
                    fluxPoints += x; normals += piece.normal(at: Array(x.prefix(d)), domain: problem.geometry)
                    alphas.append(0); betas.append(1); fluxValues.append(g.evaluate(coordinates: x))
                case .robin(let alpha, let beta, let g):
                    hasRobin = true
                    fluxPoints += x; normals += piece.normal(at: Array(x.prefix(d)), domain: problem.geometry)
                    alphas.append(alpha.evaluate(coordinates: x)); betas.append(beta.evaluate(coordinates: x)); fluxValues.append(g.evaluate(coordinates: x))
                case .periodic: break
                }
            }
        }
        var terms: [PINNLossTerm<Scalar>] = []
        func column(_ values: [Double]) -> Tensor<Scalar> { Tensor(uncheckedShape: [values.count, 1], scalars: values.map { Scalar($0) }) }
        if !dirichletValues.isEmpty {
            let target = column(dirichletValues)
            terms.append(PINNLossTerm(name: "boundary" + suffix, weight: weight, points: .points(dirichletPoints, dimension: D)) { model, x in
                model.field(field, of: model.values(at: x)) - target
            })
        }
        if !fluxValues.isEmpty {
            let count = fluxValues.count
            let normalColumns = (0..<d).map { axis in column((0..<count).map { normals[$0 * d + axis] }) }
            let alpha = column(alphas), beta = column(betas), target = column(fluxValues)
            terms.append(PINNLossTerm(name: (hasRobin ? "robin" : "neumann") + suffix, weight: weight, points: .points(fluxPoints, dimension: D)) { model, x in
                let u = model.fieldDerivatives(at: x, secondAxes: [])[field]
                var flux = u.first(0) * normalColumns[0]
                for axis in 1..<Swift.max(d, 1) where axis < d { flux = flux + u.first(axis) * normalColumns[axis] }
                return u.value * alpha + flux * beta - target
            })
        }
        return terms
    }
}
