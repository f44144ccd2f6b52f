/// The PDEKit release version, recorded in dataset and checkpoint metadata.
public enum PDEKitVersion {
    /// Semantic version string of this build of PDEKit.
    public static let string = "0.1.0"
}
