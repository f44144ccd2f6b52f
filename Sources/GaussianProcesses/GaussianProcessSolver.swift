import Foundation
import TensorCore
import AutoDiff
import NeuralLayers
import DenseLinearAlgebra

/// The GP-HM solver: a Gaussian-process prior over the solution values on a Cartesian grid of
/// collocation points, with a product kernel whose Gram matrix `K = K₁ ⊗ K₂` is never formed, fitted
/// by maximizing the posterior of the values and the kernel hyperparameters.
///
/// With `U` the grid values (row-major `N₁ × N₂`), `D_i = K_i'' K_i⁻¹` the GP second-derivative map
/// along axis `i`, and `ρ` the log-weights of the mixture components, the minimized objective is
/// ```
/// L(U, θ) = ½ vec(U)ᵀ K⁻¹ vec(U) + ½ log|K|                     GP log prior (Kronecker eigensystem)
///         + (λ_b / 2) Σ_{x ∈ ∂Ω} (U(x) − g(x))²                  boundary likelihood
///         + (λ_r / 2) Σ_{x ∈ Ω°} (S(x) + N(U(x)) − f(x))²         equation likelihood
///         + c_J Σ_{i,q} ρ_{i,q}                                   Jeffreys prior p(w) ∝ 1/w
/// S = D₁ U + U D₂ᵀ (the Laplacian of the GP at the grid points),   λ_b = 1/σ_b²,  λ_r = 1/(σ_r² ⟨f²⟩)
/// ```
///
/// **Gradients.** The gradient in `U` is written out:
/// `∇_U = K⁻¹U + D₁ᵀG + G D₂ + G ⊙ N'(U) + λ_b (U − g)|_∂Ω`, with `G = λ_r R` on interior points.
/// The hyperparameter gradients avoid differentiating the eigendecomposition: with `A = K₁⁻¹ U K₂⁻¹`,
/// `B₁ = K₁⁻¹ U`, `B₂ = U K₂⁻¹`, `P_i = K_i⁻¹ K_i''`, the adjoints of the factor matrices are
/// ```
/// ∂L/∂K₁ = −½ B₁ Aᵀ + ½ N₂ K₁⁻¹ − P₁ G B₁ᵀ,     ∂L/∂K₁'' = G B₁ᵀ
/// ∂L/∂K₂ = −½ Aᵀ B₂ + ½ N₁ K₂⁻¹ − B₂ᵀ G P₂ᵀ,     ∂L/∂K₂'' = B₂ᵀ G
/// ```
/// On a uniform grid `K_i` and `K_i''` are Toeplitz in the lag table `k(m h)`, so these adjoints are
/// summed along diagonals and pulled back through `StationaryKernel.evaluate`, which is built from
/// `AutoDiff` operations (O(Q N_i) per axis).
///
/// **Optimization (variable projection).** Optimizing `U` and `θ` jointly with first-order
/// methods stalls: the equation term makes the problem in `U` extremely ill-conditioned (the
/// paper runs ~10⁵ Adam epochs). Here each outer step first minimizes over `U` with `θ` fixed
/// (`solveValues`), then moves `θ` along `∂L/∂θ` at that `U`, which by the envelope theorem is the
/// gradient of the profiled objective `min_U L(U, θ)`; Adam takes `adamIterations` such steps, then
/// L-BFGS (`lbfgsIterations`) minimizes the profiled objective. The value solve is
/// - 1-D: Gauss–Newton in the change of variables `U = Q_H Λ_H^{−1/2} V` from the eigendecomposition
///   of the Gauss–Newton Hessian `H = K⁻¹ + λ_r JᵀMJ + λ_b E` (`J` the equation Jacobian), where the
///   Hessian in `V` is the identity: one step solves a linear equation exactly (O(N³), N ≤ a few
///   thousand);
/// - 2-D: L-BFGS over whitened values `U = (Q₁Λ₁^{1/2}) V (Q₂Λ₂^{1/2})ᵀ` (prior `½‖V‖²`),
///   warm-started, `innerIterations` per outer step. This is approximate, so the 2-D hyperparameter
///   gradient is that of the joint objective at an inexact `U`.
/// The change of variables is held fixed within a value solve, so it does not enter `∂L/∂θ`.
///
/// Complexity per evaluation: two `dsyevd` of `N_i × N_i` (when hyperparameters are learned) and
/// about twenty `N_i × N_i` by `N₁ × N₂` products: O(Σ N_i³ + N Σ N_i).
///
/// References: Fang, Xu, Zhe et al., "Solving High Frequency and Multi-Scale PDEs with Gaussian
/// Processes", ICLR 2024; Wilson & Adams, ICML 2013 (spectral mixture); Saatçi 2012 (Kronecker GPs).
public final class GaussianProcessSolver {
    /// Solver settings.
    public struct Configuration: Sendable, Codable {
        public var kernel: KernelFamily = .spectralMixture
        public var components: Int = 30
        /// Frequencies start evenly spaced on `[0, maximumFrequency]` (cycles per unit length).
        public var maximumFrequency: Double = 20
        public var initialLengthscale: Double = 0.3
        public var collocationPointsPerAxis: Int = 400
        /// Nugget added to each factor's diagonal, relative to `k(0)`.
        public var jitter: Double = 1e-10
        /// Boundary noise σ_b (absolute).
        public var boundaryNoise: Double = 1e-6
        /// Equation noise σ_r, relative to the root-mean-square source.
        public var equationNoise: Double = 1e-6
        /// Weight c_J of the Jeffreys prior on the mixture weights.
        public var jeffreysWeight: Double = 1
        public var learnWeights: Bool = true
        public var learnFrequencies: Bool = true
        public var learnLengthscales: Bool = true
        public var adamIterations: Int = 1000
        /// Learning rate of the hyperparameters in the Adam phase.
        public var hyperparameterLearningRate: Double = 1e-2
        public var lbfgsIterations: Int = 2000
        public var lbfgsHistory: Int = 20
        /// 2-D: L-BFGS iterations over the values between hyperparameter steps.
        public var innerIterations: Int = 20
        /// 2-D: L-BFGS iterations over the values at the start and the end.
        public var initialInnerIterations: Int = 500
        /// Change of variables for the grid values (Gauss–Newton applies in 1-D only).
        public var preconditioner: PreconditionerKind = .gaussNewton
        public init() {}
    }

