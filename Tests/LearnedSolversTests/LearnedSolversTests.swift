import TestSupport
import Foundation
import Testing
import AutoDiff
import LearnedSolvers
import NeuralLayers
import RunSupport
import SparseSolvers
import TensorCore

/// SplitMix64 vectors in [−1, 1] (reproducible, independent of the code under test).
private func randomVector(_ n: Int, seed: UInt64) -> [Double] {
    var state = seed
    return (0..<n).map { _ in
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z = z ^ (z >> 31)
        return Double(z >> 11) / Double(1 << 53) * 2 - 1
    }
}

private func relativeResidual(_ a: CSRMatrix, _ x: [Double], _ b: [Double]) -> Double {
    VectorOperations.norm(VectorOperations.residual(a, x, b)) / VectorOperations.norm(b)
}

/// The 1-D Laplacian tridiag(−1, 2, −1): eigenvalues 2 − 2 cos(kπ/(n+1)), k = 1 … n.
private func laplacian1D(_ n: Int) -> CSRMatrix {
    var coo = COOMatrix(rowCount: n, columnCount: n)
    for i in 0..<n {
        if i > 0 { coo.appendUnchecked(row: i, column: i - 1, value: -1) }
        coo.appendUnchecked(row: i, column: i, value: 2)
        if i < n - 1 { coo.appendUnchecked(row: i, column: i + 1, value: -1) }
    }
    return coo.csr()
}

@Suite struct GridProblemTests {
    @Test func emptyBoxMatchesModelProblems() throws {
        let p2 = try GridPoissonProblem(size: 7, spatialRank: 2)
        #expect(p2.matrix == ModelProblems.poisson2D(n: 7))
        let p3 = try GridPoissonProblem(size: 5, spatialRank: 3)
        #expect(p3.matrix == ModelProblems.poisson3D(n: 5))
    }

