import Foundation
import Testing
import TensorCore
import AutoDiff
import NeuralLayers

/// Losses against closed forms, optimizers on problems with known minima, and learning a small problem.
@Suite struct TrainingTests {
    @Test func relativeLossesMatchClosedForms() {
        let n = 64
        let grid = (0..<n).map { Double($0) / Double(n) }
        let target = Tensor<Double>(uncheckedShape: [1, n], scalars: grid.map { sin(2 * .pi * $0) })
        let prediction = Tensor<Double>(uncheckedShape: [1, n], scalars: grid.map { sin(2 * .pi * $0) + 0.1 * sin(4 * .pi * $0) })
        // ‖0.1 sin(4πx)‖/‖sin(2πx)‖ = 0.1 in L2; in H1 the weights are 1 + (2πk)² with k = 2 and 1.
        let l2 = Loss.relativeLp(Variable(prediction), Variable(target)).value.scalar
        #expect(abs(l2 - 0.1) < 1e-12)
        let h1 = Loss.relativeH1(Variable(prediction), Variable(target), spatialDimensions: 1).value.scalar
        let expected = 0.1 * ((1 + pow(4 * .pi, 2)) / (1 + pow(2 * .pi, 2))).squareRoot()
        #expect(abs(h1 - expected) < 1e-10)
        let mse = Loss.meanSquaredError(Variable(prediction), Variable(target)).value.scalar
        #expect(abs(mse - 0.005) < 1e-12)   // mean of 0.01 sin²(4πx) = 0.005
        let l1 = Loss.relativeLp(Variable(prediction), Variable(target), p: 1).value.scalar
        #expect(l1 > 0.05 && l1 < 0.15)
        // Gradients of the relative losses.
        var generator = SeededRandomNumberGenerator(seed: 5)
        let u = Tensor<Double>.normal([2, 8, 6], using: &generator), v = Tensor<Double>.normal([2, 8, 6], using: &generator)
        #expect(GradientCheck.check(at: [u]) { Loss.relativeH1($0[0], Variable(v), spatialDimensions: 2) }.maximumError < 1e-6)
        #expect(GradientCheck.check(at: [u]) { Loss.relativeLp($0[0], Variable(v)) }.maximumError < 1e-6)
    }

    /// A sample predicted exactly has a zero difference, where the norm's root has an infinite derivative:
    /// before, the chain rule made it ∞ · 0 = NaN and the whole gradient NaN (training on one sample, or on
    /// identical targets, stopped with "non-finite gradient (the loss was 0.0)"). The subgradient 0 is what
    /// central differences see at the kink, so the check against them holds with one sample exact and one not.
    @Test func anExactPredictionHasAFiniteGradientInEveryRelativeLoss() throws {
        var generator = SeededRandomNumberGenerator(seed: 9)
        let target = Tensor<Double>.normal([2, 8, 6], using: &generator)
        var prediction = target
        for k in 48..<96 { prediction.scalars[k] += 0.1 * Double(k % 7 - 3) }   // sample 1 off by a field, sample 0 exact
        let losses: [(String, (Variable<Double>) -> Variable<Double>)] = [
            ("relative L2", { Loss.relativeLp($0, Variable(target)) }),
            ("relative L1", { Loss.relativeLp($0, Variable(target), p: 1) }),
            ("relative H1", { Loss.relativeH1($0, Variable(target), spatialDimensions: 2) }),
        ]
        for (name, loss) in losses {
            let check = GradientCheck.check(at: [prediction]) { loss($0[0]) }
            #expect(check.maximumError < 1e-6, "\(name): \(check)")
            let exact = Variable.leaf(target)
            let gradient = gradients(of: loss(exact), withRespectTo: [exact])[0].value
            #expect(gradient.scalars.allSatisfy { $0 == 0 }, "\(name) at an exact prediction: \(gradient.scalars.prefix(4))")
        }
    }

