import Foundation

/// Reads a problem file (JSON) into a `PDEProblemDescription`; every error names the file, line
/// and column.
///
/// ```json
/// { "name": "burgers",
///   "domain": {"box": [[-1], [1]]},  "coordinates": ["x"],  "time": [0, 1],
///   "coefficients": {"nu": "0.01/pi"},
///   "equations": ["u_t + u*u_x - nu*u_xx = 0"],
///   "boundary": [{"on": ["xmin", "xmax"], "dirichlet": "0"}],
///   "initial": {"u": "-sin(pi*x)"} }
/// ```
/// Domains: `{"box": [lower, upper]}`, `{"disk"|"ball": {"center": c, "radius": r}}`,
/// `{"polygon": [[x, y], …]}`, `{"union"|"difference"|"intersection": [A, B]}`, each primitive
/// optionally with `"name"`. Conditions: `{"dirichlet": g}`, `{"neumann": g}`,
/// `{"robin": {"alpha": α, "beta": β, "value": g}}`, `{"periodic": "x"}`, with `"on"` (piece
/// names), `"where"` (a predicate) and `"field"`. The README lists every key.
public enum ProblemFile {
    /// Most nodes `pinn/evaluation_grid` may ask for in all (each axis alone allows 100000).
    public static let maximumEvaluationNodes = 50_000_000