    /// How the grid values are reparameterized for the optimizer.
    public enum PreconditionerKind: String, Sendable, Codable, CaseIterable {
        /// `U = (Q₁Λ₁^{1/2}) V (Q₂Λ₂^{1/2})ᵀ`: whitening by the prior.
        case kronecker
        /// `U = Q_H Λ_H^{−1/2} V` from the Gauss–Newton Hessian of the whole objective (1-D).
        case gaussNewton = "gauss-newton"
    }

    /// One optimizer step, for progress display and logs (kept in the checkpoint, so Codable).
    public struct Progress: Sendable, Codable, Equatable {
        public let phase: String
        /// 1…`totalIterations`: the Adam step, or the L-BFGS iteration the evaluation belongs to.
        public let iteration: Int
        public let totalIterations: Int
        public let loss: Double
        public let elapsedSeconds: Double
    }

    /// What a run produced.
    public struct Result: Sendable {
        /// The posterior mean `u(x) = k(x, X) K⁻¹ U`.
        public let field: KernelField
        /// Learned kernels, one per axis.
        public let kernels: [StationaryKernel]
        /// Grid values `U`.
        public let values: [Double]
        public let lossHistory: [Double]
        /// One record per entry of `lossHistory` (phase, iteration, loss, seconds), including those
        /// before a resume.
        public let log: [Progress]
        public let adamIterations: Int
        public let lbfgsIterations: Int
        /// `completed`, `skipped`, or `stopped at step k: …` when a step made a kernel LAPACK rejects
        /// (the hyperparameters of the last good step are kept).
        public let adamOutcome: String
        public let lbfgsOutcome: String
        public let seconds: Double
    }