    /// Neumann walls conserve constants: (A·1)ₚ = number of outer-boundary faces of fluid cell p, 0 inside.
    @Test func obstacleWallsAreNeumann() throws {
        let n = 20
        let p = try GridPoissonProblem(size: n, spatialRank: 2, obstacles: .sphere)
        #expect(p.fluidCount < p.pointCount && p.fluidCount > p.pointCount / 2)
        let ones = p.masked([Double](repeating: 1, count: p.pointCount))
        let a1 = p.matrix.applied(to: ones)
        var checkedWall = false
        for j in 0..<n { for i in 0..<n {
            let k = i + n * j
            guard p.fluidMask[k] == 1 else { #expect(a1[k] == 0); continue }
            let faces = (i == 0 ? 1 : 0) + (i == n - 1 ? 1 : 0) + (j == 0 ? 1 : 0) + (j == n - 1 ? 1 : 0)
            #expect(a1[k] == Double(faces))
            if (i < n - 1 && p.fluidMask[k + 1] == 0) || (i > 0 && p.fluidMask[k - 1] == 0) { checkedWall = true }
        } }
        #expect(checkedWall)
        // Symmetric positive definite: Cholesky succeeds.
        #expect(p.matrix.isSymmetric(relativeTolerance: 0))
        _ = try CholeskyFactorization(p.matrix)
    }

    /// A matrix written by `pdekit dcdm problem` and read back: solid rows are recognized as removed cells.
    @Test func fluidMaskIsRecoveredFromTheMatrix() throws {
        let p = try GridPoissonProblem(size: 12, spatialRank: 3, obstacles: .sphereAndPillar)
        let b = p.randomRightHandSide(seed: 3)
        #expect(DCDMDirectionOperator.inferredFluidMask(of: p.matrix, rightHandSide: b) == p.fluidMask)
        let empty = try GridPoissonProblem(size: 6, spatialRank: 2)
        #expect(DCDMDirectionOperator.inferredFluidMask(of: empty.matrix, rightHandSide: empty.randomRightHandSide(seed: 1)) == nil)
    }

    @Test func invalidGridThrows() {
        #expect(throws: LearnedSolverError.self) { try GridPoissonProblem(size: 1, spatialRank: 2) }
        #expect(throws: LearnedSolverError.self) { try GridPoissonProblem(size: 8, spatialRank: 4) }
    }
}

@Suite struct LanczosTests {
    /// Full Krylov dimension: the Ritz values are the eigenvalues, and the Ritz vectors are eigenvectors.
    @Test func fullLanczosGivesEigenpairs() throws {
        let n = 40
        let a = laplacian1D(n)
        let basis = try RitzBasis.lanczos(a, start: randomVector(n, seed: 3), dimension: n)
        #expect(basis.count == n)
        for k in 1...n { #expect(abs(basis.values[k - 1] - (2 - 2 * cos(Double(k) * .pi / Double(n + 1)))) < 1e-10) }
        for k in [0, n / 2, n - 1] {
            let y = basis.vector(k)
            var r = a.applied(to: y)
            VectorOperations.axpy(-basis.values[k], y, &r)
            #expect(VectorOperations.norm(r) < 1e-9)
            #expect(abs(VectorOperations.norm(y) - 1) < 1e-10)
        }
    }

    /// Moderate Krylov dimension on 2-D Poisson: the extreme Ritz values converge first.
    @Test func extremeRitzValuesConverge() throws {
        let n = 16
        let a = ModelProblems.poisson2D(n: n)
        let basis = try RitzBasis.lanczos(a, start: randomVector(n * n, seed: 5), dimension: 60)
        let h = Double.pi / Double(n + 1)
        let smallest = 4 - 4 * cos(h), largest = 4 + 4 * cos(h)
        #expect(abs(basis.values.first! - smallest) < 1e-8)
        #expect(abs(basis.values.last! - largest) < 1e-8)
        #expect(basis.values.allSatisfy { $0 > smallest - 1e-9 && $0 < largest + 1e-9 })
        // Orthonormal Ritz vectors.
        let y0 = basis.vector(0), y1 = basis.vector(1)
        #expect(abs(VectorOperations.dot(y0, y1)) < 1e-10)
    }

    @Test func zeroStartThrows() {
        #expect(throws: LearnedSolverError.emptyKrylovSpace) {
            try RitzBasis.lanczos(laplacian1D(5), start: [Double](repeating: 0, count: 5), dimension: 3)
        }
    }
}

@Suite struct LossTests {
    @Test func lossIsScaleInvariantAndZeroAtTheSolution() throws {
        let a = ModelProblems.poisson2D(n: 8)
        let b = randomVector(64, seed: 7), q = randomVector(64, seed: 8)
        let l = DCDMLoss.value(direction: q, rightHandSide: b, matrix: a)
        #expect(l > 1e-3)
        for gamma in [3.7, -0.25, 1e3] {
            let lg = DCDMLoss.value(direction: q.map { gamma * $0 }, rightHandSide: b, matrix: a)
            #expect(abs(lg - l) < 1e-12 * max(1, l))
        }
        let exact = try CholeskyFactorization(a).solve(b)
        #expect(DCDMLoss.value(direction: exact.map { -2 * $0 }, rightHandSide: b, matrix: a) < 1e-20)
    }

