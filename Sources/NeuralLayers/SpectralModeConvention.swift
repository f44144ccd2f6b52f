/// Where a spectral convolution puts the product of a retained mode on a grid with an odd leading axis.
///
/// Both conventions keep the same frequencies, `−m…m−1` on every axis but the last and `0…m_d−1`
/// on the last, and agree on every grid whose leading axes have even sizes. They differ on a
/// leading axis of odd size `n`:
/// ```
/// pdekit:          Y_k   = R_k X_k                     (the product of frequency k lands on k)
/// neuraloperator:  Y_k−1 = R_k X_k  on each odd leading axis
/// ```
/// neuraloperator's `SpectralConv` (0.3 to 2.x) selects the kept modes after `fftshift` and puts
/// the result back with `fftshift` again instead of `ifftshift`. For even `n` the two shifts are
/// inverses; for odd `n` two `fftshift`s roll by `2⌊n/2⌋ = n − 1`, one index down, so every output
/// mode sits one frequency lower on that axis (a 2-D model trained at 64² and applied at 29² differs
/// from PDEKit's convention by about 30 %). Imported neuraloperator models use `.neuraloperator`
/// so that they give PyTorch's outputs at every resolution.
public enum SpectralModeConvention: String, Codable, Sendable, CaseIterable {
    /// The product of frequency `k` lands on frequency `k` (translation-equivariant on every grid; PDEKit's default).
    case pdekit
    /// neuraloperator's: on every leading axis of odd size the product of frequency `k` lands on `k − 1`.
    case neuraloperator

    /// Per axis, the amount by which the output modes of frequency `k` are moved (`0` or `−1`) on a
    /// grid of `spatialSize` (the last axis, the halved one of the real FFT, never moves).
    public func outputFrequencyShifts(spatialSize: [Int]) -> [Int] {
        spatialSize.enumerated().map { axis, n in
            self == .neuraloperator && axis < spatialSize.count - 1 && n % 2 == 1 ? -1 : 0
        }
    }
}