    /// Reads and resolves the file at `path` (files it names, e.g. observations, are relative to it).
    public static func load(path: String) throws -> PDEProblemDescription {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ProblemError(.file, "cannot read the problem file: \(error.localizedDescription)", at: nil, file: path)
        }
        do {
            return try parse(text: text, directory: (path as NSString).deletingLastPathComponent)
        } catch var error as ProblemError {
            error.file = path
            throw error
        }
    }

    /// Reads a problem from JSON text (`directory` resolves relative file names).
    public static func parse(text: String, directory: String = ".") throws -> PDEProblemDescription {
        guard text.utf8.count <= 16 << 20 else { throw ProblemError(.file, "the problem file is larger than 16 MiB", at: nil) }
        let map = try JSONSourceMap(text: text)
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) } catch {
            throw ProblemError(.syntax, "JSON: \(error.localizedDescription)", at: nil)
        }
        return try Reader(map: map, directory: directory).problem(root)
    }

    private struct Reader {
        let map: JSONSourceMap
        let directory: String

        func at(_ path: String) -> TextLocation? { map[path] ?? map[path + "#key"] }
        func fail(_ kind: ProblemError.Kind, _ message: String, _ path: String) -> ProblemError {
            ProblemError(kind, message, at: at(path))
        }
        func fail(_ message: String, _ path: String) -> ProblemError { fail(.invalidValue, message, path) }
        func isNumber(_ value: Any?) -> NSNumber? {
            guard let value, type(of: value) != Bool.self else { return nil }
            return value as? NSNumber
        }

        func object(_ value: Any?, _ path: String, allowed: Set<String>) throws -> [String: Any] {
            guard let dictionary = value as? [String: Any] else { throw fail("'\(path)' must be an object", path) }
            for key in dictionary.keys.sorted() where !allowed.contains(key) {   // the first unknown key by name, in every run
                let child = path.isEmpty ? key : path + "/" + key
                throw ProblemError(.invalidValue, "unknown key '\(key)'\(path.isEmpty ? "" : " in '\(path)'") (known: \(allowed.sorted().joined(separator: ", ")))",
                                   at: map[child + "#key"])
            }
            return dictionary
        }

        func text(_ value: Any?, _ path: String) throws -> ProblemText {
            if let number = isNumber(value) {
                return ProblemText("\(number.doubleValue)", origin: nil)
            }
            guard let string = value as? String else { throw fail("'\(path)' must be an expression string", path) }
            // Escaped strings cannot map offsets to columns: point at their start.
            return ProblemText(string, origin: map.escapedStrings.contains(path) ? nil : map[path])
                .relocated(whenEscapedTo: map.escapedStrings.contains(path) ? map[path] : nil)
        }

        func number(_ value: Any?, _ path: String) throws -> Double {
            guard let n = isNumber(value), n.doubleValue.isFinite else {
                throw fail("'\(path)' must be a finite number", path)
            }
            return n.doubleValue
        }

        func numbers(_ value: Any?, _ path: String) throws -> [Double] {
            guard let array = value as? [Any] else { throw fail("'\(path)' must be an array of numbers", path) }
            return try array.enumerated().map { try number($1, path + "/\($0)") }
        }

        func count(_ value: Any?, _ path: String) throws -> Int {
            let v = try number(value, path)
            guard let n = Int(exactly: v), n >= 0, n <= 10_000_000 else { throw fail("'\(path)' must be a whole number from 0 to 10⁷", path) }
            return n
        }

        func strings(_ value: Any?, _ path: String) throws -> [String] {
            if let single = value as? String { return [single] }
            guard let array = value as? [Any], let strings = array as? [String] else { throw fail("'\(path)' must be a string or an array of strings", path) }
            return strings
        }

        func geometry(_ value: Any?, _ path: String) throws -> ProblemGeometry {
            let d = try object(value, path, allowed: ["box", "disk", "ball", "polygon", "union", "difference", "intersection", "name"])
            let name = d["name"] as? String
            let kinds = d.keys.filter { $0 != "name" }
            guard kinds.count == 1, let kind = kinds.first else {
                throw fail("a domain needs exactly one of box, disk, ball, polygon, union, difference, intersection", path)
            }
            let child = path + "/" + kind
            switch kind {
            case "box":
                guard let corners = d[kind] as? [Any], corners.count == 2 else { throw fail("box: expected [lower corner, upper corner]", child) }
                let lower = try numbers(corners[0], child + "/0"), upper = try numbers(corners[1], child + "/1")
                guard lower.count == upper.count else {
                    throw fail(.dimensionMismatch, "box corners have \(lower.count) and \(upper.count) coordinates: mismatched dimensions", child)
                }
                return .box(lower: lower, upper: upper, name: name)
            case "disk", "ball":
                let b = try object(d[kind], child, allowed: ["center", "radius"])
                return .ball(center: try numbers(b["center"], child + "/center"), radius: try number(b["radius"], child + "/radius"), name: name)
            case "polygon":
                guard let vertices = d[kind] as? [Any] else { throw fail("polygon: expected [[x, y], …]", child) }
                let points = try vertices.enumerated().map { try numbers($1, child + "/\($0)") }
                if let bad = points.firstIndex(where: { $0.count != 2 }) {
                    throw fail(.dimensionMismatch, "polygon vertices need 2 coordinates: mismatched dimensions", child + "/\(bad)")
                }
                return .polygon(vertices: points, name: name)
            default:
                guard let parts = d[kind] as? [Any], parts.count == 2 else { throw fail("\(kind): expected [A, B]", child) }
                let a = try geometry(parts[0], child + "/0"), b = try geometry(parts[1], child + "/1")
                guard a.dimension == b.dimension else {
                    throw fail(.dimensionMismatch, "\(kind) of a \(a.dimension)-D and a \(b.dimension)-D domain: mismatched dimensions", child + "/1")
                }
                switch kind {
                case "union": return .union(a, b)
                case "difference": return .difference(a, b)
                default: return .intersection(a, b)
                }
            }
        }

        /// `{"random": "gaussian", "alpha": α, "tau": τ, "sigma": σ, "transform": "identity"|"exp"|"threshold", "high": h, "low": l}`.
        func randomField(_ value: Any?, _ path: String) throws -> RandomFieldCoefficient {
            let r = try object(value, path, allowed: ["random", "alpha", "tau", "sigma", "transform", "high", "low"])
            guard (r["random"] as? String) == "gaussian" else {
                throw fail("a random coefficient needs \"random\": \"gaussian\" (a Gaussian random field σ²(−Δ + τ²)^(−α))", path + "/random")
            }
            var field = RandomFieldCoefficient()
            if let v = r["alpha"] { field.alpha = try number(v, path + "/alpha") }
            if let v = r["tau"] { field.tau = try number(v, path + "/tau") }
            if let v = r["sigma"] { field.sigma = try number(v, path + "/sigma") }
            guard field.alpha > 0, field.tau > 0, field.sigma >= 0 else { throw fail("a Gaussian random field needs alpha > 0, tau > 0 and sigma ≥ 0", path) }
            switch r["transform"] as? String ?? "identity" {
            case "identity": field.transform = .identity
            case "exp": field.transform = .exp
            case "threshold":
                field.transform = .threshold(high: try number(r["high"], path + "/high"), low: try number(r["low"], path + "/low"))
            default: throw fail("'transform' must be \"identity\", \"exp\" or \"threshold\"", path + "/transform")
            }
            if case .threshold = field.transform {} else if r["high"] != nil || r["low"] != nil {
                throw fail("'high' and 'low' belong to \"transform\": \"threshold\"", path)
            }
            return field
        }

        func condition(_ value: Any?, _ path: String) throws -> BoundaryConditionText {
            let d = try object(value, path, allowed: ["on", "where", "field", "dirichlet", "neumann", "robin", "periodic"])
            let kinds = BoundaryConditionText.Kind.allCases.filter { d[$0.rawValue] != nil }
            guard kinds.count == 1, let kind = kinds.first else {
                throw fail("a boundary condition needs exactly one of dirichlet, neumann, robin, periodic", path)
            }
            var c = BoundaryConditionText(kind, field: (d["field"] as? String) ?? "u", on: try d["on"].map { try strings($0, path + "/on") } ?? [],
                                          where: try d["where"].map { try text($0, path + "/where") }, location: at(path))
            let child = path + "/" + kind.rawValue
            switch kind {
            case .dirichlet, .neumann: c.value = try text(d[kind.rawValue], child)
            case .robin:
                let r = try object(d["robin"], child, allowed: ["alpha", "beta", "value"])
                c.alpha = try r["alpha"].map { try text($0, child + "/alpha") } ?? "1"
                c.beta = try r["beta"].map { try text($0, child + "/beta") } ?? "1"
                c.value = try r["value"].map { try text($0, child + "/value") } ?? "0"
            case .periodic:
                guard let axis = d["periodic"] as? String else { throw fail("periodic: expected the coordinate name, e.g. \"x\"", child) }
                c.axis = axis
            }
            return c
        }

        func problem(_ root: Any) throws -> PDEProblemDescription {
            let d = try object(root, "", allowed: ["name", "domain", "coordinates", "time", "fields", "parameters", "coefficients",
                                                   "equation", "equations", "boundary", "initial", "exact", "observations", "pinn", "description"])
            guard d["domain"] != nil else { throw ProblemError(.invalidValue, "the problem needs a \"domain\"", at: TextLocation(line: 1, column: 1)) }
            let domain = try geometry(d["domain"], "domain")
            guard domain.hasFiniteMeasures else {
                throw fail("the domain's extent, area or boundary length overflows a double: use smaller coordinates", "domain")
            }
            let coordinates = try d["coordinates"].map { try strings($0, "coordinates") }
            if let coordinates, coordinates.count != domain.dimension {
                throw fail(.dimensionMismatch, "\(coordinates.count) coordinate names for a \(domain.dimension)-D domain: mismatched dimensions", "coordinates")
            }
            var time: (start: Double, end: Double)? = nil
            if d["time"] != nil {
                let t = try numbers(d["time"], "time")
                guard t.count == 2 else { throw fail(.dimensionMismatch, "time: expected [t0, t1]", "time") }
                time = (t[0], t[1])
            }
            let fields = try d["fields"].map { try strings($0, "fields") } ?? ["u"]
            var parameters: [UnknownParameter] = []
            if let p = d["parameters"] {
                let entries = try object(p, "parameters", allowed: Set((p as? [String: Any])?.keys.map { $0 } ?? []))
                for name in entries.keys.sorted() {
                    let path = "parameters/" + name
                    if let value = entries[name] as? [String: Any] {
                        let e = try object(value, path, allowed: ["initial", "true"])
                        parameters.append(UnknownParameter(name: name, initialValue: try number(e["initial"], path + "/initial"),
                                                           trueValue: try e["true"].map { try number($0, path + "/true") }))
                    } else {
                        parameters.append(UnknownParameter(name: name, initialValue: try number(entries[name], path)))
                    }
                }
            }
            var coefficients: [(name: String, formula: ProblemText)] = []
            var randomCoefficients: [(name: String, field: RandomFieldCoefficient)] = []
            if let c = d["coefficients"] {
                guard let entries = c as? [String: Any] else { throw fail("'coefficients' must be an object of formulas", "coefficients") }
                for name in entries.keys.sorted() {
                    if entries[name] is [String: Any] {
                        randomCoefficients.append((name, try randomField(entries[name], "coefficients/" + name)))
                    } else {
                        coefficients.append((name, try text(entries[name], "coefficients/" + name)))
                    }
                }
            }
            var equations: [ProblemText] = []
            if let single = d["equation"] { equations.append(try text(single, "equation")) }
            if let many = d["equations"] {
                guard let array = many as? [Any] else { throw fail("'equations' must be an array of strings", "equations") }
                equations += try array.enumerated().map { try text($1, "equations/\($0)") }
            }
            guard !equations.isEmpty else { throw ProblemError(.invalidValue, "the problem needs an \"equation\" or \"equations\"", at: TextLocation(line: 1, column: 1)) }
            guard equations.count == fields.count else {
                throw fail(.dimensionMismatch, "\(equations.count) equation\(equations.count == 1 ? "" : "s") for \(fields.count) field\(fields.count == 1 ? "" : "s") (\(fields.joined(separator: ", "))): mismatched dimensions",
                           d["equations"] != nil ? "equations" : "equation")
            }
            var boundary: [BoundaryConditionText] = []
            if let b = d["boundary"] {
                guard let array = b as? [Any] else { throw fail("'boundary' must be an array of conditions", "boundary") }
                boundary = try array.enumerated().map { try condition($1, "boundary/\($0)") }
            }
            var initial: [InitialConditionText] = []
            if let i = d["initial"] {
                guard let entries = i as? [String: Any] else { throw fail("'initial' must be an object {field: formula}", "initial") }
                initial = try entries.keys.sorted().map { InitialConditionText(field: $0, value: try text(entries[$0], "initial/" + $0), location: at("initial/" + $0)) }
            }
            var exact: [ProblemText]? = nil
            if let e = d["exact"] {
                guard let entries = e as? [String: Any] else { throw fail("'exact' must be an object {field: formula}", "exact") }
                exact = try fields.map { field in
                    guard let formula = entries[field] else { throw fail("'exact' has no formula for field '\(field)'", "exact") }
                    return try text(formula, "exact/" + field)
                }
            }
            var observations: [FieldObservations] = []
            if let o = d["observations"] {
                let entries = try object(o, "observations", allowed: ["field", "points", "values", "file"])
                let field = (entries["field"] as? String) ?? fields[0]
                let dimension = domain.dimension + (time == nil ? 0 : 1)
                var points: [Double] = [], values: [Double] = []
                if let file = entries["file"] as? String {
                    (points, values) = try csv(file, dimension: dimension, path: "observations/file")
                } else {
                    guard let rows = entries["points"] as? [Any] else { throw fail("observations need \"points\" and \"values\", or \"file\"", "observations") }
                    for (n, row) in rows.enumerated() {
                        let p = try numbers(row, "observations/points/\(n)")
                        guard p.count == dimension else {
                            throw fail(.dimensionMismatch, "an observation point needs \(dimension) coordinates, got \(p.count): mismatched dimensions", "observations/points/\(n)")
                        }
                        points += p
                    }
                    values = try numbers(entries["values"], "observations/values")
                }
                observations.append(FieldObservations(field: field, points: points, values: values, location: at("observations")))
            }
            var settings = ProblemSettings()
            if let p = d["pinn"] {
                let s = try object(p, "pinn", allowed: ["domain_points", "boundary_points", "initial_points", "residual_on_boundary",
                                                        "constraints", "evaluation_grid", "reference"])
                if let v = s["domain_points"] { settings.domainPoints = try count(v, "pinn/domain_points") }
                if let v = s["boundary_points"] { settings.boundaryPoints = try count(v, "pinn/boundary_points") }
                if let v = s["initial_points"] { settings.initialPoints = try count(v, "pinn/initial_points") }
                if let v = s["residual_on_boundary"] {
                    guard let b = v as? Bool else { throw fail("'pinn/residual_on_boundary' must be true or false", "pinn/residual_on_boundary") }
                    settings.residualOnBoundary = b
                }
                if let v = s["constraints"] {
                    guard let c = v as? String, ["hard", "soft"].contains(c) else { throw fail("'pinn/constraints' must be \"hard\" or \"soft\"", "pinn/constraints") }
                    settings.constraints = c
                }
                if let v = s["evaluation_grid"] {
                    let grid = try numbers(v, "pinn/evaluation_grid").map { Int(exactly: $0) ?? -1 }
                    let dimension = domain.dimension + (time == nil ? 0 : 1)
                    guard grid.count == dimension else {
                        throw fail(.dimensionMismatch, "evaluation_grid needs \(dimension) node counts, got \(grid.count): mismatched dimensions", "pinn/evaluation_grid")
                    }
                    guard grid.allSatisfy({ (2...100_000).contains($0) }) else { throw fail("evaluation_grid counts must be whole numbers from 2 to 100000", "pinn/evaluation_grid") }
                    var nodes = 1
                    for count in grid {
                        let (next, overflow) = nodes.multipliedReportingOverflow(by: count)
                        guard !overflow, next <= ProblemFile.maximumEvaluationNodes else {
                            throw fail("evaluation_grid has more than \(ProblemFile.maximumEvaluationNodes) nodes in all", "pinn/evaluation_grid")
                        }
                        nodes = next
                    }
                    settings.evaluationGrid = grid
                }
                if let v = s["reference"] {
                    let r = try object(v, "pinn/reference", allowed: ["file", "axes", "values"])
                    guard let file = r["file"] as? String, let values = r["values"] as? String else {
                        throw fail("reference needs \"file\", \"axes\" and \"values\" (npz array names)", "pinn/reference")
                    }
                    let axes = try strings(r["axes"], "pinn/reference/axes")
                    settings.reference = (file.hasPrefix("/") ? file : directory + "/" + file, axes, values)
                }
            }
            return try PDEProblemDescription(name: (d["name"] as? String) ?? "problem", domain: domain, domainLocation: at("domain"),
                                             coordinates: coordinates, time: time, fields: fields, parameters: parameters,
                                             coefficients: coefficients, randomCoefficients: randomCoefficients, equations: equations, boundary: boundary, initial: initial,
                                             exact: exact, observations: observations, settings: settings)
        }

        /// Observations from a CSV file: one row per point, the coordinates then the value; a first
        /// line that is not numbers is a header.
        func csv(_ file: String, dimension: Int, path: String) throws -> ([Double], [Double]) {
            let full = file.hasPrefix("/") ? file : directory + "/" + file
            let content: String
            do { content = try String(contentsOfFile: full, encoding: .utf8) } catch {
                throw fail(.file, "cannot read observations file \(full): \(error.localizedDescription)", path)
            }
            var points: [Double] = [], values: [Double] = []
            for (n, line) in content.split(whereSeparator: \.isNewline).enumerated() {
                let cells = line.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
                if n == 0 && cells.contains(where: { $0 == nil }) { continue }
                guard cells.count == dimension + 1, cells.allSatisfy({ $0 != nil && $0!.isFinite }) else {
                    throw fail(.dimensionMismatch, "\(full) line \(n + 1): expected \(dimension) coordinates and a value, all finite numbers", path)
                }
                points += cells.prefix(dimension).map { $0! }
                values.append(cells[dimension]!)
            }
            return (points, values)
        }
    }
}

extension ProblemText {
    /// For a string with escapes: keep the text but point every error at the string's start.
    func relocated(whenEscapedTo start: TextLocation?) -> ProblemText {
        guard let start else { return self }
        return ProblemText(text, origin: start)
    }
}
