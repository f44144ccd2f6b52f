/// The neural-operator families the trainer and checkpoints know, stored in checkpoint metadata
/// under `pdekit.model.kind` (checkpoints without the key are FNO ones, as written before MgNO).
public enum OperatorKind: String, Codable, Sendable, CaseIterable {
    case fno, mgno
}