    @Test func gradientMatchesFiniteDifferences() {
        let a = ModelProblems.poisson2D(n: 6)
        let b = randomVector(36, seed: 11), q = randomVector(36, seed: 12)
        let (value, gradient) = DCDMLoss.valueAndGradient(direction: q, rightHandSide: b, matrix: a)
        #expect(abs(value - DCDMLoss.value(direction: q, rightHandSide: b, matrix: a)) < 1e-12)
        let h = 1e-6
        for i in [0, 7, 20, 35] {
            var qp = q, qm = q
            qp[i] += h; qm[i] -= h
            let fd = (DCDMLoss.value(direction: qp, rightHandSide: b, matrix: a) - DCDMLoss.value(direction: qm, rightHandSide: b, matrix: a)) / (2 * h)
            #expect(abs(fd - gradient[i]) < 1e-6 * max(1, abs(fd)))
        }
        // Scale invariance makes the gradient orthogonal to q.
        #expect(abs(VectorOperations.dot(gradient, q)) < 1e-10 * VectorOperations.norm(gradient) * VectorOperations.norm(q))
    }
}

extension LossTests {
    /// L_e is the relative A-norm error after one step x = αq, computed here from a direct solve.
    @Test func energyLossIsTheRelativeErrorAfterOneStep() throws {
        let a = ModelProblems.poisson2D(n: 7)
        let b = randomVector(49, seed: 21), q = randomVector(49, seed: 22)
        let exact = try CholeskyFactorization(a).solve(b)
        let rho = VectorOperations.dot(b, exact)   // bᵀA⁻¹b = ‖x*‖²_A
        let aq = a.applied(to: q)
        let alpha = VectorOperations.dot(q, b) / VectorOperations.dot(q, aq)
        let e = zip(exact, q).map { $0 - alpha * $1 }
        let expected = VectorOperations.dot(e, a.applied(to: e)) / rho
        let (value, gradient) = DCDMLoss.energy.valueAndGradient(direction: q, rightHandSide: b, energy: rho, matrix: a)
        #expect(abs(value - expected) < 1e-12)
        #expect(abs(DCDMLoss.energyValue(direction: exact.map { 0.3 * $0 }, rightHandSide: b, energy: rho, matrix: a)) < 1e-12)
        let h = 1e-6
        for i in [0, 13, 48] {
            var qp = q, qm = q
            qp[i] += h; qm[i] -= h
            let fd = (DCDMLoss.energyValue(direction: qp, rightHandSide: b, energy: rho, matrix: a)
                      - DCDMLoss.energyValue(direction: qm, rightHandSide: b, energy: rho, matrix: a)) / (2 * h)
            #expect(abs(fd - gradient[i]) < 1e-7 * max(1, abs(fd)))
        }
    }
}

@Suite struct IterationTests {
    @Test func exactInverseConvergesInOneIteration() throws {
        let problem = try GridPoissonProblem(size: 12, spatialRank: 2, obstacles: .sphere)
        let b = problem.randomRightHandSide(seed: 1)
        let inverse = try CholeskyFactorization(problem.matrix)
        let solver = DeepConjugateDirection(directions: inverse, criterion: StoppingCriterion(relativeTolerance: 1e-10))
        let result = solver.solve(problem.matrix, rightHandSide: b)
        #expect(result.report.converged)
        #expect(result.report.iterations == 1)
    }

    /// f = I gives CG and f = IC(0) gives IC(0)-PCG in exact arithmetic: the iteration counts agree.
    @Test func linearDirectionMapsReproduceConjugateGradients() throws {
        let problem = try GridPoissonProblem(size: 24, spatialRank: 2, obstacles: .sphereAndPillar)
        let a = problem.matrix
        let b = problem.randomRightHandSide(seed: 2)
        let criterion = StoppingCriterion(relativeTolerance: 1e-8)
        let cg = ConjugateGradient(criterion: criterion).solve(a, rightHandSide: b)
        let dcdmIdentity = DeepConjugateDirection(directions: IdentityOperator(size: a.rowCount), criterion: criterion)
            .solve(a, rightHandSide: b)
        #expect(cg.report.converged && dcdmIdentity.report.converged)
        #expect(abs(cg.report.iterations - dcdmIdentity.report.iterations) <= 2)
        let ic = try IncompleteCholesky(a)
        let pcg = ConjugateGradient(criterion: criterion, preconditioner: ic).solve(a, rightHandSide: b)
        let dcdmIC = DeepConjugateDirection(directions: ic, criterion: criterion).solve(a, rightHandSide: b)
        #expect(dcdmIC.report.converged)
        #expect(abs(pcg.report.iterations - dcdmIC.report.iterations) <= 2)
        #expect(relativeResidual(a, dcdmIC.solution, b) <= 1e-8)
    }

