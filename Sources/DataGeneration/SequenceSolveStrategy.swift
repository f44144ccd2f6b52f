/// How a sequence of related sparse systems is solved.
public enum SequenceSolveStrategy: String, Sendable, CaseIterable, Codable {
    /// Measure the first systems with both `direct` and `recycling` and keep the faster one.
    case auto
    /// CHOLMOD with the symbolic analysis reused (symmetric positive definite systems), else UMFPACK.
    case direct
    /// Restarted GMRES(m) from scratch for every system (the baseline recycling is measured against).
    case gmres
    /// GCRO-DR keeping its recycle space from one system to the next.
    case recycling
}
