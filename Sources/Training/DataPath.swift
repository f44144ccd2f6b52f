// The data path (pair loading, splits, `FieldPairs`, the unit-Gaussian normalizer) lives in Datasets;
// Training re-exports it so that its users see one module.
@_exported import Datasets
import TensorCore

/// The pointwise unit-Gaussian normalizer of FNO/MgNO training: ``UnitGaussianNormalizer`` with its
/// default `.pointwise` statistics (ε = 1e-5, unbiased σ). Checkpoints store its `mean` and
/// `standardDeviation` as `normalizer.{input,target}.{mean,std}`.
public typealias PointwiseNormalizer<Scalar: TensorScalar> = UnitGaussianNormalizer<Scalar>
