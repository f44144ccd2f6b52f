import SparseSolvers

/// How a sequence of related sparse systems is solved: a `SolverConfiguration.Method`, or `.auto`
/// to measure two of them. The raw values are recorded in generated files (and compared on resume).
public enum SequenceSolveStrategy: String, Sendable, CaseIterable, Codable {
    /// Measure the first systems with both `direct` and `recycling` and keep the faster one.
    case auto
    /// `SolverConfiguration.Method.direct`: CHOLMOD with the symbolic analysis reused (SPD), else UMFPACK.
    case direct
    /// `.gmres`: restarted GMRES(m) from scratch for every system (the baseline recycling is measured against).
    case gmres
    /// `.gcrodr`: GCRO-DR keeping its recycle space from one system to the next.
    case recycling

    /// The solver method of a concrete strategy (nil for `.auto`).
    public var method: SolverConfiguration.Method? {
        switch self {
        case .auto: nil
        case .direct: .direct
        case .gmres: .gmres
        case .recycling: .gcrodr
        }
    }
}
