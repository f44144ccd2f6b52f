/// Errors a caller of the PDEs module can cause (bad sizes, parameters or input fields).
public enum PDEError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidGrid(String)
    case invalidParameter(name: String, reason: String)
    case sizeMismatch(what: String, expected: Int, actual: Int)
    case nonFiniteValue(String)
    case unsupportedBoundaryCondition(String)

    public var description: String {
        switch self {
        case let .invalidGrid(m): "invalid grid: \(m)"
        case let .invalidParameter(n, r): "invalid \(n): \(r)"
        case let .sizeMismatch(w, e, a): "\(w) has \(a) values, expected \(e)"
        case let .nonFiniteValue(w): "\(w) contains NaN or infinity"
        case let .unsupportedBoundaryCondition(m): "unsupported boundary condition: \(m)"
        }
    }
}
