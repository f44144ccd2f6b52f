import TestSupport
import Foundation
import Testing
import PDEs

/// `generate --problem`'s finite-volume path: a problem file's operator −∇·(a∇u) + b·∇u + c u = f
/// with Dirichlet, Neumann and Robin faces, solved on refined grids against a manufactured
/// solution (observed order ≈ 2: max errors 9.5e-3, 2.4e-3, 6.1e-4 at 17, 33, 65 nodes, orders 1.98,
/// 1.99), and the operator split checked on its own.
@Suite struct EllipticBoxDiscretizationTests {
    /// w = exp(x/2) sin(2y) + x y on [0, 2] × [0, 1]; f, g from w through the resolver's symbolic
    /// derivatives (themselves checked against hand-derived formulas in `ProblemFileTests`).
    let manufactured = """
    {
      "domain": {"box": [[0, 0], [2, 1]]},
      "coefficients": {"w": "exp(x/2)*sin(2*y) + x*y", "a": "1 + x^2*y", "c": "1 + x*y",
                       "f": "-div(a*grad(w)) + 0.5*d(w, x) + c*w"},
      "equation": "-div(a*grad(u)) + 0.5*u_x + c*u = f",
      "boundary": [{"on": ["xmin", "xmax"], "dirichlet": "w"},
                   {"on": "ymax", "neumann": "d(w, y)"},
                   {"on": "ymin", "robin": {"alpha": "2", "beta": "1 + x", "value": "2*w - (1 + x)*d(w, y)"}}]
    }
    """

    func maximumError(resolution: Int) throws -> Double {
        let problem = try ProblemFile.parse(text: manufactured)
        let discretization = try EllipticBoxDiscretization(problem: problem, resolution: resolution)
        let system = try discretization.system()
        let u = try system.solve()
        let w = try #require(problem.coefficients["w"])
        var worst = 0.0
        for p in 0..<discretization.grid.pointCount {
            let error = abs(u[p] - w.evaluate(coordinates: discretization.coordinates(ofNode: p)))
            guard error.isFinite else { return .nan }
            worst = Swift.max(worst, error)
        }
        return worst
    }

    @Test func manufacturedSolutionConvergesAtSecondOrder() throws {
        let errors = try [17, 33, 65].map { try maximumError(resolution: $0) }
        #expect(errors.allSatisfy { $0.isFinite }, "\(errors)")
        let orders = (1..<errors.count).map { log2(errors[$0 - 1] / errors[$0]) }
        #expect(errors[2] < 2e-3, "\(errors)")
        #expect(orders.allSatisfy { $0 > 1.8 && $0 < 2.3 }, "errors \(errors), observed orders \(orders)")
    }

    /// The split of `−div(a*grad(u)) + 0.5*u_x + c*u = f` with a formula a: C_xx = C_yy = −a,
    /// b = (0.5, 0) (the ∇a·∇u of the divergence cancels), c and f as written.
    @Test func linearDecompositionOfTheDivergenceForm() throws {
        let problem = try ProblemFile.parse(text: manufactured)
        let (terms, rest) = try #require(problem.residuals[0].linearDecomposition())
        let x = [0.7, 0.3]
        let a = 1 + 0.49 * 0.3
        #expect(abs(try #require(terms[FieldDerivative(field: 0, orders: [2, 0])]).evaluate(coordinates: x) + a) < 1e-14)
        #expect(abs(try #require(terms[FieldDerivative(field: 0, orders: [0, 2])]).evaluate(coordinates: x) + a) < 1e-14)
        // C_x = 0.5 − ∂a/∂x = 0.5 − 2xy, C_y = −∂a/∂y = −x².
        #expect(abs(try #require(terms[FieldDerivative(field: 0, orders: [1, 0])]).evaluate(coordinates: x) - (0.5 - 2 * 0.7 * 0.3)) < 1e-14)
        #expect(abs(try #require(terms[FieldDerivative(field: 0, orders: [0, 1])]).evaluate(coordinates: x) + 0.49) < 1e-14)
        #expect(abs(try #require(terms[FieldDerivative(field: 0, orders: [0, 0])]).evaluate(coordinates: x) - (1 + 0.21)) < 1e-14)
        let f = try #require(problem.coefficients["f"])
        #expect(abs(rest.evaluate(coordinates: x) + f.evaluate(coordinates: x)) < 1e-14)
        // Nonlinear equations have no split.
        let burgers = try ProblemFile.parse(text: #"{"domain": {"box": [[0], [1]]}, "equation": "u*u_x - u_xx = 0", "boundary": [{"dirichlet": "0"}]}"#)
        #expect(burgers.residuals[0].linearDecomposition() == nil)
    }

    /// Random coefficients: a in the divergence is fine; a non-divergence −a Δu (needing ∇a) and a
    /// random coefficient in boundary data are refused with a message.
    @Test func randomCoefficientPlacementIsChecked() throws {
        func file(_ equation: String, boundary: String = #"[{"dirichlet": "0"}]"#) -> String {
            #"{"domain": {"box": [[0, 0], [1, 1]]}, "coefficients": {"a": {"random": "gaussian", "transform": "exp"}}, "equation": "\#(equation)", "boundary": \#(boundary)}"#
        }
        let good = try ProblemFile.parse(text: file("-div(a*grad(u)) + a*u = 1"))
        _ = try EllipticBoxDiscretization(problem: good, resolution: 9)
        let nonDivergence = try ProblemFile.parse(text: file("-a*lap(u) = 1"))
        #expect(throws: ProblemError.self) { _ = try EllipticBoxDiscretization(problem: nonDivergence, resolution: 9) }
        #expect(throws: ProblemError.self) { _ = try ProblemFile.parse(text: file("-lap(u) = 1", boundary: #"[{"dirichlet": "a"}]"#)) }
        let mixed = try ProblemFile.parse(text: file("-div(a*grad(u)) + u_xy = 1"))
        #expect(throws: ProblemError.self) { _ = try EllipticBoxDiscretization(problem: mixed, resolution: 9) }
    }
}
