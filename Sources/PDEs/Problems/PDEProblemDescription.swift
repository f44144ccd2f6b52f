import Foundation

/// A problem a user defines: domain (× time interval), unknown fields, residual equations,
/// boundary and initial conditions, coefficients and unknown parameters. One description is solved
/// by the PINN (`PhysicsInformed.ProblemPINN`) and written as a file read by `ProblemFile`.
///
/// ```
/// find u_1 … u_m on Ω (× [t₀, t₁]) with
///   r_k(x, u, ∂u, θ) = 0          in Ω             (the equations, `lhs = rhs` read as lhs − rhs)
///   B_j u = g_j                   on boundary pieces (Dirichlet, Neumann, Robin, periodic)
///   u(x, t₀) = u₀(x)              (time-dependent problems)
///   θ unknown scalars fitted to observations u(x_n) ≈ y_n   (inverse problems)
/// ```
/// Written in Swift (errors then point into the expression strings) for example
/// ```swift
/// let poisson = try PDEProblemDescription(
///     domain: .box(lower: [0, 0], upper: [1, 1], name: nil),
///     equations: ["-lap(u) = 2*pi^2*sin(pi*x)*sin(pi*y)"],
///     boundary: [BoundaryConditionText(.dirichlet, value: "0")],
///     exact: ["sin(pi*x)*sin(pi*y)"])
/// ```
/// Resolution checks the meaning (`ProblemError`): unknown symbols, mismatched dimensions, a
/// boundary piece without a condition, a time derivative without an initial condition.
public struct PDEProblemDescription: Sendable {
    public let name: String
    public let geometry: ProblemGeometry
    /// Coordinate names, spatial first, then the time name when there is a time interval.
    public let coordinateNames: [String]
    public let spatialDimension: Int
    /// `[t₀, t₁]`, or nil for a stationary problem.
    public let timeInterval: (start: Double, end: Double)?
    public let fields: [String]
    public let parameters: [UnknownParameter]
    /// `lhs − rhs` of each equation.
    public let residuals: [SymbolicExpression]
    public let boundaryConditions: [ResolvedBoundaryCondition]
    /// Per field with an initial condition: (field, u₀(x)).
    public let initialConditions: [(field: Int, value: SymbolicExpression)]
    /// The exact solution per field, when known (errors are measured against it).
    public let exactSolution: [SymbolicExpression]?
    public let observations: [(field: Int, points: [Double], values: [Double])]
    /// Solver settings the problem suggests (point counts, constraints, evaluation grid).
    public var settings: ProblemSettings
    /// Coefficient formulas, resolved (for solvers that need them by name, e.g. `a` and `f`).
    public let coefficients: [String: SymbolicExpression]
    /// Random-field coefficients (`.randomCoefficient(k)` is the k-th), sampled per data sample by
    /// `generate --problem`; they may appear in the equations only.
    public let randomCoefficients: [(name: String, field: RandomFieldCoefficient)]

    /// Number of coordinates (space and time).
    public var dimension: Int { coordinateNames.count }
    /// The time axis, or nil.
    public var timeAxis: Int? { timeInterval == nil ? nil : spatialDimension }