    @Test func schedules() {
        #expect(LearningRateSchedule.step(stepSize: 100, gamma: 0.5).learningRate(atStep: 250, base: 1e-3) == 2.5e-4)
        let cosine = LearningRateSchedule.cosine(totalSteps: 100, minimumLearningRate: 0)
        #expect(abs(cosine.learningRate(atStep: 50, base: 2) - 1) < 1e-12)
        #expect(abs(cosine.learningRate(atStep: 100, base: 2)) < 1e-12)
        let cycle = LearningRateSchedule.oneCycle(totalSteps: 100, warmupFraction: 0.3, divFactor: 25, finalDivFactor: 1e4)
        #expect(abs(cycle.learningRate(atStep: 0, base: 1) - 0.04) < 1e-12)
        #expect(abs(cycle.learningRate(atStep: 30, base: 1) - 1) < 1e-12)
        #expect(abs(cycle.learningRate(atStep: 100, base: 1) - 4e-6) < 1e-12)
    }

    func rosenbrock(_ p: Parameter<Double>) -> Variable<Double> {
        let v = p.variable
        let x = v.sliced(alongAxis: 0, 0..<1), y = v.sliced(alongAxis: 0, 1..<2)
        return ((1 - x).squared() + (y - x * x).squared() * 100).sum()
    }

    @Test func adamAndLBFGSMinimizeRosenbrock() {
        let adamPoint = Parameter(Tensor<Double>([-1.2, 1]))
        let adam = Adam<Double>(learningRate: 0.02)
        for _ in 0..<6000 {
            adamPoint.zeroGradient()
            rosenbrock(adamPoint).backward()
            adam.step([adamPoint])
        }
        #expect(abs(adamPoint.value[0] - 1) < 1e-2 && abs(adamPoint.value[1] - 1) < 2e-2, "Adam ended at \(adamPoint.value.scalars)")
        let point = Parameter(Tensor<Double>([-1.2, 1]))
        let report = LBFGS<Double>(historySize: 10).minimize([point], maximumIterations: 200) {
            let loss = rosenbrock(point)
            loss.backward()
            return loss.value.scalar
        }
        #expect(abs(point.value[0] - 1) < 1e-6 && abs(point.value[1] - 1) < 1e-6, "L-BFGS: \(report.outcome) at \(point.value.scalars)")
        #expect(report.iterations < 100)
    }

