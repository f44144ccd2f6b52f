import TensorCore

/// Compares reverse-mode gradients with central finite differences in Float64.
///
/// For a scalar function `f` of several tensors, each partial derivative is estimated as
/// ```
/// ∂f/∂xᵢ ≈ (f(x + h eᵢ) − f(x − h eᵢ)) / (2h)        (error O(h²))
/// ```
/// and compared with `gradients(of: f(x), withRespectTo: x)`.
public enum GradientCheck {
    /// The result of a check: the largest error relative to `max(1, |finite difference|)`; NaN when
    /// any analytic or numeric derivative is NaN (so `maximumError < tolerance` fails).
    public struct Result: Sendable, CustomStringConvertible {
        public let maximumError: Double
        public let worstInput: Int
        public let worstIndex: Int
        public var description: String { "max error \(maximumError) at input \(worstInput), element \(worstIndex)" }
    }

    /// Checks the gradient of `function` at `inputs`.
    public static func check(
        at inputs: [Tensor<Double>], stepSize: Double = 1e-6,
        _ function: ([Variable<Double>]) -> Variable<Double>
    ) -> Result {
        let leaves = inputs.map { Variable.leaf($0) }
        let output = function(leaves)
        precondition(output.value.count == 1, "GradientCheck needs a scalar function")
        let analytic = gradients(of: output, withRespectTo: leaves).map(\.value)
        var worst = Result(maximumError: 0, worstInput: -1, worstIndex: -1)
        for input in 0..<inputs.count {
            for index in 0..<inputs[input].count {
                func evaluate(_ delta: Double) -> Double {
                    var perturbed = inputs
                    perturbed[input].scalars[index] += delta
                    // Leaves, not constants: `function` may itself differentiate its inputs.
                    return function(perturbed.map { Variable.leaf($0) }).value.scalars[0]
                }
                let numeric = (evaluate(stepSize) - evaluate(-stepSize)) / (2 * stepSize)
                let error = Swift.abs(numeric - analytic[input].scalars[index]) / Swift.max(1, Swift.abs(numeric))
                // A NaN error (NaN pullback or NaN function value) is the worst possible: it wins and stays.
                if worst.worstInput < 0 || (!worst.maximumError.isNaN && (error.isNaN || error > worst.maximumError)) {
                    worst = Result(maximumError: error, worstInput: input, worstIndex: index)
                }
            }
        }
        return worst
    }
}