    public let problem: GaussianProcessProblem
    public let configuration: Configuration
    public let axes: [[Double]]
    public internal(set) var kernels: [StationaryKernel]

    private let lags: [[Double]]
    private let targetValues: DenseMatrix   // g on boundary (Dirichlet data tabulated; used only on ∂Ω)
    private let sources: DenseMatrix
    private let boundaryMask: [Bool]
    private let boundaryWeight: Double
    private let equationWeight: Double
    /// `c_i` of `Σ c_i ∂²u/∂x_i²` (1 for Poisson and Allen–Cahn).
    private let secondDerivativeCoefficients: [Double]
    /// Grid point coordinates, row-major (only for a custom pointwise term, which depends on `x`).
    private let gridPoints: [[Double]]
    // Internal (not private) for the run phases and the checkpoint (`GaussianProcessSolver+Run.swift`,
    // `GaussianProcessHyperparameterTask.swift`).
    var whitened: Parameter<Double>
    var logWeightParameters: [Parameter<Double>]
    var frequencyParameters: [Parameter<Double>]
    var logLengthscaleParameters: [Parameter<Double>]
    var reference: ValuePreconditioner

    var rows: Int { axes[0].count }
    var columns: Int { axes.count == 2 ? axes[1].count : 1 }

    public init(problem: GaussianProcessProblem, configuration: Configuration) throws {
        guard configuration.collocationPointsPerAxis >= 3 else {
            throw GaussianProcessError.invalidArgument("need at least 3 collocation points per axis")
        }
        guard configuration.collocationPointsPerAxis <= 4096 else {
            throw GaussianProcessError.tooLarge("at most 4096 collocation points per axis")
        }
        guard configuration.jitter >= 0, configuration.boundaryNoise > 0, configuration.equationNoise > 0,
              configuration.adamIterations >= 0, configuration.lbfgsIterations >= 0 else {
            throw GaussianProcessError.invalidArgument("jitter ≥ 0, noises > 0 and iteration counts ≥ 0 required")
        }
        guard configuration.hyperparameterLearningRate.isFinite, configuration.hyperparameterLearningRate > 0,
              configuration.jitter.isFinite, configuration.boundaryNoise.isFinite, configuration.equationNoise.isFinite,
              configuration.jeffreysWeight.isFinite, configuration.innerIterations >= 0, configuration.initialInnerIterations >= 0,
              configuration.lbfgsHistory >= 1 else {
            throw GaussianProcessError.invalidArgument(
                "the learning rate must be finite and positive, jitter, noises and the Jeffreys weight finite, inner iteration counts ≥ 0 and the L-BFGS history ≥ 1")
        }
        // Mixture components all starting at frequency 0 are one kernel repeated: equal gradients keep
        // them equal, so the mixture never learns a frequency (relative error 1 on the sine problems).
        guard !configuration.kernel.isMixture || configuration.components == 1 || configuration.maximumFrequency > 0 else {
            throw GaussianProcessError.invalidArgument("a mixture of \(configuration.components) components needs a positive maximum frequency (got \(configuration.maximumFrequency))")
        }
        self.problem = problem
        self.configuration = configuration
        let axes = (0..<problem.dimension).map { problem.axisPoints($0, count: configuration.collocationPointsPerAxis) }
        self.axes = axes
        self.lags = axes.map(KernelCollocation.lagTable)
        let kernel = try StationaryKernel(family: configuration.kernel, components: configuration.components,
                                          maximumFrequency: configuration.maximumFrequency,
                                          lengthscale: configuration.initialLengthscale)
        kernels = Array(repeating: kernel, count: problem.dimension)
        let r = axes[0].count, c = axes.count == 2 ? axes[1].count : 1
        targetValues = DenseMatrix(rows: r, columns: c, elements: problem.tabulate(problem.boundaryValue, axes: axes))
        sources = DenseMatrix(rows: r, columns: c, elements: problem.tabulate(problem.source, axes: axes))
        var mask = [Bool](repeating: false, count: r * c)
        for i in 0..<r { for j in 0..<c {
            mask[i * c + j] = i == 0 || i == r - 1 || (axes.count == 2 && (j == 0 || j == c - 1))
        } }
        boundaryMask = mask
        var sumSquares = 0.0, interior = 0
        for k in 0..<mask.count where !mask[k] { sumSquares += sources.elements[k] * sources.elements[k]; interior += 1 }
        // A zero source (a homogeneous equation) weighs the residual as if ⟨f²⟩ were 1.
        let meanSquare = interior > 0 && sumSquares > 0 ? sumSquares / Double(interior) : 1
        boundaryWeight = 1 / (configuration.boundaryNoise * configuration.boundaryNoise)
        equationWeight = 1 / (configuration.equationNoise * configuration.equationNoise * max(meanSquare, 1e-300))
        secondDerivativeCoefficients = problem.pointwiseTerm?.secondDerivativeCoefficients ?? Array(repeating: 1, count: axes.count)
        if problem.pointwiseTerm != nil {
            gridPoints = axes.count == 1 ? axes[0].map { [$0] } : axes[0].flatMap { x in axes[1].map { [x, $0] } }
        } else {
            gridPoints = []
        }
        whitened = Parameter(Tensor.zeros([r * c]))
        logWeightParameters = kernels.map { Parameter(Tensor(uncheckedShape: [$0.componentCount, 1], scalars: $0.logWeights)) }
        frequencyParameters = kernels.map { Parameter(Tensor(uncheckedShape: [$0.componentCount, 1], scalars: $0.frequencies)) }
        logLengthscaleParameters = kernels.map { Parameter(Tensor(uncheckedShape: [$0.componentCount, 1], scalars: $0.logLengthscales)) }
        reference = ValuePreconditioner(left: [.identity(r)] + (axes.count == 2 ? [.identity(c)] : []),
                                        leftInverse: [.identity(r)] + (axes.count == 2 ? [.identity(c)] : []))
    }

