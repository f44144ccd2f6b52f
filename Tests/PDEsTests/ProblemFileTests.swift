import TestSupport
import Foundation
import Testing
import PDEs

/// Problem files: parse and meaning errors point at the file's line and column; the symbolic
/// residual agrees with hand-derived formulas; geometry sampling stays on its pieces.
@Suite struct ProblemFileTests {
    /// A valid 2-D Poisson file with one line replaced (line numbers below refer to this layout).
    func poissonFile(equation: String = "-div(a*grad(u)) = f", boundary: String = #"[{"dirichlet": "0"}]"#,
                     domain: String = #"{"box": [[0, 0], [1, 1]]}"#, extra: String = "") -> String {
        """
        {
          "domain": \(domain),
          "coefficients": {"a": "1 + x^2", "f": "1"},
          "equation": "\(equation)",
          "boundary": \(boundary)\(extra)
        }
        """
    }

    func expectError(_ text: String, kind: ProblemError.Kind, line: Int, column: Int?, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        do {
            _ = try ProblemFile.parse(text: text)
            Issue.record("expected a \(kind) error", sourceLocation: sourceLocation)
        } catch let error as ProblemError {
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
            #expect(error.location?.line == line, "\(error)", sourceLocation: sourceLocation)
            if let column { #expect(error.location?.column == column, "\(error)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func validFileResolves() throws {
        let problem = try ProblemFile.parse(text: poissonFile())
        #expect(problem.coordinateNames == ["x", "y"])
        #expect(problem.residuals.count == 1)
    }

    @Test func unknownSymbolPointsAtItsColumn() {
        // Line 4 is `  "equation": "-div(a*grad(w)) = f",`; the string starts at column 16, `w` is at offset 12.
        expectError(poissonFile(equation: "-div(a*grad(w)) = f"), kind: .unknownSymbol, line: 4, column: 16 + 12)
        // An unknown symbol inside a coefficient formula points into the coefficient's string (line 3).
        expectError(poissonFile().replacingOccurrences(of: "1 + x^2", with: "1 + q^2"), kind: .unknownSymbol, line: 3, column: 30)
    }

    @Test func mismatchedDimensions() {
        // A scalar plus a vector: the column of the vector operand.
        expectError(poissonFile(equation: "u + grad(u) = f"), kind: .dimensionMismatch, line: 4, column: 16 + 4)
        // Box corners of different lengths (line 2).
        expectError(poissonFile(domain: #"{"box": [[0, 0], [1, 1, 1]]}"#), kind: .dimensionMismatch, line: 2, column: nil)
        // A coordinate that does not exist in 2-D is an unknown symbol.
        expectError(poissonFile(equation: "-lap(u) = z"), kind: .unknownSymbol, line: 4, column: 16 + 10)
    }

    @Test func boundaryPieceWithoutCondition() {
        expectError(poissonFile(boundary: #"[{"on": ["xmin", "xmax", "ymin"], "dirichlet": "0"}]"#),
                    kind: .missingBoundaryCondition, line: 2, column: 13)
        // A predicate that leaves part of a piece uncovered.
        expectError(poissonFile(boundary: #"[{"on": ["xmin", "xmax", "ymin"], "dirichlet": "0"}, {"on": "ymax", "where": "x < 0.5", "neumann": "0"}]"#),
                    kind: .missingBoundaryCondition, line: 2, column: 13)
        // Covered by two predicates: valid.
        #expect(throws: Never.self) {
            try ProblemFile.parse(text: poissonFile(boundary: #"[{"on": ["xmin", "xmax", "ymin"], "dirichlet": "0"}, {"on": "ymax", "where": "x < 0.5", "neumann": "0"}, {"on": "ymax", "where": "x >= 0.5", "robin": {"alpha": "1", "beta": "2", "value": "0"}}]"#))
        }
    }

    @Test func timeDependentWithoutInitialCondition() {
        let text = """
        {
          "domain": {"box": [[-1], [1]]},
          "time": [0, 1],
          "equation": "u_t + u*u_x - 0.01*u_xx = 0",
          "boundary": [{"dirichlet": "0"}]
        }
        """
        expectError(text, kind: .missingInitialCondition, line: 4, column: 16)
        #expect(throws: Never.self) { try ProblemFile.parse(text: text.replacingOccurrences(of: "\"boundary\"", with: "\"initial\": {\"u\": \"-sin(pi*x)\"},\n  \"boundary\"")) }
    }

    @Test func syntaxErrorsPointAtTheCharacter() {
        expectError(poissonFile(equation: "-div(a*grad(u) = f"), kind: .syntax, line: 4, column: 16 + 15)
        expectError(poissonFile(equation: "u ** 2 = f"), kind: .syntax, line: 4, column: 16 + 3)
        // Malformed JSON: a missing comma after line 2's value.
        expectError("{\n  \"domain\": {\"box\": [[0], [1]]}\n  \"equation\": \"u\"\n}", kind: .syntax, line: 3, column: 3)
        // An unknown key.
        expectError(poissonFile(extra: ",\n  \"boundery\": []"), kind: .invalidValue, line: 6, column: 3)
    }

    /// −div(a ∇u) with a = 1 + x², u = sin(x) cos(2y): the resolved residual at a point equals
    /// −(a Δu + a_x u_x) − f worked out by hand.
    @Test func divergenceFormMatchesTheHandDerivedResidual() throws {
        let problem = try ProblemFile.parse(text: poissonFile())
        let derivatives: (FieldDerivative) -> (Double, Double) -> Double = { d in
            switch d.orders {
            case [0, 0]: return { x, y in sin(x) * cos(2 * y) }
            case [1, 0]: return { x, y in cos(x) * cos(2 * y) }
            case [0, 1]: return { x, y in -2 * sin(x) * sin(2 * y) }
            case [2, 0]: return { x, y in -sin(x) * cos(2 * y) }
            case [0, 2]: return { x, y in -4 * sin(x) * cos(2 * y) }
            default: return { _, _ in .nan }
            }
        }
        var worst = 0.0
        for (x, y) in [(0.3, 0.7), (0.9, 0.1), (0.5, 0.5)] {
            let r = problem.residuals[0].evaluate(coordinates: [x, y]) { derivatives($0)(x, y) }
            let a = 1 + x * x, ax = 2 * x
            let laplacian = -sin(x) * cos(2 * y) - 4 * sin(x) * cos(2 * y)
            let expected = -(a * laplacian + ax * cos(x) * cos(2 * y)) - 1
            worst = maxOrNaN(worst, abs(r - expected))
        }
        #expect(worst < 1e-12)
    }

    /// Symbolic ∂/∂x against central differences of the same formula.
    @Test func symbolicDerivativeMatchesFiniteDifferences() throws {
        var resolver = ProblemResolver(coordinateNames: ["x", "y"], spatialDimension: 2, fields: [], parameters: [], coefficients: [:])
        let formula = try resolver.scalar("sin(pi*x)*exp(x*y)/(1 + x^2) + sqrt(2 + y)^3 - tanh(x - y) + log(3 + x)*abs(y - 2)")
        var worst = 0.0
        for point in [[0.2, 0.4], [0.7, -0.3], [-0.5, 0.9]] {
            for axis in 0..<2 {
                let h = 1e-5
                var p = point, m = point
                p[axis] += h; m[axis] -= h
                let fd = (formula.evaluate(coordinates: p) - formula.evaluate(coordinates: m)) / (2 * h)
                worst = maxOrNaN(worst, abs(formula.derivative(axis: axis).evaluate(coordinates: point) - fd))
            }
        }
        #expect(worst < 1e-8)
    }

    /// Symbolic ∂/∂u (a field value as the variable, `u_x` and the coordinates held fixed) against
    /// central differences in `u` of the same formula's evaluation, at random points and values.
    @Test(arguments: ["sin(u)", "u^3", "exp(u)*x", "u*(u*u - 1) + x*y", "cos(u)/(2 + u^2) - tanh(u*y)",
                      "sqrt(2 + u^2)^x + log(3 + u)*u_x", "u^x"])
    func symbolicFieldDerivativeMatchesFiniteDifferences(_ text: String) throws {
        var resolver = ProblemResolver(coordinateNames: ["x", "y"], spatialDimension: 2, fields: ["u"], parameters: [], coefficients: [:])
        let formula = try resolver.scalar(ProblemText(text))
        let u = FieldDerivative(field: 0, orders: [0, 0]), ux = FieldDerivative(field: 0, orders: [1, 0])
        let slope = formula.derivative(withRespectTo: .fieldValue(u))
        var state: UInt64 = 7
        func uniform(_ low: Double, _ high: Double) -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return low + (high - low) * Double(state >> 11) / Double(1 << 53)
        }
        var worst = 0.0
        for _ in 0..<20 {
            let point = [uniform(0.5, 1.5), uniform(-1, 1)], value = uniform(0.2, 1.2), gradient = uniform(-2, 2)
            func evaluate(_ e: SymbolicExpression, at v: Double) -> Double {
                e.evaluate(coordinates: point) { $0 == u ? v : $0 == ux ? gradient : .nan }
            }
            let h = 1e-6
            let fd = (evaluate(formula, at: value + h) - evaluate(formula, at: value - h)) / (2 * h)
            worst = maxOrNaN(worst, abs(evaluate(slope, at: value) - fd) / max(1, abs(fd)))
        }
        #expect(worst < 1e-7, "\(text): worst relative difference \(worst)")
    }

    /// ∂/∂u of `u^x` at u = 0, x = 3 is 0 (the power rule `x u^(x−1)`, not `u^x · x/u`, which is
    /// NaN there); ∂/∂u of a formula without u, or of `u_x` (another symbol), is the constant 0.
    @Test func symbolicFieldDerivativeSpecialCases() throws {
        var resolver = ProblemResolver(coordinateNames: ["x"], spatialDimension: 1, fields: ["u"], parameters: [], coefficients: [:])
        let u = SymbolicExpression.DifferentiationVariable.fieldValue(FieldDerivative(field: 0, orders: [0]))
        let power = try resolver.scalar("u^x").derivative(withRespectTo: u)
        #expect(power.evaluate(coordinates: [3]) { _ in 0 } == 0)
        #expect(try resolver.scalar("sin(x)*exp(x) + x^2").derivative(withRespectTo: u) == .constant(0))
        #expect(try resolver.scalar("u_x*x").derivative(withRespectTo: u) == .constant(0))
        #expect(try resolver.scalar("u_x*u").derivative(withRespectTo: .fieldValue(FieldDerivative(field: 0, orders: [1]))) == .field(0, derivative: [0]))
    }

    /// An L-shaped polygon and a box with a disk hole: interior points inside, boundary points on
    /// the boundary (level ≈ 0), piece names as documented.
    @Test func geometrySampling() throws {
        let lShape = ProblemGeometry.polygon(vertices: [[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]], name: nil)
        let holed = ProblemGeometry.difference(.box(lower: [0, 0], upper: [1, 1], name: nil), .ball(center: [0.5, 0.5], radius: 0.2, name: "hole"))
        var state: UInt64 = 1
        let random: (Int, Int) -> [Double] = { n, d in
            (0..<(n * d)).map { _ in state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        }
        for (geometry, names) in [(lShape, ["edge1", "edge2", "edge3", "edge4", "edge5", "edge6"]), (holed, ["xmin", "xmax", "ymin", "ymax", "hole"])] {
            let interior = try geometry.interiorPoints(count: 200, unitSample: random)
            #expect(interior.count == 400)
            let levels = stride(from: 0, to: interior.count, by: 2).map { geometry.level([interior[$0], interior[$0 + 1]]) }
            #expect(levels.maxOrNaN()! < 0)
            let pieces = geometry.boundaryPieces(coordinateNames: ["x", "y"])
            #expect(pieces.map(\.name) == names)
            for piece in pieces {
                let points = piece.points(count: 20, unitSample: random)
                #expect(points.count == 40, "\(piece.name)")
                let onBoundary = stride(from: 0, to: points.count, by: 2).map { abs(geometry.level([points[$0], points[$0 + 1]])) }
                #expect(onBoundary.maxOrNaN() ?? .nan < 1e-9, "\(piece.name)")
            }
        }
        // The L-shape's re-entrant corner (1, 1) is on the boundary; (1.5, 1.5) is outside.
        #expect(abs(lShape.level([1, 1])) < 1e-12)
        #expect(!lShape.contains([1.5, 1.5]))
    }

    /// Hostile nesting is a syntax error at the first character past the limit, not a stack overflow:
    /// JSON arrays (the 65th '[' sits at column 65) and expressions (the 101st '(' or '-' at offset 100,
    /// the equation's text starting at column 16).
    @Test func deepNestingIsASyntaxError() throws {
        expectError(String(repeating: "[", count: 1_000_000), kind: .syntax, line: 1, column: JSONSourceMap.maximumNesting + 1)
        expectError(poissonFile(equation: String(repeating: "(", count: 3_000) + "u" + String(repeating: ")", count: 3_000) + " = f"),
                    kind: .syntax, line: 4, column: 16 + ExpressionParser.maximumNesting)
        expectError(poissonFile(equation: String(repeating: "-", count: 5_000) + "u = f"),
                    kind: .syntax, line: 4, column: 16 + ExpressionParser.maximumNesting)
        // A flat chain as long as the file allows is refused at its 10,001st token, not recursed over.
        expectError(poissonFile(equation: String(repeating: "1+", count: 100_000) + "u = f"),
                    kind: .syntax, line: 4, column: 16 + ExpressionParser.maximumTokens)
        // Just inside the limits still parses: 60 nested JSON arrays, and u inside 9 signs and 90 parentheses.
        #expect(throws: Never.self) { try JSONSourceMap(text: String(repeating: "[", count: 60) + String(repeating: "]", count: 60)) }
        let deep = String(repeating: "-", count: 9) + String(repeating: "(", count: 90) + "u" + String(repeating: ")", count: 90)
        #expect(throws: Never.self) { try ProblemFile.parse(text: self.poissonFile(equation: deep + " = f")) }
    }

    /// Coordinates whose lengths or areas overflow a double are refused where the domain is written.
    @Test func overflowingDomainMeasuresAreRefused() {
        expectError(poissonFile(domain: #"{"polygon": [[0, 0], [1e200, 0], [0, 1e200]]}"#), kind: .invalidValue, line: 2, column: 13)
        expectError(poissonFile(domain: #"{"ball": {"center": [0, 0, 0], "radius": 1e155}}"#), kind: .invalidValue, line: 2, column: 13)
        expectError(poissonFile(domain: #"{"difference": [{"box": [[0, 0, 0], [1e200, 1e200, 1e200]]}, {"ball": {"center": [-10, -10, -10], "radius": 1}}]}"#),
                    kind: .invalidValue, line: 2, column: 13)
        #expect(ProblemGeometry.ball(center: [0, 0, 0], radius: 1e150, name: nil).hasFiniteMeasures)
    }

    /// Each evaluation_grid axis may have 100000 nodes, but not all of them together.
    @Test func evaluationGridProductIsLimited() throws {
        expectError(poissonFile(extra: ",\n  \"pinn\": {\"evaluation_grid\": [100000, 100000]}"), kind: .invalidValue, line: 6, column: nil)
        let fine = try ProblemFile.parse(text: poissonFile(extra: ",\n  \"pinn\": {\"evaluation_grid\": [5000, 10000]}"))
        #expect(fine.settings.evaluationGrid == [5000, 10000])
    }
}