    /// Even an untrained network gives a convergent method, and the solution matches a direct solve.
    @Test func untrainedNetworkConvergesToTheDirectSolution() throws {
        let problem = try GridPoissonProblem(size: 20, spatialRank: 2, obstacles: .sphere)
        let network = try DCDMNetwork(DCDMNetworkConfiguration(spatialRank: 2, channels: 4, coarseChannels: 8, levels: 2, seed: 3))
        let f = try DCDMDirectionOperator(network: network, problem: problem)
        let b = problem.randomRightHandSide(seed: 4)
        let result = DeepConjugateDirection(directions: f, criterion: StoppingCriterion(relativeTolerance: 1e-8, maximumIterations: 2000))
            .solve(problem.matrix, rightHandSide: b)
        #expect(result.report.converged, "outcome \(result.report.outcome), relative residual \(result.report.relativeResidual)")
        #expect(result.report.residualNorms.count == result.report.iterations + 1)
        let direct = try CholeskyFactorization(problem.matrix).solve(b)
        let error = zip(result.solution, direct).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() / VectorOperations.norm(direct)
        #expect(error < 1e-6)
        // Solid cells stay zero.
        for i in 0..<problem.pointCount where problem.fluidMask[i] == 0 { #expect(result.solution[i] == 0) }
    }

    @Test func iterationLimitIsReportedHonestly() throws {
        let a = ModelProblems.poisson2D(n: 16)
        let b = randomVector(256, seed: 9)
        let result = DeepConjugateDirection(directions: IdentityOperator(size: 256),
                                            criterion: StoppingCriterion(relativeTolerance: 1e-12, maximumIterations: 3))
            .solve(a, rightHandSide: b)
        #expect(result.report.outcome == .iterationLimit)
        #expect(result.report.iterations == 3)
        #expect(abs(result.report.relativeResidual - relativeResidual(a, result.solution, b)) < 1e-12)
    }
}

@Suite struct NetworkTests {
    @Test func saveLoadRoundTrip() throws {
        let configuration = DCDMNetworkConfiguration(spatialRank: 3, channels: 3, coarseChannels: 5, levels: 2, seed: 17)
        let network = try DCDMNetwork(configuration)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dcdm-\(UInt64.random(in: 0...UInt64.max)).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try network.save(to: url, metadata: ["grid": "6"])
        let (loaded, metadata) = try DCDMNetwork.load(from: url)
        #expect(loaded.configuration == configuration)
        #expect(metadata["grid"] == "6")
        // A differently seeded network differs; the loaded one reproduces the original exactly (7³: padded to 8³).
        var generator = SeededRandomNumberGenerator(seed: 99)
        let input = Tensor<Float>.normal([1, 1, 7, 7, 7], standardDeviation: 1, using: &generator)
        let other = try DCDMNetwork(DCDMNetworkConfiguration(spatialRank: 3, channels: 3, coarseChannels: 5, levels: 2, seed: 18))
        let original = network.inference(input)
        #expect(original.shape == [1, 1, 7, 7, 7])
        #expect(loaded.inference(input) == original)
        #expect(other.inference(input) != original)
        // A plain safetensors file without the configuration is refused with a typed error.
        try other.parameterArchive().write(to: url)
        #expect(throws: LearnedSolverError.self) { try DCDMNetwork.load(from: url) }
    }

    @Test func rankMismatchThrows() throws {
        let network = try DCDMNetwork(DCDMNetworkConfiguration(spatialRank: 3, channels: 2, coarseChannels: 2, levels: 1))
        let problem = try GridPoissonProblem(size: 8, spatialRank: 2)
        #expect(throws: LearnedSolverError.rankMismatch(model: 3, problem: 2)) {
            try DCDMDirectionOperator(network: network, problem: problem)
        }
        #expect(throws: LearnedSolverError.self) { try DCDMNetwork(DCDMNetworkConfiguration(spatialRank: 2, channels: 0)) }
    }

