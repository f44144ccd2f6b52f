/// Errors producing a plot; each prints as one line.
public enum PlotError: Error, Equatable, CustomStringConvertible {
    /// The data given cannot be drawn (empty, mismatched lengths, wrong panel size).
    case invalidData(String)
    /// libpng failed to encode the image.
    case encodingFailed(String)
    /// The file could not be written.
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidData(let reason): return "cannot plot: \(reason)"
        case .encodingFailed(let reason): return "PNG encoding failed: \(reason)"
        case .unwritable(let path, let reason): return "cannot write plot \(path): \(reason)"
        }
    }
}