    public init(name: String = "problem", domain: ProblemGeometry, domainLocation: TextLocation? = nil,
                coordinates: [String]? = nil, time: (start: Double, end: Double)? = nil, timeName: String = "t",
                fields: [String] = ["u"], parameters: [UnknownParameter] = [], coefficients: [(name: String, formula: ProblemText)] = [],
                randomCoefficients: [(name: String, field: RandomFieldCoefficient)] = [], equations: [ProblemText], boundary: [BoundaryConditionText], initial: [InitialConditionText] = [],
                exact: [ProblemText]? = nil, observations: [FieldObservations] = [], settings: ProblemSettings = ProblemSettings()) throws {
        let d = domain.dimension
        let spatialNames = coordinates ?? Array(["x", "y", "z"].prefix(d))
        guard spatialNames.count == d, (1...3).contains(d) else {
            throw ProblemError(.dimensionMismatch, "the domain has \(d) spatial dimension\(d == 1 ? "" : "s") but \(spatialNames.count) coordinate name\(spatialNames.count == 1 ? "" : "s") (\(spatialNames.joined(separator: ", "))); 1 to 3 are supported",
                               at: domainLocation)
        }
        try Self.checkGeometry(domain, at: domainLocation)
        if let time {
            guard time.start.isFinite, time.end.isFinite, time.start < time.end else {
                throw ProblemError(.invalidValue, "the time interval needs finite start < end, got [\(time.start), \(time.end)]", at: domainLocation)
            }
        }
        let names = spatialNames + (time == nil ? [] : [timeName])
        var seen = Set<String>()
        for n in names + fields + parameters.map(\.name) + coefficients.map(\.name) + randomCoefficients.map(\.name) {
            guard seen.insert(n).inserted else {
                throw ProblemError(.invalidValue, "the name '\(n)' is defined twice (coordinates, fields, parameters and coefficients need distinct names)", at: domainLocation)
            }
        }
        guard !fields.isEmpty, !equations.isEmpty else {
            throw ProblemError(.invalidValue, "a problem needs at least one field and one equation", at: domainLocation)
        }
        self.name = name
        self.geometry = domain
        self.coordinateNames = names
        self.spatialDimension = d
        self.timeInterval = time
        self.fields = fields
        self.parameters = parameters
        self.settings = settings
        var resolver = ProblemResolver(coordinateNames: names, spatialDimension: d, fields: fields, parameters: parameters.map(\.name),
                                       coefficients: Dictionary(coefficients.map { ($0.name, $0.formula) }, uniquingKeysWith: { a, _ in a }),
                                       randomCoefficients: randomCoefficients.map(\.name))
        self.randomCoefficients = randomCoefficients
        var resolvedCoefficients: [String: SymbolicExpression] = [:]
        for c in coefficients { resolvedCoefficients[c.name] = try resolver.coefficient(c.name) }
        self.coefficients = resolvedCoefficients
        residuals = try equations.map { try resolver.residual($0) }
        func fieldIndex(_ name: String, at location: TextLocation?) throws -> Int {
            guard let k = fields.firstIndex(of: name) else {
                throw ProblemError(.unknownSymbol, "unknown field '\(name)' (fields: \(fields.joined(separator: ", ")))", at: location)
            }
            return k
        }
        // Boundary conditions.
        var resolved: [ResolvedBoundaryCondition] = []
        for condition in boundary {
            let field = try fieldIndex(condition.field, at: condition.location)
            let predicate = try condition.predicate.map { try resolver.scalar($0, allowFields: false) }
            let kind: ResolvedBoundaryCondition.Kind
            switch condition.kind {
            case .dirichlet: kind = .dirichlet(value: try resolver.scalar(condition.value, allowFields: false))
            case .neumann: kind = .neumann(value: try resolver.scalar(condition.value, allowFields: false))
            case .robin:
                kind = .robin(alpha: try resolver.scalar(condition.alpha, allowFields: false), beta: try resolver.scalar(condition.beta, allowFields: false),
                              value: try resolver.scalar(condition.value, allowFields: false))
            case .periodic:
                guard case .box = domain else {
                    throw ProblemError(.unsupported, "periodic conditions need a box domain", at: condition.location)
                }
                guard let axisName = condition.axis, let axis = spatialNames.firstIndex(of: axisName) else {
                    throw ProblemError(.unknownSymbol, "a periodic condition needs \"axis\": one of \(spatialNames.joined(separator: ", "))", at: condition.location)
                }
                kind = .periodic(axis: axis)
            }
            let resolvedParts: [SymbolicExpression?]
            switch kind {
            case .dirichlet(let g), .neumann(let g): resolvedParts = [g, predicate]
            case .robin(let alpha, let beta, let g): resolvedParts = [alpha, beta, g, predicate]
            case .periodic: resolvedParts = [predicate]
            }
            if resolvedParts.contains(where: { $0?.involvesRandomCoefficients == true }) {
                throw ProblemError(.invalidValue, "a random-field coefficient can appear in the equations only, not in boundary data", at: condition.location)
            }
            if predicate?.involvesParameters == true {
                throw ProblemError(.invalidValue, "a boundary predicate cannot depend on unknown parameters", at: condition.predicate?.location)
            }
            resolved.append(ResolvedBoundaryCondition(kind: kind, field: field, on: condition.on, predicate: predicate, location: condition.location))
        }
        boundaryConditions = resolved
        // Initial conditions.
        var initialResolved: [(field: Int, value: SymbolicExpression)] = []
        for condition in initial {
            guard time != nil else {
                throw ProblemError(.invalidValue, "an initial condition needs a time interval (\"time\": [t0, t1])", at: condition.location)
            }
            let value = try resolver.scalar(condition.value, allowFields: false)
            guard !value.involvesRandomCoefficients else {
                throw ProblemError(.invalidValue, "a random-field coefficient can appear in the equations only, not in initial data", at: condition.location)
            }
            initialResolved.append((try fieldIndex(condition.field, at: condition.location), value))
        }
        initialConditions = initialResolved
        if let exact {
            guard exact.count == fields.count else {
                throw ProblemError(.dimensionMismatch, "\(exact.count) exact solution\(exact.count == 1 ? "" : "s") for \(fields.count) field\(fields.count == 1 ? "" : "s")",
                                   at: exact.first?.location)
            }
            exactSolution = try exact.map { text in
                let value = try resolver.scalar(text, allowFields: false)
                guard !value.involvesRandomCoefficients else {
                    throw ProblemError(.invalidValue, "an exact solution cannot depend on a random-field coefficient", at: text.location)
                }
                return value
            }
        } else {
            exactSolution = nil
        }
        self.observations = try observations.map { o in
            let field = try fieldIndex(o.field, at: o.location)
            guard o.points.count == o.values.count * names.count, !o.values.isEmpty else {
                throw ProblemError(.dimensionMismatch, "observations: \(o.values.count) values need \(o.values.count) points of \(names.count) coordinates (\(names.joined(separator: ", ")))",
                                   at: o.location)
            }
            guard (o.points + o.values).allSatisfy(\.isFinite) else {
                throw ProblemError(.invalidValue, "observations hold non-finite numbers", at: o.location)
            }
            return (field, o.points, o.values)
        }
        if !parameters.isEmpty && observations.isEmpty {
            throw ProblemError(.invalidValue, "unknown parameters (\(parameters.map(\.name).joined(separator: ", "))) need observations to be identified", at: domainLocation)
        }
        try checkInitialConditions(equations: equations)
        try checkBoundaryCoverage(domainLocation: domainLocation)
    }

