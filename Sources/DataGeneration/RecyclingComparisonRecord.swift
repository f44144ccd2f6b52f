/// The JSON line `generate --compare-gmres` prints: a `RecyclingComparison` with the settings it
/// was measured under (keys as in earlier benchmark files).
public struct RecyclingComparisonRecord: Codable, Sendable {
    public var bench = "generate-compare"
    public var family: String
    public var resolution: Int
    public var systems: Int
    public var tolerance: Double
    public var preconditioner: String
    public var restart: Int
    public var recycled: Int
    public var gmres_seconds: Double
    public var gmres_cpu_seconds: Double
    public var gmres_iterations: Int
    public var gmres_products: Int
    public var recycling_seconds: Double
    public var recycling_cpu_seconds: Double
    public var recycling_iterations: Int
    public var recycling_products: Int
    public var direct_seconds: Double
    public var direct_cpu_seconds: Double
    public var coefficient: String?
    public var wavenumber: Double?
    public var gmres_failure: String?
    public var recycling_failure: String?

    public init(_ c: RecyclingComparison, configuration: GenerationConfiguration) {
        family = configuration.family.rawValue
        resolution = configuration.resolution
        systems = c.systemCount
        tolerance = configuration.tolerance
        preconditioner = configuration.preconditioner.generationName
        restart = configuration.restart
        recycled = configuration.recycledCount
        gmres_seconds = c.gmresSeconds; gmres_cpu_seconds = c.gmresCPUSeconds; gmres_iterations = c.gmresIterations; gmres_products = c.gmresProducts
        recycling_seconds = c.recyclingSeconds; recycling_cpu_seconds = c.recyclingCPUSeconds
        recycling_iterations = c.recyclingIterations; recycling_products = c.recyclingProducts
        direct_seconds = c.directSeconds; direct_cpu_seconds = c.directCPUSeconds
        coefficient = configuration.family == .darcy ? configuration.coefficient.rawValue : nil
        wavenumber = configuration.family == .helmholtz ? configuration.wavenumber : nil
        gmres_failure = c.gmresFailure; recycling_failure = c.recyclingFailure
    }
}