    @Test func sgdWithMomentumSolvesLeastSquares() {
        // min ‖A w − b‖² / m has the normal-equation solution; compare with it.
        var generator = SeededRandomNumberGenerator(seed: 6)
        let a = Tensor<Double>.normal([40, 3], using: &generator)
        let truth = Tensor<Double>(uncheckedShape: [3, 1], scalars: [1.5, -2, 0.5])
        let b = Tensor.matmul(a, truth) + Tensor<Double>.normal([40, 1], standardDeviation: 0.01, using: &generator)
        let w = Parameter(Tensor<Double>.zeros([3, 1]))
        let sgd = SGD<Double>(learningRate: 0.05, momentum: 0.9)
        for _ in 0..<500 {
            w.zeroGradient()
            Loss.meanSquaredError(Variable.matmul(Variable(a), w.variable), Variable(b)).backward()
            sgd.step([w])
        }
        // Normal equations (AᵀA) w = Aᵀb solved by Gaussian elimination.
        var m = Tensor.matmul(a, a, transposeA: true).scalars, r = Tensor.matmul(a, b, transposeA: true).scalars
        for i in 0..<3 { for j in (i + 1)..<3 {
            let f = m[j * 3 + i] / m[i * 3 + i]
            for k in 0..<3 { m[j * 3 + k] -= f * m[i * 3 + k] }
            r[j] -= f * r[i]
        } }
        var exact = [0.0, 0.0, 0.0]
        for i in stride(from: 2, through: 0, by: -1) {
            var s = r[i]
            for k in (i + 1)..<3 { s -= m[i * 3 + k] * exact[k] }
            exact[i] = s / m[i * 3 + i]
        }
        for i in 0..<3 { #expect(abs(w.value.scalars[i] - exact[i]) < 1e-6, "w[\(i)] = \(w.value.scalars[i]) vs \(exact[i])") }
        // AdamW decays weights towards zero when the gradient vanishes.
        let decaying = Parameter(Tensor<Double>([1]))
        let adamW = Adam<Double>.adamW(learningRate: 0.1, weightDecay: 0.5)
        decaying.gradient = Tensor([0])
        adamW.step([decaying])
        #expect(abs(decaying.value[0] - 0.95) < 1e-12)
    }

    @Test func lbfgsBeatsAdamOnASmoothConvexProblem() {
        // Logistic regression on separable-ish data: same budget of gradient evaluations.
        var generator = SeededRandomNumberGenerator(seed: 7)
        let x = Tensor<Double>.normal([200, 5], using: &generator)
        let trueWeights = Tensor<Double>(uncheckedShape: [5, 1], scalars: [1, -2, 0.5, 3, -1])
        let labels = Tensor.matmul(x, trueWeights).map { $0 > 0 ? 1 : 0 }
        func loss(_ w: Parameter<Double>) -> Variable<Double> {
            let z = Variable.matmul(Variable(x), w.variable)
            // log(1 + e^z) − y z, plus a small ridge term so the minimum is unique.
            return ((z.exp() + 1).log() - z * labels).mean() + (w.variable * w.variable).sum() * 0.01
        }
        let budget = 60
        let adamWeights = Parameter(Tensor<Double>.zeros([5, 1]))
        let adam = Adam<Double>(learningRate: 0.1)
        for _ in 0..<budget {
            adamWeights.zeroGradient()
            loss(adamWeights).backward()
            adam.step([adamWeights])
        }
        let adamLoss = loss(adamWeights).value.scalar
        let lbfgsWeights = Parameter(Tensor<Double>.zeros([5, 1]))
        let optimizer = LBFGS<Double>()
        var evaluations = 0
        _ = optimizer.minimize([lbfgsWeights], maximumIterations: budget) {
            evaluations += 1
            let value = loss(lbfgsWeights)
            value.backward()
            return value.value.scalar
        }
        let lbfgsLoss = loss(lbfgsWeights).value.scalar
        #expect(evaluations <= budget * 3)
        #expect(lbfgsLoss < adamLoss - 1e-4, "L-BFGS \(lbfgsLoss) vs Adam \(adamLoss)")
    }

    @Test func mlpFitsSine() {
        // A 2-layer tanh network fits sin(x) on [−π, π] below 1e-3 MSE (Float32).
        var generator = SeededRandomNumberGenerator(seed: 8)
        let model = MultilayerPerceptron<Float>(widths: [1, 32, 32, 1], activation: .tanh, generator: &generator)
        let points = (0..<128).map { -Float.pi + 2 * Float.pi * Float($0) / 127 }
        let x = Tensor<Float>(uncheckedShape: [128, 1], scalars: points)
        let y = Tensor<Float>(uncheckedShape: [128, 1], scalars: points.map { sinf($0) })
        let optimizer = Adam<Float>(learningRate: 1e-2)
        let schedule = LearningRateSchedule.cosine(totalSteps: 1500, minimumLearningRate: 1e-4)
        for step in 0..<1500 {
            optimizer.learningRate = schedule.learningRate(atStep: step, base: 1e-2)
            model.zeroGradients()
            Loss.meanSquaredError(model(Variable(x)), Variable(y)).backward()
            optimizer.step(model.parameters)
        }
        let mse = Loss.meanSquaredError(Variable(model.inference(x)), Variable(y)).value.scalar
        #expect(mse < 1e-3, "MSE \(mse)")
    }
}
