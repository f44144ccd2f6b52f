import TestSupport
import Foundation
import Testing
import PDEs
import TensorCore

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

    /// Convection along x reaching Neumann (xmin) and Robin (xmax) nodes through the inward
    /// one-sided difference; w = exp(x/2) sin(2y) + x y on [0, 2] × [0, 1].
    let convectionOnNeumannFaces = """
    {
      "domain": {"box": [[0, 0], [2, 1]]},
      "coefficients": {"w": "exp(x/2)*sin(2*y) + x*y", "a": "1 + x^2*y", "c": "1 + x*y",
                       "f": "-div(a*grad(w)) + 0.5*d(w, x) - 0.7*d(w, y) + c*w"},
      "equation": "-div(a*grad(u)) + 0.5*u_x - 0.7*u_y + c*u = f",
      "boundary": [{"on": ["ymin", "ymax"], "dirichlet": "w"},
                   {"on": "xmin", "neumann": "-d(w, x)"},
                   {"on": "xmax", "robin": {"alpha": "2", "beta": "1 + y", "value": "2*w + (1 + y)*d(w, x)"}}]
    }
    """

    /// Periodic in x (period 2, the box's width): coefficient and solution are 2-periodic in x,
    /// convection along both axes (wrapping around x, one-sided at the y faces), Neumann at ymin and
    /// Robin at ymax; no Dirichlet face at all (the reaction keeps the system regular).
    let periodicInX = """
    {
      "domain": {"box": [[0, 0], [2, 1]]},
      "coefficients": {"w": "sin(pi*x)*exp(y) + cos(pi*x)*y^2", "a": "1 + 0.25*cos(pi*x)*(1 + y)", "c": "1",
                       "f": "-div(a*grad(w)) + 0.5*d(w, x) + 0.3*d(w, y) + c*w"},
      "equation": "-div(a*grad(u)) + 0.5*u_x + 0.3*u_y + c*u = f",
      "boundary": [{"periodic": "x"},
                   {"on": "ymin", "neumann": "-d(w, y)"},
                   {"on": "ymax", "robin": {"alpha": "1", "beta": "1", "value": "w + d(w, y)"}}]
    }
    """

    /// A 3-D box, periodic in y, with convection reaching the Neumann (xmax) and Robin (zmin) nodes.
    let threeDimensional = """
    {
      "domain": {"box": [[0, 0, 0], [1, 1, 0.5]]},
      "coefficients": {"w": "sin(x)*cos(2*pi*y)*exp(z) + x*z", "a": "1 + 0.2*x*z*(1 + cos(2*pi*y))",
                       "f": "-div(a*grad(w)) + 0.3*d(w, x) - 0.4*d(w, z) + w"},
      "equation": "-div(a*grad(u)) + 0.3*u_x - 0.4*u_z + u = f",
      "boundary": [{"periodic": "y"},
                   {"on": ["xmin", "zmax"], "dirichlet": "w"},
                   {"on": "xmax", "neumann": "d(w, x)"},
                   {"on": "zmin", "robin": {"alpha": "1", "beta": "2", "value": "w - 2*d(w, z)"}}]
    }
    """

    func maximumError(resolution: Int, file: String? = nil) throws -> Double {
        let problem = try ProblemFile.parse(text: file ?? manufactured)
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

    @Test(arguments: ["convection on Neumann and Robin faces", "periodic in x", "3-D, periodic in y"])
    func newFaceKindsConvergeAtSecondOrder(_ which: String) throws {
        let file = which == "periodic in x" ? periodicInX : which == "3-D, periodic in y" ? threeDimensional : convectionOnNeumannFaces
        let resolutions = which.hasPrefix("3-D") ? [9, 17, 33] : [17, 33, 65]
        let errors = try resolutions.map { try maximumError(resolution: $0, file: file) }
        #expect(errors.allSatisfy { $0.isFinite }, "\(errors)")
        let orders = (1..<errors.count).map { log2(errors[$0 - 1] / errors[$0]) }
        print("EllipticBoxDiscretization \(which): max errors \(errors) at \(resolutions) nodes per side, observed orders \(orders)")
        #expect(errors[2] < 5e-3, "\(errors)")
        #expect(orders.allSatisfy { $0 > 1.8 && $0 < 2.3 }, "errors \(errors), observed orders \(orders)")
    }

    /// Periodic faces: the upper-x nodes repeat the lower-x nodes exactly; a face that is both
    /// periodic and named by another condition is refused.
    @Test func periodicFacesRepeatAndConflictsAreRefused() throws {
        let problem = try ProblemFile.parse(text: periodicInX)
        let discretization = try EllipticBoxDiscretization(problem: problem, resolution: 9)
        let system = try discretization.system()
        #expect(system.unknownCount == 8 * 9)
        let u = try system.solve()
        for j in 0..<9 { #expect(u[8 * 9 + j] == u[j]) }
        let conflicting = periodicInX.replacingOccurrences(of: #"{"on": "ymin", "neumann""#, with: #"{"on": "xmin", "dirichlet": "0"}, {"on": "ymin", "neumann""#)
        let refused = try ProblemFile.parse(text: conflicting)
        #expect(throws: ProblemError.self) { _ = try EllipticBoxDiscretization(problem: refused, resolution: 9) }
    }

    /// The coefficient on the upper face of a periodic axis plays no role (the system assembled with
    /// other values there is the same to the bit), so `periodicallyRepeated` may give those nodes their
    /// lower-face images, as the solution has: it changes exactly those nodes, at the corners of two
    /// periodic axes too, and nothing in a problem without periodic axes.
    @Test func upperPeriodicFaceCoefficientsPlayNoRoleAndRepeatTheLowerFace() throws {
        let file = """
        {"domain": {"box": [[0, 0, 0], [1, 1, 1]]}, "coefficients": {"a": {"random": "gaussian", "transform": "exp"}},
         "equation": "-div(a*grad(u)) + 0.4*u_x + u = 1", "boundary": [{"periodic": "x"}, {"periodic": "z"}, {"dirichlet": "0"}]}
        """
        let s = 6, discretization = try EllipticBoxDiscretization(problem: try ProblemFile.parse(text: file), resolution: s)
        #expect(discretization.periodicAxes == [0, 2])
        var generator = SeededRandomNumberGenerator(seed: 4)
        let a = (0..<(s * s * s)).map { _ in Double.random(in: 0.5...2, using: &generator) }
        // Storage order: x slowest, z fastest; an upper-face node has index s − 1 on x or on z.
        func isUpper(_ p: Int) -> Bool { p / (s * s) == s - 1 || p % s == s - 1 }
        let scrambled = a.indices.map { isUpper($0) ? 1e3 + Double($0) : a[$0] }
        let (one, other) = (try discretization.system(randomCoefficients: [a]), try discretization.system(randomCoefficients: [scrambled]))
        #expect(one.matrix.values == other.matrix.values && one.matrix.columnIndices == other.matrix.columnIndices)
        #expect(one.rightHandSide == other.rightHandSide)
        let repeated = discretization.periodicallyRepeated(a)
        for p in a.indices {
            let (i, j, k) = (p / (s * s), p / s % s, p % s)
            let image = (i == s - 1 ? 0 : i) * s * s + j * s + (k == s - 1 ? 0 : k)
            #expect(repeated[p] == a[image], "node \(i),\(j),\(k)")
        }
        #expect(a.indices.filter { repeated[$0] != a[$0] }.allSatisfy(isUpper))
        let plain = try EllipticBoxDiscretization(problem: try ProblemFile.parse(text: file.replacingOccurrences(of: #"{"periodic": "x"}, {"periodic": "z"}, "#, with: "")),
                                                  resolution: s)
        #expect(plain.periodicAxes.isEmpty && plain.periodicallyRepeated(a) == a)
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
