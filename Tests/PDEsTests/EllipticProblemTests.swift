import TestSupport
import Foundation
import Testing
import PDEs
import SparseSolvers
import TensorCore

/// Max-norm nodal errors of the discrete solutions against u* on grids of s nodes per side, and the
/// observed orders log₂(e_h / e_{h/2}).
func observedOrders(sizes: [Int], error: (Int) throws -> Double) rethrows -> (errors: [Double], orders: [Double]) {
    let errors = try sizes.map(error)
    let orders = (1..<errors.count).map { log2(errors[$0 - 1] / errors[$0]) }
    return (errors, orders)
}

func maxError(_ field: [Double], grid: UniformGrid, exact: ([Double]) -> Double) -> Double {
    (0..<grid.pointCount).reduce(0) { maxOrNaN($0, abs(field[$1] - exact(grid.point($1)))) }
}

@Suite struct EllipticProblemTests {
    // u* = sin(πx) cos(πy) + x², a = 1 + x + y² (non-zero Dirichlet data on all sides).
    static let u2: @Sendable ([Double]) -> Double = { x in sin(.pi * x[0]) * cos(.pi * x[1]) + x[0] * x[0] }
    static let source2: @Sendable ([Double]) -> Double = { x in
        let (s, c, sy, cy) = (sin(.pi * x[0]), cos(.pi * x[0]), sin(.pi * x[1]), cos(.pi * x[1]))
        let ux = .pi * c * cy + 2 * x[0], uy = -.pi * s * sy
        let lap = -2 * .pi * .pi * s * cy + 2
        let a = 1 + x[0] + x[1] * x[1]
        return -(a * lap + 1 * ux + 2 * x[1] * uy)
    }