    private static func checkGeometry(_ g: ProblemGeometry, at location: TextLocation?) throws {
        func fail(_ m: String) -> ProblemError { ProblemError(.invalidValue, m, at: location) }
        switch g {
        case .box(let lower, let upper, _):
            guard lower.count == upper.count else {
                throw ProblemError(.dimensionMismatch, "box corners have \(lower.count) and \(upper.count) coordinates", at: location)
            }
            guard zip(lower, upper).allSatisfy({ $0.isFinite && $1.isFinite && $0 < $1 }) else { throw fail("a box needs finite lower < upper on every axis") }
        case .ball(let center, let radius, _):
            guard center.allSatisfy(\.isFinite), radius.isFinite, radius > 0, !center.isEmpty else { throw fail("a ball needs a finite center and a positive radius") }
        case .polygon(let vertices, _):
            guard vertices.count >= 3, vertices.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isFinite) }) else {
                throw ProblemError(.dimensionMismatch, "a polygon needs at least 3 vertices of 2 finite coordinates", at: location)
            }
        case .union(let a, let b), .difference(let a, let b), .intersection(let a, let b):
            try checkGeometry(a, at: location)
            try checkGeometry(b, at: location)
            guard a.dimension == b.dimension else {
                throw ProblemError(.dimensionMismatch, "a combination of a \(a.dimension)-D and a \(b.dimension)-D domain", at: location)
            }
        }
    }

    /// A time derivative of a field needs that field's initial condition.
    private func checkInitialConditions(equations: [ProblemText]) throws {
        guard let timeAxis else { return }
        for (k, residual) in residuals.enumerated() {
            for derivative in residual.fieldDerivatives.sorted() where derivative.orders[timeAxis] > 0 {
                guard initialConditions.contains(where: { $0.field == derivative.field }) else {
                    throw ProblemError(.missingInitialCondition,
                                       "the equation has a time derivative of '\(fields[derivative.field])' but the problem gives no initial condition for it",
                                       at: equations[k].location)
                }
            }
        }
    }

    /// Every boundary piece (checked on a lattice of points on it) must have a condition for
    /// every field.
    private func checkBoundaryCoverage(domainLocation: TextLocation?) throws {
        let pieces = geometry.boundaryPieces(coordinateNames: coordinateNames)
        var periodic: Set<Int> = []
        for c in boundaryConditions { if case .periodic(let axis) = c.kind { periodic.insert(axis) } }
        for piece in pieces {
            if let face = piece.face, periodic.contains(face.axis) { continue }
            let probes = piece.points(count: 64) { count, k in
                // A deterministic lattice (golden-ratio Kronecker sequence) over the piece's parameters.
                (0..<(count * k)).map { i -> Double in
                    let n = Double(i / k + 1), alpha = [0.6180339887498949, 0.7548776662466927, 0.5698402909980532][i % k]
                    let v = n * alpha
                    return v - v.rounded(.down)
                }
            }
            let d = spatialDimension
            for n in stride(from: 0, to: probes.count, by: d) {
                let point = Array(probes[n..<(n + d)])
                for field in fields.indices {
                    // Conditions see the spatial point (time, when present, is set to the start: predicates are spatial).
                    let coordinates = point + (timeInterval.map { [$0.start] } ?? [])
                    guard boundaryConditions.contains(where: { $0.field == field && $0.applies(toPiece: piece.name, at: coordinates) }) else {
                        let at = point.map { String(format: "%.4g", $0) }.joined(separator: ", ")
                        throw ProblemError(.missingBoundaryCondition,
                                           "boundary piece '\(piece.name)' has no condition for field '\(fields[field])' (at (\(at)))",
                                           at: domainLocation)
                    }
                }
            }
        }
    }
}