    /// Training lowers the held-out loss, and the trained network needs fewer DCDM iterations than the untrained one.
    @Test func trainingReducesTheLoss() throws {
        let problem = try GridPoissonProblem(size: 16, spatialRank: 2)
        let basis = try RitzBasis.lanczos(problem.matrix, start: problem.randomRightHandSide(seed: 5), dimension: 64)
        let network = try DCDMNetwork(DCDMNetworkConfiguration(spatialRank: 2, channels: 4, coarseChannels: 8, levels: 2, seed: 1))
        let trainer = try DCDMTrainer(network: network, problem: problem, trainingSet: RitzTrainingSet(basis: basis),
                                      learningRate: 3e-3, batchSize: 8, seed: 2)
        let b = problem.randomRightHandSide(seed: 6)
        let criterion = StoppingCriterion(relativeTolerance: 1e-6, maximumIterations: 1000)
        let before = DeepConjugateDirection(directions: try DCDMDirectionOperator(network: network, problem: problem), criterion: criterion)
            .solve(problem.matrix, rightHandSide: b).report
        let lossBefore = trainer.evaluate(count: 32).energy
        for _ in 0..<60 { trainer.step() }
        let lossAfter = trainer.evaluate(count: 32).energy
        #expect(lossAfter < 0.5 * lossBefore, "loss \(lossBefore) → \(lossAfter)")
        let after = DeepConjugateDirection(directions: try DCDMDirectionOperator(network: network, problem: problem), criterion: criterion)
            .solve(problem.matrix, rightHandSide: b).report
        #expect(before.converged && after.converged, "before: \(before.outcome) \(before.iterations) \(before.residualNorms.suffix(5)); after: \(after.outcome) \(after.iterations)")
        #expect(after.iterations < before.iterations, "iterations \(before.iterations) → \(after.iterations)")
    }
}

/// Levels that follow the grid (`DCDMNetworkConfiguration.coarsestSize`): extra levels share the deepest weights.
@Suite struct GridFollowingLevelsTests {
    /// L(n) = max(L₀, smallest L with ⌈n/2^L⌉ ≤ m), counted by hand for L₀ = 2, m = 4.
    @Test func levelCountAndShapes() throws {
        let fixed = try DCDMNetwork(DCDMNetworkConfiguration(spatialRank: 2, channels: 2, coarseChannels: 3, levels: 2, seed: 5))
        let following = try fixed.withCoarsestSize(4)
        #expect(fixed.levelCount(longestSide: 64) == 2)
        #expect([8, 16, 17, 32, 33, 64].map { following.levelCount(longestSide: $0) } == [2, 2, 3, 3, 4, 4])
        #expect(following.parameterCount == fixed.parameterCount)
        var generator = SeededRandomNumberGenerator(seed: 3)
        // 16²: no extra level, the two networks are the same function.
        let small = Tensor<Float>.normal([2, 1, 16, 16], standardDeviation: 1, using: &generator)
        #expect(following.inference(small) == fixed.inference(small))
        // 20 × 18: one extra level (padded to 24 × 24, cropped back); the output differs.
        let large = Tensor<Float>.normal([1, 1, 20, 18], standardDeviation: 1, using: &generator)
        let q = following.inference(large)
        #expect(q.shape == [1, 1, 20, 18])
        #expect(q != fixed.inference(large))
        #expect(throws: LearnedSolverError.self) { try fixed.withCoarsestSize(0) }
        let oneLevel = try DCDMNetwork(DCDMNetworkConfiguration(spatialRank: 2, channels: 2, coarseChannels: 2, levels: 1))
        #expect(throws: LearnedSolverError.self) { try oneLevel.withCoarsestSize(2) }
    }

    /// Reverse-mode gradients of J(θ) = Σ wᵢ f(r)ᵢ against central differences along a random direction, for
    /// every parameter tensor, on a 12² grid with L₀ = 2 trained levels and one shared extra level (the
    /// deepest level's weights are used twice, so their gradient must sum both uses). The network is
    /// single precision only, so J is accumulated in Double and the step is 2e-4 along a direction scaled
    /// to the parameter's own size (J is piecewise polynomial in θ; the seeds keep the ReLU pattern fixed
    /// over the step), with a 1 % tolerance.
    @Test func gradientsReachEveryParameter() throws {
        let network = try DCDMNetwork(DCDMNetworkConfiguration(spatialRank: 2, channels: 2, coarseChannels: 3, levels: 2, seed: 11,
                                                               coarsestSize: 2))
        #expect(network.levelCount(longestSide: 12) == 3)
        var generator = SeededRandomNumberGenerator(seed: 4)
        let input = Tensor<Float>.normal([1, 1, 12, 12], standardDeviation: 1, using: &generator)
        let w = randomVector(144, seed: 13)
        func objective() -> Double {
            let q = network.inference(input).scalars
            return zip(q, w).reduce(0.0) { $0 + Double($1.0) * $1.1 }
        }
        network.zeroGradients()
        let q = network(Variable(input))
        Backpropagation.backward(from: q, seed: Tensor(uncheckedShape: q.shape, scalars: w.map { Float($0) }))
        var checked = 0
        for (index, (name, parameter)) in network.namedParameters.enumerated() {
            let gradient = try #require(parameter.gradient, "no gradient for \(name)")
            let scale = parameter.value.scalars.map { Double(abs($0)) }.maxOrNaN() ?? 1
            let direction = randomVector(parameter.count, seed: 100 + UInt64(index)).map { $0 * scale }
            let analytic = zip(gradient.scalars, direction).reduce(0.0) { $0 + Double($1.0) * $1.1 }
            let original = parameter.value
            let h = 2e-4
            func shifted(_ t: Double) throws -> Double {
                parameter.value = try Tensor(shape: original.shape, scalars: zip(original.scalars, direction).map { $0 + Float(t * $1) })
                return objective()
            }
            let fd = (try shifted(h) - shifted(-h)) / (2 * h)
            parameter.value = original
            #expect(abs(analytic) > 1e-6, "\(name): zero gradient")
            #expect(abs(fd - analytic) <= 1e-2 * max(1e-2, abs(fd)), "\(name): analytic \(analytic), finite differences \(fd)")
            checked += 1
        }
        #expect(checked == 1 + 4 * 2 + 2)
    }

