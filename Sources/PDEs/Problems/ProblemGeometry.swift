import Foundation

/// The spatial domain of a problem: primitives and their constructive combinations.
///
/// ```
/// box(a, b)        [a₁, b₁] × … × [a_d, b_d]          pieces "<x>min", "<x>max" per axis (coordinate names)
/// ball(c, r)       |x − c| ≤ r (a disk in 2-D)        piece  "sphere"
/// polygon(v₁…v_n)  the simple polygon (2-D)           pieces "edge1" … "edgen" (v_k → v_{k+1})
/// union(A, B)      A ∪ B    boundary: ∂A outside B, ∂B outside A
/// difference(A, B) A \ B    boundary: ∂A outside B, ∂B inside A
/// intersection     A ∩ B    boundary: ∂A inside B, ∂B inside A
/// ```
/// A primitive given a `name` calls its pieces `name` (a single-piece primitive) or `name.<piece>`;
/// a condition `on: "name"` covers them all. Interior points are drawn in the bounding box and kept
/// when inside (rejection); boundary points are drawn on a primitive's surface and kept when on the
/// composite's boundary.
public indirect enum ProblemGeometry: Sendable {
    case box(lower: [Double], upper: [Double], name: String?)
    case ball(center: [Double], radius: Double, name: String?)
    case polygon(vertices: [[Double]], name: String?)
    case union(ProblemGeometry, ProblemGeometry)
    case difference(ProblemGeometry, ProblemGeometry)
    case intersection(ProblemGeometry, ProblemGeometry)

    /// Number of spatial axes.
    public var dimension: Int {
        switch self {
        case .box(let lower, _, _): return lower.count
        case .ball(let center, _, _): return center.count
        case .polygon: return 2
        case .union(let a, _), .difference(let a, _), .intersection(let a, _): return a.dimension
        }
    }

    /// The axis-aligned box that contains the domain.
    public var boundingBox: (lower: [Double], upper: [Double]) {
        switch self {
        case .box(let lower, let upper, _): return (lower, upper)
        case .ball(let center, let radius, _): return (center.map { $0 - radius }, center.map { $0 + radius })
        case .polygon(let vertices, _):
            return ([vertices.map { $0[0] }.min()!, vertices.map { $0[1] }.min()!],
                    [vertices.map { $0[0] }.max()!, vertices.map { $0[1] }.max()!])
        case .union(let a, let b):
            let (p, q) = (a.boundingBox, b.boundingBox)
            return (zip(p.lower, q.lower).map { Swift.min($0, $1) }, zip(p.upper, q.upper).map { Swift.max($0, $1) })
        case .difference(let a, _): return a.boundingBox
        case .intersection(let a, let b):
            let (p, q) = (a.boundingBox, b.boundingBox)
            return (zip(p.lower, q.lower).map { Swift.max($0, $1) }, zip(p.upper, q.upper).map { Swift.min($0, $1) })
        }
    }

    /// Whether every coordinate, bounding-box extent and boundary-piece measure is a finite double
    /// (coordinates near 1e200 or radii near 1e155 overflow to ∞ in lengths and areas).
    public var hasFiniteMeasures: Bool {
        let (lower, upper) = boundingBox
        guard zip(lower, upper).allSatisfy({ ($1 - $0).isFinite }) else { return false }
        let names = (0..<dimension).map { "x\($0)" }
        return boundaryPieces(coordinateNames: names).allSatisfy { $0.measure.isFinite }
    }

    /// Whether the domain is exactly its bounding box (a plain box).
    public var isBox: Bool { if case .box = self { return true } else { return false } }

    /// Signed distance-like value: negative inside, zero on the boundary, positive outside
    /// (exact for boxes and balls; for polygons the distance to the nearest edge with the sign of
    /// the inside test; min/max for the combinations).
    public func level(_ x: [Double]) -> Double {
        switch self {
        case .box(let lower, let upper, _):
            var outside = 0.0, inside = -Double.infinity
            for i in lower.indices {
                let d = Swift.max(lower[i] - x[i], x[i] - upper[i])
                outside += Swift.max(d, 0) * Swift.max(d, 0)
                inside = Swift.max(inside, d)
            }
            return outside > 0 ? outside.squareRoot() : inside
        case .ball(let center, let radius, _):
            return zip(x, center).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot() - radius
        case .polygon(let vertices, _):
            var distance = Double.infinity, inside = false
            for k in vertices.indices {
                let p = vertices[k], q = vertices[(k + 1) % vertices.count]
                let (ex, ey) = (q[0] - p[0], q[1] - p[1])
                let t = Swift.min(Swift.max(((x[0] - p[0]) * ex + (x[1] - p[1]) * ey) / (ex * ex + ey * ey), 0), 1)
                let (dx, dy) = (x[0] - p[0] - t * ex, x[1] - p[1] - t * ey)
                distance = Swift.min(distance, (dx * dx + dy * dy).squareRoot())
                if (p[1] > x[1]) != (q[1] > x[1]), x[0] < p[0] + (x[1] - p[1]) / (q[1] - p[1]) * ex { inside.toggle() }
            }
            return inside ? -distance : distance
        case .union(let a, let b): return Swift.min(a.level(x), b.level(x))
        case .difference(let a, let b): return Swift.max(a.level(x), -b.level(x))
        case .intersection(let a, let b): return Swift.max(a.level(x), b.level(x))
        }
    }

    /// Whether `x` lies in the closed domain (within `tolerance`).
    public func contains(_ x: [Double], tolerance: Double = 1e-12) -> Bool { level(x) <= tolerance }

    /// The boundary pieces: a name and a map from unit-cube samples to points on the piece,
    /// with a filter that keeps the points on the composite boundary.
    public func boundaryPieces(coordinateNames: [String]) -> [BoundaryPiece] {
        func named(_ base: String?, _ piece: String, single: Bool) -> String {
            guard let base else { return piece }
            return single ? base : "\(base).\(piece)"
        }
        switch self {
        case .box(let lower, let upper, let name):
            var pieces: [BoundaryPiece] = []
            for axis in lower.indices {
                for isUpper in [false, true] {
                    let piece = coordinateNames[axis] + (isUpper ? "max" : "min")
                    let area = zip(lower, upper).enumerated().filter { $0.offset != axis }.reduce(1.0) { $0 * ($1.element.1 - $1.element.0) }
                    pieces.append(BoundaryPiece(name: named(name, piece, single: false), parameterDimension: lower.count - 1,
                                                measure: area, face: (axis, isUpper)) { unit in
                        var point = [Double](repeating: 0, count: lower.count)
                        var k = 0
                        for a in lower.indices where a != axis { point[a] = lower[a] + unit[k] * (upper[a] - lower[a]); k += 1 }
                        point[axis] = isUpper ? upper[axis] : lower[axis]
                        return point
                    })
                }
            }
            return pieces
        case .ball(let center, let radius, let name):
            let d = center.count
            let measure = d == 1 ? 2 : d == 2 ? 2 * Double.pi * radius : 4 * Double.pi * radius * radius
            return [BoundaryPiece(name: named(name, "sphere", single: true), parameterDimension: Swift.max(d - 1, 1), measure: measure, face: nil) { unit in
                switch d {
                case 1: return [center[0] + (unit[0] < 0.5 ? -radius : radius)]
                case 2:
                    let angle = 2 * Double.pi * unit[0]
                    return [center[0] + radius * Foundation.cos(angle), center[1] + radius * Foundation.sin(angle)]
                default:
                    // Archimedes: z uniform in [−1, 1] gives a uniform point on the sphere.
                    let z = 2 * unit[0] - 1, angle = 2 * Double.pi * unit[1], s = (1 - z * z).squareRoot()
                    return [center[0] + radius * s * Foundation.cos(angle), center[1] + radius * s * Foundation.sin(angle), center[2] + radius * z]
                }
            }]
        case .polygon(let vertices, let name):
            return vertices.indices.map { k in
                let p = vertices[k], q = vertices[(k + 1) % vertices.count]
                let length = ((q[0] - p[0]) * (q[0] - p[0]) + (q[1] - p[1]) * (q[1] - p[1])).squareRoot()
                return BoundaryPiece(name: named(name, "edge\(k + 1)", single: false), parameterDimension: 1, measure: length, face: nil) { unit in
                    [p[0] + unit[0] * (q[0] - p[0]), p[1] + unit[0] * (q[1] - p[1])]
                }
            }
        case .union(let a, let b):
            return a.boundaryPieces(coordinateNames: coordinateNames).map { $0.keeping { b.level($0) >= -1e-12 } }
                + b.boundaryPieces(coordinateNames: coordinateNames).map { $0.keeping { a.level($0) >= -1e-12 } }
        case .difference(let a, let b):
            return a.boundaryPieces(coordinateNames: coordinateNames).map { $0.keeping { b.level($0) >= -1e-12 } }
                + b.boundaryPieces(coordinateNames: coordinateNames).map { $0.keeping { a.level($0) <= 1e-12 } }
        case .intersection(let a, let b):
            return a.boundaryPieces(coordinateNames: coordinateNames).map { $0.keeping { b.level($0) <= 1e-12 } }
                + b.boundaryPieces(coordinateNames: coordinateNames).map { $0.keeping { a.level($0) <= 1e-12 } }
        }
    }

    /// `count` interior points (row-major `[count, d]`): `unitSample(m, d)` draws m unit-cube
    /// points; for a box they are mapped directly, otherwise drawn in the bounding box and kept when
    /// inside, with m doubled until enough are inside.
    /// - Throws: `ProblemError.invalidValue` when the domain is (numerically) empty.
    public func interiorPoints(count: Int, unitSample: (Int, Int) -> [Double]) throws -> [Double] {
        let (lower, upper) = boundingBox, d = dimension
        func map(_ unit: [Double]) -> [Double] {
            var result = unit
            for index in unit.indices { let a = index % d; result[index] = lower[a] + unit[index] * (upper[a] - lower[a]) }
            return result
        }
        if isBox || count == 0 { return map(unitSample(count, d)) }
        var drawn = 2 * count
        for _ in 0..<12 {
            let candidates = map(unitSample(drawn, d))
            var kept: [Double] = []
            kept.reserveCapacity(count * d)
            for n in 0..<drawn where kept.count < count * d {
                let point = Array(candidates[(n * d)..<((n + 1) * d)])
                if level(point) < 0 { kept += point }
            }
            if kept.count == count * d { return kept }
            drawn *= 4
        }
        throw ProblemError(.invalidValue, "the domain is empty or too thin to sample \(count) interior points", at: nil)
    }
}

