import TestSupport
import Testing
import TensorCore
import AutoDiff
import NeuralOperators

/// MgNO's checked entries refuse every input shape ``MgNO/validate(inputShape:)`` rejects with a typed
/// error (`callAsFunction` would trap), and give `inference`'s values on the shapes it accepts, as
/// FNO's ``FourierNeuralOperator/predict(_:)``.
@Suite struct MgNOInputShapeTests {
    @Test func predictThrowsOnEveryRejectedShapeAndMatchesInferenceOtherwise() throws {
        var generator = SeededRandomNumberGenerator(seed: 5)
        let strict = MgNOConfiguration(inputChannels: 2, channels: 4, layers: 1, levels: 3, gridPolicy: .requireDivisible)
        let model = try MgNO<Float>(configuration: strict, generator: &generator)
        let rejected: [[Int]] = [
            [1, 1, 8, 8],        // channels
            [1, 2, 8],           // rank
            [1, 2, 8, 8, 8],     // rank
            [1, 2, 0, 8],        // empty axis
            [0, 2, 8, 8],        // empty batch
            [1, 2, 6, 8],        // 6 is not a multiple of 2^(3−1)
        ]
        for shape in rejected {
            #expect(throws: MgNOError.self, "\(shape)") { try model.predict(Tensor<Float>.zeros(shape)) }
            #expect(throws: MgNOError.self, "\(shape)") { try model.apply(Variable(Tensor<Float>.zeros(shape))) }
        }
        let input = Tensor<Float>.normal([2, 2, 8, 12], using: &generator)
        let checked = try model.predict(input)
        let unchecked = model.inference(input)
        #expect(checked.shape == [2, 1, 8, 12])
        let difference = zip(checked.scalars, unchecked.scalars).map { abs($0 - $1) }.maxOrNaN()
        #expect(difference == 0, "\(String(describing: difference))")
    }
}
