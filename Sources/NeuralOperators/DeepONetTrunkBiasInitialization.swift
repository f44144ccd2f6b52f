/// How the biases of the trunk net's first layer start.
///
/// First-layer trunk unit `j` computes `σ(w_j · y + b_j)`; with ReLU its kink is the hyperplane `w_j · y = −b_j`.
/// ```
/// zeros:        b_j = 0                       (every kink passes through y = 0)
/// spreadKinks:  b_j = −w_j · c_j,  c_j ~ U(box)   (kink j passes through a uniform point c_j of the input box)
/// ```
/// With zero biases (DeepXDE's choice) and standardised coordinates all kinks start at the centre of the domain;
/// with raw coordinates in `[0, 1]` they start at the corner, and every unit with `w_j < 0` is dead for all
/// `y ≥ 0` from step 0. Spreading the kinks over the box keeps the same weights (Glorot) and architecture
/// but gives the trunk a piecewise-linear basis with breakpoints over the whole domain from the first step.
/// (The idea of placing ReLU breakpoints over the data range is the usual one for 1-D ReLU networks;
/// it is not DeepXDE's default.)
public enum DeepONetTrunkBiasInitialization: Sendable, Equatable {
    /// `b = 0` (DeepXDE).
    case zeros
    /// `b_j = −w_j · c_j` with `c_j` uniform in the box `[lower, upper]` (one bound per trunk coordinate, in the
    /// coordinates the trunk sees, i.e. after standardisation when the inputs are standardised).
    case spreadKinks(lower: [Double], upper: [Double])
}
