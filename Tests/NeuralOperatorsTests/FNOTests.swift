import TestSupport
import Foundation
import Testing
import TensorCore
import AutoDiff
import NeuralLayers
import NeuralOperators

/// FNO: shapes in 1/2/3-D, resolution independence, gradients reaching every parameter (against
/// Float64 central differences), configuration round trips, typed shape errors, and learning the
/// antiderivative operator to a stated accuracy.
@Suite struct FNOTests {
    @Test func shapesInOneTwoAndThreeDimensions() throws {
        var generator = SeededRandomNumberGenerator(seed: 1)
        let cases: [(FNOConfiguration, [Int])] = [
            (FNOConfiguration(modes: [4], inputChannels: 2, outputChannels: 3, width: 6, layerCount: 2), [16]),
            (FNOConfiguration(modes: [3, 3], width: 5, layerCount: 2, domainPadding: 0.25), [8, 10]),
            (.neuraloperatorDefaults(modes: [2, 2, 2], width: 4, layerCount: 1), [4, 6, 4]),
        ]
        for (configuration, spatial) in cases {
            let model = try FourierNeuralOperator<Float>(configuration, generator: &generator)
            let input = Tensor<Float>.normal([2, configuration.inputChannels] + spatial, using: &generator)
            let output = try model.predict(input)
            #expect(output.shape == [2, configuration.outputChannels] + spatial)
            #expect(output.isFinite)
            // Zero-shot super-resolution: the same weights on a grid twice as fine.
            let fine = Tensor<Float>.normal([1, configuration.inputChannels] + spatial.map { 2 * $0 }, using: &generator)
            #expect(try model.predict(fine).shape == [1, configuration.outputChannels] + spatial.map { 2 * $0 })
        }
    }

    @Test func domainPaddingRoundsUpToLengthsWithSmallPrimeFactors() throws {
        // Brute force: the smallest m ≥ n with no prime factor above 7.
        func largestPrimeFactor(_ n: Int) -> Int {
            var rest = n, largest = 1, factor = 2
            while factor * factor <= rest {
                while rest % factor == 0 { largest = factor; rest /= factor }
                factor += 1
            }
            return rest > 1 ? max(largest, rest) : largest
        }
        for n in 1...300 {
            let m = FourierNeuralOperator<Float>.smoothLength(atLeast: n)
            #expect(m >= n && largestPrimeFactor(m) <= 7)
            #expect((n..<m).allSatisfy { largestPrimeFactor($0) > 7 }, "\(m) is not the smallest for \(n)")
        }
        var generator = SeededRandomNumberGenerator(seed: 5)
        let padded = try FourierNeuralOperator<Float>(.darcy, generator: &generator)
        // The paper's s = 85 pads 9 to 94 = 2·47; PDEKit pads 11 to 96 = 2⁵·3. Sizes already smooth keep 10%.
        #expect(padded.paddingWidths(spatialSize: [85, 85]) == [11, 11])
        #expect(padded.paddingWidths(spatialSize: [64, 33]) == [6, 3])
        let periodic = try FourierNeuralOperator<Float>(.burgers, generator: &generator)
        #expect(periodic.paddingWidths(spatialSize: [1023]) == [0])
    }

    @Test func badShapesThrowTypedErrors() throws {
        var generator = SeededRandomNumberGenerator(seed: 2)
        let model = try FourierNeuralOperator<Float>(FNOConfiguration(modes: [4, 4], width: 4, layerCount: 1), generator: &generator)
        #expect(throws: FNOError.self) { try model.predict(.zeros([1, 2, 8, 8])) }   // channels
        #expect(throws: FNOError.self) { try model.predict(.zeros([1, 1, 8])) }      // rank
        #expect(throws: FNOError.self) { try model.predict(.zeros([1, 1, 6, 8])) }   // 2·4 modes > 6
        #expect(throws: FNOError.self) { try FourierNeuralOperator<Float>(FNOConfiguration(modes: [0], width: 4), generator: &generator) }
    }

    @Test func configurationRoundTripsThroughJSON() throws {
        for configuration in [FNOConfiguration.darcy, .burgers, .neuraloperatorDefaults(modes: [12, 12], width: 32)] {
            let data = try JSONEncoder().encode(configuration)
            #expect(try JSONDecoder().decode(FNOConfiguration.self, from: data) == configuration)
        }
        #expect(FNOConfiguration.darcy.modes == [12, 12] && FNOConfiguration.darcy.width == 32 && FNOConfiguration.darcy.layerCount == 4)
        #expect(FNOConfiguration.burgers.modes == [16] && FNOConfiguration.burgers.width == 64)
    }

