/// A boundary condition on one side of a box domain.
///
/// ```
/// dirichlet:  u = g(x)                     on the side
/// neumann:    a ∂u/∂n = g(x)               on the side, n the outward unit normal (the conormal
///                                           derivative; for heat, g is the heat flux *into* the
///                                           body; g = 0 is an insulated wall)
/// periodic:   u(x + L e_a) = u(x)           (both sides of the axis must say periodic)
/// ```
public enum BoundaryCondition: Sendable {
    case dirichlet(@Sendable ([Double]) -> Double)
    case neumann(@Sendable ([Double]) -> Double)
    case periodic

    /// u = 0 on the side.
    public static var zeroDirichlet: BoundaryCondition { .dirichlet { _ in 0 } }
    /// a ∂u/∂n = 0 on the side (insulated / no flux).
    public static var zeroNeumann: BoundaryCondition { .neumann { _ in 0 } }

    public var isDirichlet: Bool { if case .dirichlet = self { return true } else { return false } }
    public var isNeumann: Bool { if case .neumann = self { return true } else { return false } }
}

/// One of the 2d sides of a box: the lower (x_a = 0) or upper (x_a = L_a) side of axis a.
public struct BoundarySide: Sendable, Hashable {
    public let axis: Int
    public let isUpper: Bool
    public init(axis: Int, isUpper: Bool) { self.axis = axis; self.isUpper = isUpper }
    public static func lower(_ axis: Int) -> BoundarySide { BoundarySide(axis: axis, isUpper: false) }
    public static func upper(_ axis: Int) -> BoundarySide { BoundarySide(axis: axis, isUpper: true) }
}

/// The boundary conditions on all 2d sides of a box.
public struct BoundaryConditions: Sendable {
    /// conditions[2a] is the lower side of axis a, conditions[2a + 1] the upper side.
    public var conditions: [BoundaryCondition]

    /// The same condition on every side of a d-dimensional box.
    public init(dimension: Int, all condition: BoundaryCondition) {
        conditions = [BoundaryCondition](repeating: condition, count: 2 * dimension)
    }

    /// Conditions given side by side: [lower₀, upper₀, lower₁, upper₁, …].
    public init(_ conditions: [BoundaryCondition]) {
        precondition(conditions.count % 2 == 0 && !conditions.isEmpty, "BoundaryConditions: need two per axis")
        self.conditions = conditions
    }

    public var dimension: Int { conditions.count / 2 }

    public subscript(side: BoundarySide) -> BoundaryCondition {
        get { conditions[2 * side.axis + (side.isUpper ? 1 : 0)] }
        set { conditions[2 * side.axis + (side.isUpper ? 1 : 0)] = newValue }
    }

    /// Zero Dirichlet on every side.
    public static func zeroDirichlet(dimension: Int) -> BoundaryConditions {
        BoundaryConditions(dimension: dimension, all: .zeroDirichlet)
    }

    /// True when some side fixes u (so a pure-diffusion operator is nonsingular).
    public var hasDirichletSide: Bool { conditions.contains { $0.isDirichlet } }
}