    @Test func poisson2DSecondOrderWithVariableCoefficient() throws {
        let coefficient = SpatialFunction({ x in 1 + x[0] + x[1] * x[1] })
        let result = try observedOrders(sizes: [9, 17, 33, 65]) { s in
            let grid = try UniformGrid.unit(dimension: 2, size: s, layout: .vertexCentred)
            let problem = try PoissonProblem(grid: grid, coefficient: coefficient, source: SpatialFunction(Self.source2),
                                             boundaryConditions: BoundaryConditions(dimension: 2, all: .dirichlet(Self.u2)))
            let system = try problem.discretize()
            #expect(system.isSymmetricPositiveDefinite && system.matrix.isSymmetric())
            let x = try CholeskyFactorization(system.matrix).solve(system.rightHandSide)
            return maxError(try system.field(from: x), grid: grid, exact: Self.u2)
        }
        #expect(result.errors.last! < 1e-3)
        for order in result.orders.suffix(2) { #expect(order > 1.8 && order < 2.2, "orders \(result.orders)") }
        // The strong-form residual vanishes on u* with the hand-derived source.
        let grid = try UniformGrid.unit(dimension: 2, size: 5, layout: .vertexCentred)
        let problem = try PoissonProblem(grid: grid, coefficient: coefficient, source: SpatialFunction(Self.source2),
                                         boundaryConditions: .zeroDirichlet(dimension: 2))
        let x = [0.3, 0.7]
        let pi = Double.pi
        let ux: Double = pi * cos(pi * 0.3) * cos(pi * 0.7) + 0.6
        let uy: Double = -pi * sin(pi * 0.3) * sin(pi * 0.7)
        let lap: Double = -2 * pi * pi * sin(pi * 0.3) * cos(pi * 0.7) + 2
        let jet = LocalJet(value: Self.u2(x), gradient: [ux, uy], laplacian: lap)
        #expect(abs(problem.residual(at: x, solution: jet)) < 1e-8)
    }

    @Test func poisson1DNeumannEndSecondOrder() throws {
        // −(a u')' = f on [0, 2], a = 1 + x, u* = e^{x/2}; u(0) = 1 held, a u'(2) = g at the right end.
        let u: @Sendable ([Double]) -> Double = { x in exp(x[0] / 2) }
        let f: @Sendable ([Double]) -> Double = { x in -(0.5 * exp(x[0] / 2) + (1 + x[0]) * 0.25 * exp(x[0] / 2)) }
        let bcs = BoundaryConditions([.dirichlet(u), .neumann { x in (1 + x[0]) * 0.5 * exp(x[0] / 2) }])
        let result = try observedOrders(sizes: [11, 21, 41, 81]) { s in
            let grid = try UniformGrid(sizes: [s], layout: .vertexCentred, lengths: [2])
            let system = try PoissonProblem(grid: grid, coefficient: SpatialFunction { 1 + $0[0] }, source: SpatialFunction(f),
                                            boundaryConditions: bcs).discretize()
            #expect(system.unknownCount == s - 1)
            return maxError(try system.solve(), grid: grid, exact: u)
        }
        for order in result.orders.suffix(2) { #expect(order > 1.8 && order < 2.2, "orders \(result.orders)") }
    }

    @Test func poisson3DSecondOrder() throws {
        // u* = sin(πx) sin(πy) sin(πz) + xyz, a = 1 + x y z: −∇·(a∇u) = −(a Δu + ∇a·∇u).
        let u: @Sendable ([Double]) -> Double = { x in sin(.pi * x[0]) * sin(.pi * x[1]) * sin(.pi * x[2]) + x[0] * x[1] * x[2] }
        let f: @Sendable ([Double]) -> Double = { x in
            let s = (sin(.pi * x[0]), sin(.pi * x[1]), sin(.pi * x[2])), c = (cos(.pi * x[0]), cos(.pi * x[1]), cos(.pi * x[2]))
            let grad = [Double.pi * c.0 * s.1 * s.2 + x[1] * x[2], .pi * s.0 * c.1 * s.2 + x[0] * x[2], .pi * s.0 * s.1 * c.2 + x[0] * x[1]]
            let lap = -3 * .pi * .pi * s.0 * s.1 * s.2
            let a = 1 + x[0] * x[1] * x[2], gradA = [x[1] * x[2], x[0] * x[2], x[0] * x[1]]
            return -(a * lap + gradA[0] * grad[0] + gradA[1] * grad[1] + gradA[2] * grad[2])
        }
        let result = try observedOrders(sizes: [9, 17, 33]) { s in
            let grid = try UniformGrid.unit(dimension: 3, size: s, layout: .vertexCentred)
            let problem = try PoissonProblem(grid: grid, coefficient: SpatialFunction({ x in 1 + x[0] * x[1] * x[2] }),
                                             source: SpatialFunction(f), boundaryConditions: BoundaryConditions(dimension: 3, all: .dirichlet(u)))
            let system = try problem.discretize()
            #expect(system.matrix.entryCount <= 7 * system.unknownCount)
            return maxError(try system.solve(), grid: grid, exact: u)
        }
        for order in result.orders.suffix(1) { #expect(order > 1.8 && order < 2.2, "orders \(result.orders)") }
    }

    @Test func helmholtzIndefiniteSecondOrder() throws {
        // ∇·∇u + k²u = f with k = 6 (k² = 36 > 2π², so the matrix is indefinite); u* = sin(3x) e^{y}.
        let k = 6.0
        let u: @Sendable ([Double]) -> Double = { x in sin(3 * x[0]) * exp(x[1]) }
        let f: @Sendable ([Double]) -> Double = { x in (-9 + 1 + 36) * sin(3 * x[0]) * exp(x[1]) }
        let result = try observedOrders(sizes: [17, 33, 65, 129]) { s in
            let grid = try UniformGrid.unit(dimension: 2, size: s, layout: .vertexCentred)
            let problem = try HelmholtzProblem(grid: grid, wavenumber: k, source: SpatialFunction(f),
                                               boundaryConditions: BoundaryConditions(dimension: 2, all: .dirichlet(u)))
            let system = try problem.discretize()
            #expect(!system.isSymmetricPositiveDefinite && system.matrix.isSymmetric())
            let x = try LUFactorization(system.matrix).solve(system.rightHandSide)
            return maxError(try system.field(from: x), grid: grid, exact: u)
        }
        for order in result.orders.suffix(2) { #expect(order > 1.8 && order < 2.2, "orders \(result.orders)") }
        // Indefinite: Cholesky refuses it.
        let grid = try UniformGrid.unit(dimension: 2, size: 17, layout: .vertexCentred)
        let system = try HelmholtzProblem(grid: grid, wavenumber: k, source: SpatialFunction(f),
                                          boundaryConditions: .zeroDirichlet(dimension: 2)).discretize()
        #expect(throws: DirectSolverError.self) { try CholeskyFactorization(system.matrix) }
    }

    @Test func convectionDiffusionCentralSecondOrderUpwindFirstOrder() throws {
        // −ε Δu + b·∇u = f, ε = 0.1, b = (1, −0.5 + x); u* = e^{x} sin(πy) + y.
        let eps = 0.1
        let u: @Sendable ([Double]) -> Double = { x in exp(x[0]) * sin(.pi * x[1]) + x[1] }
        let b: @Sendable ([Double]) -> [Double] = { x in [1, -0.5 + x[0]] }
        let f: @Sendable ([Double]) -> Double = { x in
            let e = exp(x[0]), s = sin(.pi * x[1]), c = cos(.pi * x[1])
            let lap = e * s - .pi * .pi * e * s
            return -eps * lap + 1 * e * s + (-0.5 + x[0]) * (.pi * e * c + 1)
        }
        for (scheme, range) in [(ConvectionScheme.central, 1.8...2.2), (.upwind, 0.8...1.2)] {
            let result = try observedOrders(sizes: [17, 33, 65, 129]) { s in
                let grid = try UniformGrid.unit(dimension: 2, size: s, layout: .vertexCentred)
                let problem = try ConvectionDiffusionProblem(grid: grid, diffusion: eps, velocity: b, source: SpatialFunction(f),
                                                             boundaryConditions: BoundaryConditions(dimension: 2, all: .dirichlet(u)),
                                                             scheme: scheme)
                let system = try problem.discretize()
                #expect(!system.matrix.isSymmetric())
                let x = try LUFactorization(system.matrix).solve(system.rightHandSide)
                return maxError(try system.field(from: x), grid: grid, exact: u)
            }
            for order in result.orders.suffix(2) { #expect(range.contains(order), "\(scheme) orders \(result.orders)") }
        }
    }

    @Test func steadyHeatMixedBoundariesSecondOrder() throws {
        // −∇·(κ∇T) = q, κ = 1 + xy; T fixed at x = 0 and x = 1, prescribed flux κ ∂T/∂n at y = 0, 1.
        // T* = cos(πy) e^{x} + y²  (non-zero flux on both Neumann sides).
        let T: @Sendable ([Double]) -> Double = { x in cos(.pi * x[1]) * exp(x[0]) + x[1] * x[1] }
        let gradT: @Sendable ([Double]) -> [Double] = { x in [cos(.pi * x[1]) * exp(x[0]), -.pi * sin(.pi * x[1]) * exp(x[0]) + 2 * x[1]] }
        let kappa: @Sendable ([Double]) -> Double = { x in 1 + x[0] * x[1] }
        let q: @Sendable ([Double]) -> Double = { x in
            let g = gradT(x), lap = (1 - .pi * .pi) * cos(.pi * x[1]) * exp(x[0]) + 2
            return -(kappa(x) * lap + x[1] * g[0] + x[0] * g[1])
        }
        let bcs = BoundaryConditions([.dirichlet(T), .dirichlet(T),
                                      .neumann { x in -kappa(x) * gradT(x)[1] },   // y = 0: n = −e_y
                                      .neumann { x in kappa(x) * gradT(x)[1] }])   // y = 1: n = +e_y
        let result = try observedOrders(sizes: [9, 17, 33, 65]) { s in
            let grid = try UniformGrid.unit(dimension: 2, size: s, layout: .vertexCentred)
            let problem = try SteadyHeatProblem(grid: grid, conductivity: SpatialFunction(kappa), heatSource: SpatialFunction(q),
                                                boundaryConditions: bcs)
            let system = try problem.discretize()
            #expect(system.unknownCount == s * (s - 2))  // Neumann nodes are unknowns
            let x = try CholeskyFactorization(system.matrix).solve(system.rightHandSide)
            return maxError(try system.field(from: x), grid: grid, exact: T)
        }
        for order in result.orders.suffix(2) { #expect(order > 1.8 && order < 2.2, "orders \(result.orders)") }
        // All-Neumann steady heat is refused.
        let grid = try UniformGrid.unit(dimension: 2, size: 5, layout: .vertexCentred)
        #expect(throws: PDEError.self) {
            try SteadyHeatProblem(grid: grid, conductivity: .constant(1), heatSource: .constant(0),
                                  boundaryConditions: BoundaryConditions(dimension: 2, all: .zeroNeumann))
        }
    }

    @Test func darcyMatchesModelPoissonAndConvergesOnSmoothCoefficient() throws {
        // a ≡ 1: the interior system is ModelProblems.poisson2D (5-point, scaled by h²) with b = h².
        let s = 12
        let unit = try DarcyProblem(resolution: s, coefficient: [Double](repeating: 1, count: s * s))
        let system = try unit.discretize()
        #expect(system.matrix == ModelProblems.poisson2D(n: s - 2))
        let h = 1.0 / Double(s - 1)
        #expect(system.rightHandSide.allSatisfy { abs($0 - h * h) < 1e-15 })
        // Manufactured: u* = sin(πx) sin(2πy), a = 2 + sin(x + y).
        let u: @Sendable ([Double]) -> Double = { x in sin(.pi * x[0]) * sin(2 * .pi * x[1]) }
        let result = try observedOrders(sizes: [17, 33, 65, 129]) { s in
            let grid = try UniformGrid.unit(dimension: 2, size: s, layout: .vertexCentred)
            let a = grid.evaluate { x in 2 + sin(x[0] + x[1]) }
            let f = grid.evaluate { x in
                let (sx, cx, sy, cy) = (sin(.pi * x[0]), cos(.pi * x[0]), sin(2 * .pi * x[1]), cos(2 * .pi * x[1]))
                let lap = -5 * .pi * .pi * sx * sy, ca = cos(x[0] + x[1])
                return -((2 + sin(x[0] + x[1])) * lap + ca * .pi * cx * sy + ca * 2 * .pi * sx * cy)
            }
            let field = try DarcyProblem(resolution: s, coefficient: a, sourceField: f).solve()
            return maxError(field, grid: grid, exact: u)
        }
        for order in result.orders.suffix(2) { #expect(order > 1.8 && order < 2.2, "orders \(result.orders)") }
    }

    @Test func darcyFNORecipeLayoutAndMaximumPrinciple() throws {
        var generator = SeededRandomNumberGenerator(seed: 11)
        let s = 29
        let a = try DarcyProblem.sampleCoefficient(resolution: s, using: &generator)
        #expect(a.count == s * s && a.allSatisfy { $0 == 12 || $0 == 3 })
        #expect(a.contains(12) && a.contains(3))
        let field = try DarcyProblem(resolution: s, coefficient: a).solve()
        let tensor = try DarcyProblem(resolution: s, coefficient: a).solveTensor()
        #expect(tensor.shape == [s, s] && tensor.scalars == field)
        // Boundary nodes are included and zero; −∇·(a∇u) = 1 > 0 gives u > 0 inside (M-matrix).
        for i in 0..<s { for j in 0..<s where i == 0 || j == 0 || i == s - 1 || j == s - 1 { #expect(field[i * s + j] == 0) } }
        #expect(field[(s / 2) * s + s / 2] > 0)
        // Comparison with constant coefficients: 1/12·w ≤ u ≤ 1/3·w, w solving −Δw = 1 on the same grid
        // (true for the discrete M-matrices at the centre node here; checked with the a ≡ 3 and a ≡ 12 bounds).
        let w = try DarcyProblem(resolution: s, coefficient: [Double](repeating: 1, count: s * s)).solve()
        let centre = (s / 2) * s + s / 2
        #expect(field[centre] < w[centre] / 3 && field[centre] > w[centre] / 12)
        // A second sample has the same sparsity pattern: one CHOLMOD analysis serves both.
        let second = try DarcyProblem.random(resolution: s, using: &generator)
        let first = try DarcyProblem(resolution: s, coefficient: a).discretize(), next = try second.discretize()
        #expect(first.matrix.rowOffsets == next.matrix.rowOffsets && first.matrix.columnIndices == next.matrix.columnIndices)
        let analysis = try CholeskyFactorization(analyzing: first.matrix)
        try analysis.factorize(next.matrix)
        let reused = try next.field(from: try analysis.solve(next.rightHandSide))
        let direct = try second.solve()
        #expect(zip(reused, direct).allSatisfy { abs($0 - $1) < 1e-12 })
        let darcySolver = try DarcySolver(resolution: s)
        #expect(zip(try darcySolver.solve(second), direct).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(throws: PDEError.self) { try darcySolver.solve(try DarcyProblem.random(resolution: s + 1, using: &generator)) }
        let logNormal = try DarcyProblem.sampleCoefficient(resolution: s, recipe: .logNormalDefault, using: &generator)
        #expect(logNormal.allSatisfy { $0 > 0 } && Set(logNormal).count > s)
        #expect(throws: PDEError.self) { try DarcyProblem(resolution: s, coefficient: [1, 2]) }
        #expect(throws: PDEError.self) { try DarcyProblem(resolution: 3, coefficient: [1, 1, 1, 1, -1, 1, 1, 1, 1]) }
    }
}

@Suite struct StrongResidualTests {
    @Test func residualsVanishOnManufacturedSolutions() throws {
        let grid = try UniformGrid.unit(dimension: 2, size: 9, layout: .vertexCentred)
        // Darcy with bilinear a = f = 2 + y and u* = −x²/2: −∇·(a∇u*) = (2 + y) = f.
        let a = grid.evaluate { 2 + $0[1] }
        let darcy = try DarcyProblem(resolution: 9, coefficient: a, sourceField: a)
        for x in [[0.3, 0.4], [0.77, 0.05], [0.5, 0.93]] {
            let jet = LocalJet(value: -x[0] * x[0] / 2, gradient: [-x[0], 0], laplacian: -1)
            #expect(abs(darcy.residual(at: x, solution: jet)) < 1e-12)
            let wrong = LocalJet(value: 0, gradient: [0, 0], laplacian: -2)
            #expect(abs(darcy.residual(at: x, solution: wrong)) > 1)
        }
        // Helmholtz ∇·∇u + k²u = f with u* = sin 3x e^y, k = 6: f = (−9 + 1 + 36) u*.
        let helmholtz = try HelmholtzProblem(grid: grid, wavenumber: 6, source: SpatialFunction { x in 28 * sin(3 * x[0]) * exp(x[1]) },
                                             boundaryConditions: .zeroDirichlet(dimension: 2))
        let x = [0.2, 0.6]
        let u = sin(0.6) * exp(0.6)
        let jet = LocalJet(value: u, gradient: [3 * cos(0.6) * exp(0.6), u], laplacian: -8 * u)
        #expect(abs(helmholtz.residual(at: x, solution: jet)) < 1e-12)
        // Convection–diffusion −εΔu + b·∇u = f with u* = x + y², ε = 0.5, b = (2, 1): f = −1 + 2 + 2y.
        let cd = try ConvectionDiffusionProblem(grid: grid, diffusion: 0.5, velocity: { _ in [2, 1] },
                                                source: SpatialFunction { x in 1 + 2 * x[1] },
                                                boundaryConditions: .zeroDirichlet(dimension: 2))
        let cdJet = LocalJet(value: 0.2 + 0.36, gradient: [1, 1.2], laplacian: 2)
        #expect(abs(cd.residual(at: x, solution: cdJet)) < 1e-12)
        #expect(abs(cd.meshPecletNumber - 2 * 0.125 / 0.5) < 1e-12)
    }
}

@Suite struct GridFieldTests {
    @Test func multilinearInterpolantIsExactOnMultilinearFunctions() throws {
        // g = 1 + 2x − y + 3xy (+ xz + 0.5z in 3-D) is reproduced exactly with its gradient.
        for (grid, g, grad) in [
            (try UniformGrid(sizes: [5, 7], layout: .vertexCentred, lengths: [1, 2]),
             { (x: [Double]) in 1 + 2 * x[0] - x[1] + 3 * x[0] * x[1] }, { (x: [Double]) in [2 + 3 * x[1], -1 + 3 * x[0]] }),
            (try UniformGrid(sizes: [4, 3, 5], layout: .cellCentred),
             { (x: [Double]) in 1 + 2 * x[0] - x[1] + x[0] * x[2] + 0.5 * x[2] }, { (x: [Double]) in [2 + x[2], -1, x[0] + 0.5] }),
        ] {
            let field = try SpatialFunction.gridField(grid.evaluate(g), on: grid)
            var generator = SeededRandomNumberGenerator(seed: 4)
            for _ in 0..<20 {
                // Points inside the node hull (the interpolant is clamped outside it).
                let x = (0..<grid.dimension).map { a in
                    grid.coordinate(0, axis: a) + generator.nextUnitInterval() * (grid.coordinate(grid.sizes[a] - 1, axis: a) - grid.coordinate(0, axis: a))
                }
                #expect(abs(field(x) - g(x)) < 1e-12)
                #expect(zip(field.gradient(at: x), grad(x)).allSatisfy { abs($0 - $1) < 1e-10 })
            }
        }
        // Periodic wrap: the value at x + L equals the value at x.
        let torus = try UniformGrid.unit(dimension: 1, size: 8, layout: .periodic)
        let wave = try SpatialFunction.gridField(torus.evaluate { sin(2 * .pi * $0[0]) }, on: torus)
        #expect(abs(wave([0.3]) - wave([1.3])) < 1e-12)
        #expect(abs(wave([0.125]) - sin(2 * .pi * 0.125)) < 1e-12)
    }

    @Test func poissonWithSampledCoefficientMatchesDarcy() throws {
        // A GRF-sampled coefficient through gridField gives exactly Darcy's system.
        var generator = SeededRandomNumberGenerator(seed: 8)
        let s = 17
        let a = try DarcyProblem.sampleCoefficient(resolution: s, recipe: .logNormalDefault, using: &generator)
        let grid = try UniformGrid.unit(dimension: 2, size: s, layout: .vertexCentred)
        let poisson = try PoissonProblem(grid: grid, coefficient: .gridField(a, on: grid), source: .constant(1),
                                         boundaryConditions: .zeroDirichlet(dimension: 2))
        let darcy = try DarcyProblem(resolution: s, coefficient: a)
        let (p, d) = (try poisson.discretize(), try darcy.discretize())
        #expect(p.matrix.rowOffsets == d.matrix.rowOffsets && p.matrix.columnIndices == d.matrix.columnIndices)
        #expect(zip(p.matrix.values, d.matrix.values).allSatisfy { abs($0 - $1) <= 1e-13 * abs($1) })
    }
}
