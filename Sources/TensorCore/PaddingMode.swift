/// How values outside a tensor's bounds are defined when it is padded.
///
/// For a PDE grid these are boundary conditions: `.zero` is homogeneous Dirichlet data,
/// `.circular` is periodic, `.replicate` copies the edge value (a first-order homogeneous
/// Neumann condition), and `.reflect` mirrors about the edge point without repeating it
/// (`x₋ᵢ = xᵢ`, PyTorch's `'reflect'`; a symmetric, second-order homogeneous Neumann condition;
/// widths must be below the axis size).
public enum PaddingMode: String, Codable, Sendable, CaseIterable {
    case zero
    case circular
    case replicate
    case reflect

    /// The source index for position `index` (which may lie outside `0..<size`), or `-1` for a zero.
    @inlinable
    public func sourceIndex(_ index: Int, size: Int) -> Int {
        if index >= 0 && index < size { return index }
        switch self {
        case .zero: return -1
        case .circular: return ((index % size) + size) % size
        case .replicate: return index < 0 ? 0 : size - 1
        case .reflect: return index < 0 ? -index : 2 * (size - 1) - index
        }
    }
}