/// One named piece of a domain's boundary.
public struct BoundaryPiece: Sendable {
    public let name: String
    /// Unit-cube coordinates a point on the piece needs.
    public let parameterDimension: Int
    /// Length / area of the underlying primitive piece (for splitting a point budget).
    public let measure: Double
    /// The box face `(axis, upper)` when the piece is a whole face of a box (exact normals,
    /// finite-volume sides, the PINN's hard constraints).
    public let face: (axis: Int, isUpper: Bool)?
    /// Unit-cube point → point on the piece.
    public let map: @Sendable ([Double]) -> [Double]
    /// Whether a point of the primitive piece lies on the composite boundary.
    public let keeps: @Sendable ([Double]) -> Bool

    public init(name: String, parameterDimension: Int, measure: Double, face: (axis: Int, isUpper: Bool)?,
                keeps: @escaping @Sendable ([Double]) -> Bool = { _ in true }, map: @escaping @Sendable ([Double]) -> [Double]) {
        self.name = name
        self.parameterDimension = parameterDimension
        self.measure = measure
        self.face = face
        self.map = map
        self.keeps = keeps
    }

    /// The same piece restricted to the points that also satisfy `filter` (no longer a whole face).
    public func keeping(_ filter: @escaping @Sendable ([Double]) -> Bool) -> BoundaryPiece {
        let previous = keeps
        return BoundaryPiece(name: name, parameterDimension: parameterDimension, measure: measure, face: nil,
                             keeps: { previous($0) && filter($0) }, map: map)
    }