    /// The coarsest size survives a save/load round trip; a configuration saved before the option existed reads as nil.
    @Test func coarsestSizeRoundTrip() throws {
        let network = try DCDMNetwork(DCDMNetworkConfiguration(spatialRank: 2, channels: 2, coarseChannels: 3, levels: 2, seed: 9, coarsestSize: 3))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dcdm-\(UInt64.random(in: 0...UInt64.max)).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try network.save(to: url)
        let loaded = try DCDMNetwork.load(from: url).network
        #expect(loaded.configuration.coarsestSize == 3)
        var generator = SeededRandomNumberGenerator(seed: 1)
        let input = Tensor<Float>.normal([1, 1, 25, 25], standardDeviation: 1, using: &generator)
        #expect(loaded.levelCount(longestSide: 25) == 4)
        #expect(loaded.inference(input) == network.inference(input))
        let old = #"{"spatialRank":3,"channels":4,"coarseChannels":12,"levels":3,"seed":0}"#
        let decoded = try JSONDecoder().decode(DCDMNetworkConfiguration.self, from: Data(old.utf8))
        #expect(decoded.coarsestSize == nil && decoded.levels == 3)
    }

    /// Trained at 16² with levels that follow the grid during training too (2 trained levels, coarsest 2²: a
    /// third level shares the second's weights) and applied at 32² with obstacles (4 levels) without
    /// retraining: fewer than half of CG's iterations.
    @Test func trainedSmallAppliedLargerBeatsConjugateGradients() throws {
        let train = try GridPoissonProblem(size: 16, spatialRank: 2)
        let basis = try RitzBasis.lanczos(train.matrix, start: train.randomRightHandSide(seed: 5), dimension: 64)
        let network = try DCDMNetwork(DCDMNetworkConfiguration(spatialRank: 2, channels: 4, coarseChannels: 8, levels: 2, seed: 1, coarsestSize: 2))
        #expect(network.levelCount(longestSide: 16) == 3)
        let trainer = try DCDMTrainer(network: network, problem: train, trainingSet: RitzTrainingSet(basis: basis),
                                      learningRate: 3e-3, batchSize: 8, seed: 2)
        for _ in 0..<120 { trainer.step() }
        let problem = try GridPoissonProblem(size: 32, spatialRank: 2, obstacles: .sphere)
        #expect(network.levelCount(longestSide: 32) == 4)
        let b = problem.randomRightHandSide(seed: 6)
        let criterion = StoppingCriterion(relativeTolerance: 1e-6, maximumIterations: 1000)
        let cg = ConjugateGradient(criterion: criterion).solve(problem.matrix, rightHandSide: b).report
        let dcdm = DeepConjugateDirection(directions: try DCDMDirectionOperator(network: network, problem: problem), criterion: criterion)
            .solve(problem.matrix, rightHandSide: b)
        let fixed = DeepConjugateDirection(directions: try DCDMDirectionOperator(network: try network.withCoarsestSize(nil), problem: problem),
                                           criterion: criterion).solve(problem.matrix, rightHandSide: b).report
        print("trained 16², applied 32² sphere: DCDM \(dcdm.report.iterations) (fixed 2 levels: \(fixed.iterations)), CG \(cg.iterations)")
        #expect(cg.converged && dcdm.report.converged)
        #expect(dcdm.report.iterations * 2 < cg.iterations, "DCDM \(dcdm.report.iterations), CG \(cg.iterations)")
        #expect(relativeResidual(problem.matrix, dcdm.solution, b) <= 1e-6)
    }
}

/// Grid sizes beyond memory are refused before allocating (issue 19: `dcdm --grid 100000 --dimensions 3`).
@Suite struct GridPoissonProblemSizeTests {
    @Test func hugeGridsAreRefused() {
        #expect(throws: MemoryBudgetError.self) { _ = try GridPoissonProblem(size: 100_000, spatialRank: 3) }
        #expect(throws: MemoryBudgetError.self) { _ = try GridPoissonProblem(dimensions: [3_037_000_500, 3_037_000_500]) }
    }
}
