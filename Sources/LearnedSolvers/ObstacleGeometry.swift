/// Solid obstacles placed in the unit square or cube (cell centres at ((i+1)h, …), h = 1/(n+1)).
public enum ObstacleGeometry: String, Sendable, CaseIterable, Codable {
    /// No obstacle: the plain Dirichlet Poisson matrix.
    case none
    /// A ball (disc in 2-D) of radius 0.25 at the centre.
    case sphere
    /// The centred ball plus a cylinder of radius 0.1 through the whole domain along z (along no axis in
    /// 2-D: a second disc) at (0.78, 0.22): two obstacles, one touching the outer boundary in 3-D.
    case sphereAndPillar

    /// Whether the cell centre at `point` (in the unit box) is solid.
    func isSolid(_ point: [Double]) -> Bool {
        func distanceSquared(_ centre: [Double], axes: Int) -> Double {
            var s = 0.0
            for k in 0..<axes { s += (point[k] - centre[k]) * (point[k] - centre[k]) }
            return s
        }
        switch self {
        case .none: return false
        case .sphere:
            return distanceSquared([0.5, 0.5, 0.5], axes: point.count) <= 0.25 * 0.25
        case .sphereAndPillar:
            if distanceSquared([0.5, 0.5, 0.5], axes: point.count) <= 0.25 * 0.25 { return true }
            return distanceSquared([0.78, 0.22], axes: 2) <= 0.1 * 0.1
        }
    }
}