/// Solver settings a problem suggests; flags override them.
public struct ProblemSettings: Sendable {
    /// Interior collocation points (0: solver default).
    public var domainPoints: Int
    /// Boundary points over all pieces (0: solver default), split in proportion to the pieces' measure.
    public var boundaryPoints: Int
    /// Initial points (0: twice the boundary points).
    public var initialPoints: Int
    /// Enforce the residual at the boundary and initial points too (DeepXDE does).
    public var residualOnBoundary: Bool
    /// "hard" or "soft" (nil: the solver's default).
    public var constraints: String?
    /// Nodes per axis of the evaluation grid (all coordinates).
    public var evaluationGrid: [Int]?
    /// Reference solution file (npz) and its array names (one per coordinate, then the values).
    public var reference: (path: String, axes: [String], values: String)?

    public init(domainPoints: Int = 0, boundaryPoints: Int = 0, initialPoints: Int = 0, residualOnBoundary: Bool = true,
                constraints: String? = nil, evaluationGrid: [Int]? = nil, reference: (path: String, axes: [String], values: String)? = nil) {
        self.domainPoints = domainPoints
        self.boundaryPoints = boundaryPoints
        self.initialPoints = initialPoints
        self.residualOnBoundary = residualOnBoundary
        self.constraints = constraints
        self.evaluationGrid = evaluationGrid
        self.reference = reference
    }
}
