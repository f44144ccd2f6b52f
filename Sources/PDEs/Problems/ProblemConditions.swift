/// A boundary condition of a problem description, as written (text), before resolution.
///
/// ```
/// dirichlet:  u = g                      on the pieces
/// neumann:    ∂u/∂n = g                  (n the outward unit normal)
/// robin:      α u + β ∂u/∂n = g
/// periodic:   u(x + L e_axis) = u(x)     (the two faces of a box axis)
/// ```
/// `on` names boundary pieces (`"xmin"`, `"sphere"`, a named primitive; empty: every piece);
/// `where` restricts them further by a predicate of the coordinates (`"x < 0.5"`).
public struct BoundaryConditionText: Sendable {
    public enum Kind: String, Sendable, CaseIterable { case dirichlet, neumann, robin, periodic }
    public var kind: Kind
    public var field: String
    public var on: [String]
    public var predicate: ProblemText?
    /// g (not used by periodic).
    public var value: ProblemText
    /// Robin α and β.
    public var alpha: ProblemText
    public var beta: ProblemText
    /// Periodic: the coordinate whose two faces are identified.
    public var axis: String?
    /// Where the condition is written (errors about the whole condition point here).
    public var location: TextLocation?

    public init(_ kind: Kind, field: String = "u", on: [String] = [], where predicate: ProblemText? = nil,
                value: ProblemText = "0", alpha: ProblemText = "1", beta: ProblemText = "1", axis: String? = nil,
                location: TextLocation? = nil) {
        self.kind = kind
        self.field = field
        self.on = on
        self.predicate = predicate
        self.value = value
        self.alpha = alpha
        self.beta = beta
        self.axis = axis
        self.location = location
    }
}

/// An initial condition `u(x, t₀) = g(x)` as written.
public struct InitialConditionText: Sendable {
    public var field: String
    public var value: ProblemText
    public var location: TextLocation?
    public init(field: String = "u", value: ProblemText, location: TextLocation? = nil) {
        self.field = field
        self.value = value
        self.location = location
    }
}

/// An unknown scalar parameter identified from observations (inverse problems).
public struct UnknownParameter: Sendable {
    public var name: String
    /// Starting value of the fit.
    public var initialValue: Double
    /// The true value when known (reported next to the identified one).
    public var trueValue: Double?
    public init(name: String, initialValue: Double, trueValue: Double? = nil) {
        self.name = name
        self.initialValue = initialValue
        self.trueValue = trueValue
    }
}

/// Measured values of one field at points (all coordinates, time last), for inverse problems.
public struct FieldObservations: Sendable {
    public var field: String
    /// Row-major `[N, d]` points.
    public var points: [Double]
    public var values: [Double]
    public var location: TextLocation?
    public init(field: String = "u", points: [Double], values: [Double], location: TextLocation? = nil) {
        self.field = field
        self.points = points
        self.values = values
        self.location = location
    }
}

/// A resolved boundary condition.
public struct ResolvedBoundaryCondition: Sendable {
    public enum Kind: Sendable {
        /// u = value
        case dirichlet(value: SymbolicExpression)
        /// ∂u/∂n = value
        case neumann(value: SymbolicExpression)
        /// α u + β ∂u/∂n = value
        case robin(alpha: SymbolicExpression, beta: SymbolicExpression, value: SymbolicExpression)
        /// u(lower face) = u(upper face) on the axis
        case periodic(axis: Int)
    }
    public let kind: Kind
    public let field: Int
    /// Piece names (prefix match `name` or `name.*`); empty: every piece.
    public let on: [String]
    public let predicate: SymbolicExpression?
    public let location: TextLocation?

    /// Whether the condition applies at `x` on the piece called `piece`.
    public func applies(toPiece piece: String, at x: [Double]) -> Bool {
        if case .periodic = kind { return false }
        guard on.isEmpty || on.contains(where: { piece == $0 || piece.hasPrefix($0 + ".") }) else { return false }
        return predicate.map { $0.evaluate(coordinates: x) != 0 } ?? true
    }
}
