import TensorCore

/// Provenance of a generated dataset: what was solved, on which grid, by which solver, to what
/// tolerance, from which seed, by which PDEKit version. Stored as attributes named `pdekit.*` on
/// the file root (or any group) so `h5dump -A` and `pdekit inspect` show it, and read back by
/// `init(from:at:)`.
public struct DatasetManifest: Codable, Equatable, Sendable {
    /// Problem family, e.g. `darcy`, `burgers`, `poisson2d`.
    public var pde: String
    /// Named scalar parameters (viscosity, contrast, GRF length scale…).
    public var parameters: [String: Double]
    /// Grid points per axis.
    public var grid: [Int]
    /// Solver that produced the targets, e.g. `cholmod`, `gcrodr(40,20)`, `pseudo-spectral`.
    public var solver: String
    /// Relative residual tolerance of the solves (nil for direct or explicit solvers).
    public var tolerance: Double?
    /// Seed of the random input sampler.
    public var seed: UInt64
    /// PDEKit version that wrote the data.
    public var pdekitVersion: String
    /// Number of samples.
    public var sampleCount: Int

    public init(pde: String, parameters: [String: Double] = [:], grid: [Int], solver: String, tolerance: Double? = nil,
                seed: UInt64, pdekitVersion: String = PDEKitVersion.string, sampleCount: Int) {
        self.pde = pde
        self.parameters = parameters
        self.grid = grid
        self.solver = solver
        self.tolerance = tolerance
        self.seed = seed
        self.pdekitVersion = pdekitVersion
        self.sampleCount = sampleCount
    }

    static let prefix = "pdekit."
    static let parameterPrefix = "pdekit.parameter."

    /// Writes the manifest as attributes on `objectPath` (replacing earlier values).
    public func write(to file: HDF5File, at objectPath: String = "/") throws {
        try file.setAttribute("pdekit.pde", .string(pde), on: objectPath)
        try file.setAttribute("pdekit.grid", .ints(grid), on: objectPath)
        try file.setAttribute("pdekit.solver", .string(solver), on: objectPath)
        if let tolerance { try file.setAttribute("pdekit.tolerance", .double(tolerance), on: objectPath) }
        try file.setAttribute("pdekit.seed", .int(Int(Int64(bitPattern: seed))), on: objectPath)
        try file.setAttribute("pdekit.version", .string(pdekitVersion), on: objectPath)
        try file.setAttribute("pdekit.sample_count", .int(sampleCount), on: objectPath)
        // By name: a dictionary's order changes from process to process, and with it the file's bytes.
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) { try file.setAttribute(Self.parameterPrefix + name, .double(value), on: objectPath) }
    }

    /// Whether `objectPath` carries a manifest.
    public static func isPresent(in file: HDF5File, at objectPath: String = "/") -> Bool {
        ((try? file.attributeNames(of: objectPath)) ?? []).contains("pdekit.pde")
    }

    /// Reads a manifest written by `write(to:at:)`.
    ///
    /// - Throws: `DatasetError.missingKey` naming the first absent attribute.
    public init(from file: HDF5File, at objectPath: String = "/") throws {
        func value(_ name: String) throws -> HDF5AttributeValue { try file.attribute(name, of: objectPath) }
        func string(_ name: String) throws -> String {
            guard let text = try value(name).stringValue else { throw DatasetError.malformed(path: file.path, detail: "attribute '\(name)' is not a string") }
            return text
        }
        func int(_ name: String) throws -> Int {
            guard let number = try value(name).intValue else { throw DatasetError.malformed(path: file.path, detail: "attribute '\(name)' is not an integer") }
            return number
        }
        pde = try string("pdekit.pde")
        switch try value("pdekit.grid") {
        case .ints(let values): grid = values
        case .int(let value): grid = [value]
        default: throw DatasetError.malformed(path: file.path, detail: "attribute 'pdekit.grid' is not integers")
        }
        solver = try string("pdekit.solver")
        let names = try file.attributeNames(of: objectPath)
        tolerance = names.contains("pdekit.tolerance") ? try value("pdekit.tolerance").doubleValue : nil
        seed = UInt64(bitPattern: Int64(try int("pdekit.seed")))
        pdekitVersion = try string("pdekit.version")
        sampleCount = try int("pdekit.sample_count")
        var parameters = [String: Double]()
        for name in names where name.hasPrefix(Self.parameterPrefix) {
            guard let number = try value(name).doubleValue else { throw DatasetError.malformed(path: file.path, detail: "attribute '\(name)' is not a number") }
            parameters[String(name.dropFirst(Self.parameterPrefix.count))] = number
        }
        self.parameters = parameters
    }
}
