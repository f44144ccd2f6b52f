import Foundation
import Testing
import TensorCore
import AutoDiff

/// The gradient check itself: a NaN anywhere must fail it, not be skipped by a `max`.
@Suite struct GradientCheckNaNTests {
    /// `Σ x²` whose pullback returns `2x` with NaN in one entry (a broken operation).
    func squareWithBrokenPullback(_ x: Variable<Double>, nanAt index: Int) -> Variable<Double> {
        let value = x.value.scalars.map { $0 * $0 }
        let squared = Variable.recording(Tensor(uncheckedShape: x.value.shape, scalars: value), operation: "brokenSquare", inputs: [x]) { g in
            var scalars = zip(g.value.scalars, x.value.scalars).map { 2 * $0 * $1 }
            scalars[index] = .nan
            return [Variable(Tensor(uncheckedShape: x.value.shape, scalars: scalars))]
        }
        return squared.sum()
    }

    @Test func aCorrectPullbackPasses() {
        let input = Tensor<Double>([0.5, -1.25, 2])
        let result = GradientCheck.check(at: [input]) { ($0[0] * $0[0]).sum() }
        #expect(result.maximumError < 1e-8, "\(result)")
    }

    @Test(arguments: [0, 1, 2])
    func aNaNPullbackFailsTheCheck(index: Int) {
        // The NaN entry is first, in the middle or last: the result must be NaN whatever entries follow.
        let input = Tensor<Double>([0.5, -1.25, 2])
        let result = GradientCheck.check(at: [input]) { squareWithBrokenPullback($0[0], nanAt: index) }
        #expect(result.maximumError.isNaN, "\(result)")
        #expect(result.worstIndex == index)
        #expect(!(result.maximumError < 1e-6), "a NaN gradient must not pass a tolerance check")
    }

    @Test func aNaNFunctionValueFailsTheCheck() {
        // f(x) = Σ x · NaN: both the numeric and the analytic derivatives are NaN.
        let result = GradientCheck.check(at: [Tensor<Double>([1, 2])]) { ($0[0] * Double.nan).sum() }
        #expect(result.maximumError.isNaN)
    }
}
