// Placeholder: replaced by the foundation work.
public enum TensorCoreVersion { public static let string = "0.1.0" }