    @Test(arguments: [false, true])
    func gradientsReachEveryParameter(channelMLP: Bool) throws {
        var generator = SeededRandomNumberGenerator(seed: 3)
        var configuration = FNOConfiguration(modes: [2, 2], inputChannels: 1, outputChannels: 2, width: 3, layerCount: 2,
                                             liftingChannels: 4, projectionChannels: 4, domainPadding: 0.2)
        if channelMLP { configuration.useChannelMLP = true; configuration.spectralBias = true }
        let model = try FourierNeuralOperator<Double>(configuration, generator: &generator)
        let input = Tensor<Double>.normal([2, 1, 5, 6], using: &generator)
        let probe = Tensor<Double>.normal([2, 2, 5, 6], using: &generator)
        model.zeroGradients()
        (model(Variable(input)) * probe).sum().backward()
        let names = model.namedParameters.map(\.name)
        #expect(Set(names).count == names.count)
        for (name, parameter) in model.namedParameters {
            guard let analytic = parameter.gradient else { Issue.record("no gradient for \(name)"); continue }
            #expect(analytic.scalars.contains { $0 != 0 }, "zero gradient for \(name)")
            let base = parameter.value
            var worst = 0.0
            for i in stride(from: 0, to: base.count, by: max(1, base.count / 6)) {
                func loss(_ delta: Double) -> Double {
                    parameter.value.scalars[i] = base.scalars[i] + delta
                    defer { parameter.value = base }
                    return (model.inference(input) * probe).sum()
                }
                let numeric = (loss(1e-6) - loss(-1e-6)) / 2e-6
                worst = maxOrNaN(worst, abs(numeric - analytic.scalars[i]) / max(1, abs(numeric)))
            }
            #expect(worst < 1e-6, "\(name): gradient error \(worst)")
        }
    }

    /// `u = Σ a_k cos 2πkx + b_k sin 2πkx`, `v = Σ (a_k sin 2πkx − b_k cos 2πkx)/(2πk)`: the zero-mean
    /// antiderivative, exact on the grid.
    static func antiderivativePairs(count: Int, points: Int, generator: inout SeededRandomNumberGenerator) -> (Tensor<Float>, Tensor<Float>) {
        var u = [Float](), v = [Float]()
        for _ in 0..<count {
            let coefficients = (1...4).map { k in (Double.random(in: -1...1, using: &generator) / Double(k), Double.random(in: -1...1, using: &generator) / Double(k)) }
            for j in 0..<points {
                let x = Double(j) / Double(points)
                var uj = 0.0, vj = 0.0
                for (index, (a, b)) in coefficients.enumerated() {
                    let w = 2 * Double.pi * Double(index + 1)
                    uj += a * cos(w * x) + b * sin(w * x)
                    vj += (a * sin(w * x) - b * cos(w * x)) / w
                }
                u.append(Float(uj)); v.append(Float(vj))
            }
        }
        return (Tensor(uncheckedShape: [count, 1, points], scalars: u), Tensor(uncheckedShape: [count, 1, points], scalars: v))
    }

    @Test func learnsTheAntiderivativeOperator() throws {
        var generator = SeededRandomNumberGenerator(seed: 4)
        let (u, v) = Self.antiderivativePairs(count: 64, points: 32, generator: &generator)
        let (uTest, vTest) = Self.antiderivativePairs(count: 16, points: 32, generator: &generator)
        let configuration = FNOConfiguration(modes: [6], width: 12, layerCount: 2, projectionChannels: 16, appendGrid: false)
        let model = try FourierNeuralOperator<Float>(configuration, generator: &generator)
        let optimizer = Adam<Float>(learningRate: 1e-2)
        let steps = 300
        for step in 0..<steps {
            optimizer.learningRate = LearningRateSchedule.cosine(totalSteps: steps, minimumLearningRate: 1e-4).learningRate(atStep: step, base: 1e-2)
            let start = (step * 16) % 64
            let x = Variable(u.sliced(alongAxis: 0, start..<(start + 16))), y = Variable(v.sliced(alongAxis: 0, start..<(start + 16)))
            model.zeroGradients()
            Loss.relativeLp(model(x), y).backward()
            optimizer.step(model.parameters)
        }
        let error = GradientRecording.withoutRecording { Loss.relativeLp(Variable(model.inference(uTest)), Variable(vTest)).value.scalar }
        #expect(error < 0.03, "test relative L2 \(error)")
        // Zero-shot super-resolution: the learned operator on a grid twice as fine.
        var fineGenerator = SeededRandomNumberGenerator(seed: 5)
        let (uFine, vFine) = Self.antiderivativePairs(count: 16, points: 64, generator: &fineGenerator)
        let fineError = GradientRecording.withoutRecording { Loss.relativeLp(Variable(model.inference(uFine)), Variable(vFine)).value.scalar }
        #expect(fineError < 0.05, "super-resolution relative L2 \(fineError)")
    }
}