    /// Up to `count` points on the piece (row-major); fewer (possibly none) when most of the
    /// primitive piece is not on the composite boundary.
    public func points(count: Int, unitSample: (Int, Int) -> [Double]) -> [Double] {
        guard count > 0 else { return [] }
        let k = parameterDimension, d = map([Double](repeating: 0, count: k)).count
        var drawn = count, kept: [Double] = []
        for _ in 0..<6 {
            let unit = unitSample(drawn, k)
            kept = []
            kept.reserveCapacity(count * d)
            for n in 0..<drawn where kept.count < count * d {
                let point = map(Array(unit[(n * k)..<((n + 1) * k)]))
                if keeps(point) { kept += point }
            }
            if kept.count == count * d { return kept }
            drawn *= 4
        }
        return kept
    }

    /// The outward unit normal at `x` (box faces exactly; others from the domain's level function).
    public func normal(at x: [Double], domain: ProblemGeometry) -> [Double] {
        if let face {
            var n = [Double](repeating: 0, count: x.count)
            n[face.axis] = face.isUpper ? 1 : -1
            return n
        }
        let h = 1e-6
        var g = (0..<x.count).map { a -> Double in
            var p = x, m = x
            p[a] += h; m[a] -= h
            return (domain.level(p) - domain.level(m)) / (2 * h)
        }
        let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { g = g.map { $0 / norm } }
        return g
    }
}