    /// `N(u)` and `N'(u)` at grid point `k` (row-major).
    @inline(__always)
    private func pointwise(_ u: Double, at k: Int) -> (value: Double, derivative: Double) {
        guard let term = problem.pointwiseTerm else { return problem.equation.nonlinearity(u) }
        return (term.value(u, gridPoints[k]), term.derivative(u, gridPoints[k]))
    }

    // MARK: Parameters

    /// A hash (FNV-1a, hexadecimal) of what the grid problem is: axes, Dirichlet data, source,
    /// boundary mask, second-derivative coefficients and the pointwise term at three values of `u`
    /// per grid point. A checkpoint records it so a resume on another problem or size is refused.
    public var problemFingerprint: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ word: UInt64) { hash = (hash ^ word) &* 0x0000_0100_0000_01b3 }
        func mix(_ values: [Double]) { mix(UInt64(values.count)); for v in values { mix(v.bitPattern) } }
        for axis in axes { mix(axis) }
        mix(targetValues.elements.enumerated().map { boundaryMask[$0.offset] ? $0.element : 0 })
        mix(sources.elements)
        mix(secondDerivativeCoefficients)
        for u in [-1.5, 0.5, 2.0] { mix((0..<(rows * columns)).map { pointwise(u, at: $0).value }) }
        return String(hash, radix: 16)
    }

    /// The learnable parameters in a fixed order: whitened values, then per axis the learned
    /// log-weights, frequencies and log-lengthscales.
    var learnableParameters: [Parameter<Double>] {
        var list = [whitened]
        for axis in 0..<axes.count {
            if configuration.learnWeights { list.append(logWeightParameters[axis]) }
            if configuration.learnFrequencies && configuration.kernel.isMixture { list.append(frequencyParameters[axis]) }
            if configuration.learnLengthscales { list.append(logLengthscaleParameters[axis]) }
        }
        return list
    }

    /// All learnable parameters flattened (for gradient checks and custom optimizers).
    public var parameterVector: [Double] {
        get { learnableParameters.flatMap(\.value.scalars) }
        set {
            var offset = 0
            for p in learnableParameters {
                p.value.scalars = Array(newValue[offset..<(offset + p.count)])
                offset += p.count
            }
        }
    }

    /// Current grid values `U = L₀ V L₀'ᵀ`.
    public var gridValues: [Double] { reference.apply(DenseMatrix(rows: rows, columns: columns, elements: whitened.value.scalars)).elements }

    /// Current kernels from the parameters.
    func currentKernels() -> [StationaryKernel] {
        (0..<axes.count).map { axis in
            var k = kernels[axis]
            k.logWeights = logWeightParameters[axis].value.scalars
            k.frequencies = frequencyParameters[axis].value.scalars
            k.logLengthscales = logLengthscaleParameters[axis].value.scalars
            return k
        }
    }

    // MARK: Objective

    struct AxisTables {
        var k: DenseMatrix
        var second: DenseMatrix
        var kTable: Variable<Double>
        var secondTable: Variable<Double>
    }

    /// Gram and second-derivative matrices per axis; the lag tables stay on the tape.
    func gramMatrices() -> [AxisTables] {
        (0..<axes.count).map { axis in
            let n = axes[axis].count
            let learnW = configuration.learnWeights
            let learnF = configuration.learnFrequencies && configuration.kernel.isMixture
            let learnL = configuration.learnLengthscales
            let w = learnW ? logWeightParameters[axis].variable : Variable(logWeightParameters[axis].value)
            let f = learnF ? frequencyParameters[axis].variable : Variable(frequencyParameters[axis].value)
            let l = learnL ? logLengthscaleParameters[axis].variable : Variable(logLengthscaleParameters[axis].value)
            let tables = StationaryKernel.evaluate(family: configuration.kernel, lags: lags[axis],
                                                   logWeights: w, frequencies: f, logLengthscales: l)
            // Nugget: k(0) ← (1 + jitter) k(0), kept differentiable.
            var nugget = [Double](repeating: 1, count: 2 * n - 1)
            nugget[n - 1] += configuration.jitter
            let kTable = tables.value * Tensor(uncheckedShape: [2 * n - 1], scalars: nugget)
            return AxisTables(k: DenseMatrix(toeplitz: kTable.value.scalars, size: n),
                              second: DenseMatrix(toeplitz: tables.second.value.scalars, size: n),
                              kTable: kTable, secondTable: tables.second)
        }
    }

    /// Kernel-dependent matrices, reused while the hyperparameters do not change.
    struct KernelState {
        var key: [Double]
        var tables: [AxisTables]
        var system: KroneckerEigensystem
        var inverses: [DenseMatrix]
        var p: [DenseMatrix]
    }
    var cache: KernelState?

    private func eigensystem(_ matrices: [DenseMatrix]) throws -> KroneckerEigensystem {
        try KroneckerEigensystem(factors: matrices.map { try SymmetricEigendecomposition($0) })
    }

    /// Loss and the gradients of all learnable parameters (stored in each parameter's gradient).
    ///
    /// - Returns: `(total, prior, boundary, equation)`.
    @discardableResult
    func evaluateObjective(hyperparameterGradients: Bool = true) throws -> (total: Double, prior: Double, boundary: Double, equation: Double) {
        let learningHyperparameters = hyperparameterGradients && learnableParameters.count > 1
        let key = (logWeightParameters + frequencyParameters + logLengthscaleParameters).flatMap(\.value.scalars)
        let kernelState: KernelState
        if let cached = cache, cached.key == key { kernelState = cached } else {
            let tables = gramMatrices()
            let system = try eigensystem(tables.map(\.k))
            let inverses = (0..<axes.count).map { i in system.spectralFunction(i) { 1 / $0 } }
            kernelState = KernelState(key: key, tables: tables, system: system, inverses: inverses,
                                      p: (0..<axes.count).map { inverses[$0] * tables[$0].second })
            cache = kernelState
        }
        let tables = kernelState.tables, system = kernelState.system
        let two = axes.count == 2
        // U = L₀ V L₀'ᵀ
        let v = DenseMatrix(rows: rows, columns: columns, elements: whitened.value.scalars)
        let u = reference.apply(v)
        // A = K⁻¹ U, prior = ½⟨U, A⟩ + ½ log|K|
        let a = system.solve(u)
        let prior = 0.5 * DenseMatrix.frobeniusInner(u, a) + 0.5 * system.logDeterminant
        // D_i = K_i'' K_i⁻¹ = P_iᵀ,  P_i = K_i⁻¹ K_i''
        let inverses = kernelState.inverses, p = kernelState.p
        // B₁ = K₁⁻¹ U = A K₂,  B₂ = U K₂⁻¹ = K₁ A
        let b1 = two ? a * tables[1].k : a
        let b2 = two ? tables[0].k * a : a
        // S = K₁'' B₁ + B₂ K₂''
        // S = c₁ K₁'' B₁ + c₂ B₂ K₂'' (with c_i = 1, the products are not scaled, to the bit).
        let c = secondDerivativeCoefficients
        var s = tables[0].second * b1
        if c[0] != 1 { s = c[0] * s }
        if two { s = s + (c[1] == 1 ? b2 * tables[1].second : c[1] * (b2 * tables[1].second)) }
        // Residual and likelihood terms.
        var g = DenseMatrix(zeros: rows, columns)
        var gradientU = a
        var boundaryLoss = 0.0, equationLoss = 0.0
        for k in 0..<(rows * columns) {
            let value = u.elements[k]
            if boundaryMask[k] {
                let e = value - targetValues.elements[k]
                boundaryLoss += 0.5 * boundaryWeight * e * e
                gradientU.elements[k] += boundaryWeight * e
            } else {
                let n = pointwise(value, at: k)
                let r = s.elements[k] + n.value - sources.elements[k]
                equationLoss += 0.5 * equationWeight * r * r
                g.elements[k] = equationWeight * r
                gradientU.elements[k] += equationWeight * r * n.derivative
            }
        }
        // ∇_U += c₁ D₁ᵀ G + c₂ G D₂  (D₁ᵀ = P₁); g1, g2 are c_i G (G itself when c_i = 1).
        let g1 = c[0] == 1 ? g : c[0] * g
        let g2 = two && c[1] != 1 ? c[1] * g : g
        gradientU = gradientU + p[0] * g1
        if two { gradientU = gradientU + DenseMatrix.product(g2, p[1], transposeB: true) }
        // ∇_V = L₁ᵀ ∇_U L₂
        let gradientV = reference.applyTranspose(gradientU)
        whitened.node.gradient = Tensor(uncheckedShape: [rows * columns], scalars: gradientV.elements)

        var jeffreys = 0.0
        if configuration.kernel.isMixture {
            for axis in 0..<axes.count { jeffreys += configuration.jeffreysWeight * logWeightParameters[axis].value.scalars.reduce(0, +) }
        }
        if learningHyperparameters {
            // Matrix adjoints of K_i and K_i'' (see the type's documentation).
            var adjoints: [(k: DenseMatrix, second: DenseMatrix)] = []
            let gb1t = DenseMatrix.product(g1, b1, transposeB: true)                       // c₁ G B₁ᵀ
            var adjK1 = -0.5 * DenseMatrix.product(b1, a, transposeB: true)               // −½ B₁ Aᵀ
            adjK1 = adjK1 + (0.5 * Double(columns)) * inverses[0] - DenseMatrix.product(p[0] * g1, b1, transposeB: true)
            adjoints.append((adjK1, gb1t))
            if two {
                let b2tg = DenseMatrix.product(b2, g2, transposeA: true)                    // c₂ B₂ᵀ G
                var adjK2 = -0.5 * DenseMatrix.product(a, b2, transposeA: true)           // −½ Aᵀ B₂
                adjK2 = adjK2 + (0.5 * Double(rows)) * inverses[1] - DenseMatrix.product(b2, DenseMatrix.product(g2, p[1], transposeB: true), transposeA: true)
                adjoints.append((adjK2, b2tg))
            }
            var scalarOutput: Variable<Double>? = nil
            for axis in 0..<axes.count {
                let n = axes[axis].count
                let seedK = Tensor<Double>(uncheckedShape: [2 * n - 1], scalars: adjoints[axis].k.diagonalSums())
                let seedSecond = Tensor<Double>(uncheckedShape: [2 * n - 1], scalars: adjoints[axis].second.diagonalSums())
                var term = (tables[axis].kTable * seedK).sum() + (tables[axis].secondTable * seedSecond).sum()
                if configuration.kernel.isMixture && configuration.learnWeights {
                    term = term + logWeightParameters[axis].variable.sum() * configuration.jeffreysWeight
                }
                scalarOutput = scalarOutput.map { $0 + term } ?? term
            }
            scalarOutput?.backward()
        }
        let total = prior + boundaryLoss + equationLoss + jeffreys
        guard total.isFinite else { throw GaussianProcessError.nonFinite("GP-HM objective") }
        return (total, prior, boundaryLoss, equationLoss)
    }

    /// The objective and its gradient at `parameterVector` (for gradient checks).
    public func objectiveAndGradient() throws -> (loss: Double, gradient: [Double]) {
        for p in learnableParameters { p.zeroGradient() }
        let loss = try evaluateObjective().total
        return (loss, learnableParameters.flatMap { $0.gradient?.scalars ?? Array(repeating: 0, count: $0.count) })
    }

    /// Re-centres the change of variables `U = L₁ V L₂ᵀ` on the current parameters, keeping `U`.
    ///
    /// Kronecker whitening: `L_i = Q_i Λ_i^{1/2}` (`K_i = Q_i Λ_i Q_iᵀ`), so the prior is `½‖V‖²`.
    /// Gauss–Newton (1-D only): `L = Q_H Λ_H^{−1/2}` from `H = K⁻¹ + λ_r Jᵀ M J + λ_b E` with
    /// `J = D + diag N'(U)` the equation Jacobian, `M`/`E` the interior/boundary selections: the
    /// Hessian in `V` is then the identity at the refresh point (exactly, for linear equations and
    /// fixed hyperparameters), which is what makes L-BFGS reach 1e-6 errors in 1-D.
    public func refreshPreconditioner() throws {
        let u = reference.apply(DenseMatrix(rows: rows, columns: columns, elements: whitened.value.scalars))
        let tables = gramMatrices()
        let system = try eigensystem(tables.map(\.k))
        var next: ValuePreconditioner
        if configuration.preconditioner == .gaussNewton && axes.count == 1 {
            let n = rows
            let inverse = system.spectralFunction(0) { 1 / $0 }
            var d = DenseMatrix.product(inverse * tables[0].second, .identity(n), transposeA: true)  // D = K''K⁻¹ = (K⁻¹K'')ᵀ
            if secondDerivativeCoefficients[0] != 1 { d = secondDerivativeCoefficients[0] * d }
            var j = d
            var h = inverse
            for i in 0..<n {
                if boundaryMask[i] {
                    for c in 0..<n { j[i, c] = 0 }
                    h[i, i] += boundaryWeight
                } else {
                    j[i, i] += pointwise(u.elements[i], at: i).derivative
                }
            }
            h = h + equationWeight * DenseMatrix.product(j, j, transposeA: true)
            // Symmetrize against round-off, then H = Q Λ Qᵀ.
            for a in 0..<n { for b in 0..<a { let m = 0.5 * (h[a, b] + h[b, a]); h[a, b] = m; h[b, a] = m } }
            let eig = try SymmetricEigendecomposition(h)
            let largest = eig.eigenvalues.last ?? 1
            var left = eig.eigenvectors, leftInverse = eig.eigenvectors.transposed
            for c in 0..<n {
                let lambda = max(eig.eigenvalues[c], largest * 1e-15)
                let s = 1 / lambda.squareRoot()
                for r in 0..<n { left[r, c] *= s; leftInverse[c, r] /= s }
            }
            next = ValuePreconditioner(left: [left], leftInverse: [leftInverse])
        } else {
            next = ValuePreconditioner(
                left: (0..<axes.count).map { system.squareRootFactor($0) },
                leftInverse: (0..<axes.count).map { i in
                    var m = system.factors[i].eigenvectors.transposed
                    for r in 0..<m.rows { let s = 1 / system.factors[i].eigenvalues[r].squareRoot(); for c in 0..<m.columns { m[r, c] *= s } }
                    return m
                })
        }
        whitened.value.scalars = next.invert(u).elements
        reference = next
    }

    // MARK: Run

    /// Minimizes the objective over the grid values with the hyperparameters fixed.
    ///
    /// 1-D: Gauss–Newton steps `V ← V − ∇_V` in the Gauss–Newton change of variables (the Hessian
    /// in `V` is the identity, so a linear equation is solved in one step), with step halving.
    /// 2-D: L-BFGS over the Kronecker-whitened values for at most `iterations` iterations.
    ///
    /// - Returns: The objective value after the solve.
    @discardableResult
    public func solveValues(iterations: Int) throws -> Double {
        if axes.count == 1 && configuration.preconditioner == .gaussNewton {
            var loss = Double.infinity
            // A linear equation is solved exactly by one step; a second only confirms it.
            let steps = problem.isLinear ? 1 : max(iterations, 1)
            for _ in 0..<steps {
                try refreshPreconditioner()
                for p in learnableParameters { p.zeroGradient() }
                let before = try evaluateObjective().total
                let v0 = whitened.value.scalars
                let g = whitened.gradient?.scalars ?? Array(repeating: 0, count: v0.count)
                var step = 1.0
                loss = before
                for _ in 0..<20 {
                    whitened.value.scalars = zip(v0, g).map { $0 - step * $1 }
                    if let trial = try? evaluateValueObjective(), trial <= before { loss = trial; break }
                    step /= 2
                    whitened.value.scalars = v0
                }
                if before - loss <= 1e-13 * abs(before) { break }
            }
            return loss
        }
        try refreshPreconditioner()
        let optimizer = LBFGS<Double>(historySize: configuration.lbfgsHistory, gradientTolerance: 1e-12, lossChangeTolerance: 1e-15)
        // A failed evaluation (NaN, a factor LAPACK rejects) is a non-finite point for L-BFGS: a trial
        // step there is shortened; at the start, or at every trial, the solve fails with that error.
        var failure: (any Error)? = nil
        let report = optimizer.minimize([whitened], maximumIterations: max(iterations, 1)) {
            do { return try evaluateObjective(hyperparameterGradients: false).total } catch {
                failure = error
                return .nan
            }
        }
        if report.outcome == .nonFinite { throw failure ?? GaussianProcessError.nonFinite("GP-HM objective in the value solve") }
        return report.finalLoss
    }

    /// The objective without gradients.
    private func evaluateValueObjective() throws -> Double {
        try evaluateObjective(hyperparameterGradients: false).total
    }

    /// Whether `error` says a kernel factorization was rejected (a Gram matrix LAPACK finds singular
    /// or indefinite), which a too-long hyperparameter step can cause and a step back cures.
    static func isRejectedKernel(_ error: any Error) -> Bool {
        if let lapack = error as? LAPACKError { return lapack.reason != .nonFiniteInput }
        if case GaussianProcessError.kernelNotPositiveDefinite = error { return true }
        return false
    }

}
