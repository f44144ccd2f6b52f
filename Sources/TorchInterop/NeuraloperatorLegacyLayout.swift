/// The state-dict layout of neuraloperator 0.x (checked against 0.3.0 with tensorly-torch 0.5), rewritten
/// into the per-layer layout of 1.x/2.x that `NeuraloperatorFNO` maps.
///
/// neuraloperator 0.3 keeps one `SpectralConv` for all blocks and builds every 1×1 map as an
/// `nn.Conv{d}d`. Its keys and shapes (`L` blocks, `C` channels, `K…` kept modes as in 2.x, `d` axes):
/// ```
/// 0.3                                                     1.x / 2.x
/// fno_blocks.convs.weight.{i}.tensor   [C,C,K…,2] real    fno_blocks.convs.{i}.weight  [C,C,K…] complex
/// fno_blocks.convs.weight.tensor       [L,C,C,K…,2] real  (joint_factorization=True: stacked over blocks)
/// fno_blocks.convs.bias                [L,C,1…]           fno_blocks.convs.{i}.bias    [C,1…]
/// fno_blocks.fno_skips.{i}.weight      [C,C,1…]           fno_blocks.fno_skips.{i}.conv.weight [C,C,1]
/// lifting|projection.fcs.{j}.weight    [o,i,1…]           lifting|projection.fcs.{j}.weight    [o,i,1]
/// ```
/// tensorly-torch stores a complex parameter as its real view (a trailing axis of 2: real, imaginary);
/// a complex tensor in that place is read too. 0.3's model appends no grid (its data pipeline does),
/// so `in_channels` counts any grid channels; its spectral transforms and fftshifted mode order are
/// those of 2.x.
///
/// 0.x's channel MLP (`use_mlp=True`) keeps its 1.0 names, `fno_blocks.mlp.{i}.fcs.{j}.weight`
/// `[o,i,1…]` (flattened to `[o,i,1]` here) and the soft gate `fno_blocks.mlp_skips.{i}.weight`; its
/// blocks apply the activation before the last block's MLP too (`FNOChannelMLPInputActivation.everyBlock`)
/// and its MLP always uses GELU.
enum NeuraloperatorLegacyLayout {
    /// Whether `names` are the 0.x layout (a `fno_blocks.convs.weight…` or a stacked `fno_blocks.convs.bias`).
    static func isLegacy(_ names: Set<String>) -> Bool {
        names.contains("fno_blocks.convs.bias") || names.contains { $0.hasPrefix("fno_blocks.convs.weight") }
    }

    /// The tensors of a 0.x state dict under 1.x/2.x names and shapes.
    static func rewritten(_ tensors: [(name: String, tensor: TorchTensor)]) throws(TorchInteropError) -> [(name: String, tensor: TorchTensor)] {
        let names = Set(tensors.map(\.name))
        if let factorized = names.first(where: { $0.hasPrefix("fno_blocks.convs.weight.") && !$0.hasSuffix(".tensor") }) {
            throw .unsupportedModel("factorized spectral weights (TFNO: Tucker/CP/TT, key \(factorized)) are not supported; use a dense FNO (factorization=None)")
        }
        var result: [(name: String, tensor: TorchTensor)] = []
        for (name, tensor) in tensors {
            let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            switch parts {
            case ["fno_blocks", "convs", "weight", "tensor"]:
                let stacked = try complexView(tensor, name: name)
                guard stacked.shape.count >= 4 else {
                    throw .tensorMismatch(name: name, detail: "expected [layers, in, out, modes…] (joint factorization), found \(tensor.shape)")
                }
                for (i, layer) in split(stacked).enumerated() { result.append(("fno_blocks.convs.\(i).weight", layer)) }
            case _ where parts.count == 5 && parts[0...2] == ["fno_blocks", "convs", "weight"] && parts[4] == "tensor" && Int(parts[3]) != nil:
                result.append(("fno_blocks.convs.\(parts[3]).weight", try complexView(tensor, name: name)))
            case ["fno_blocks", "convs", "bias"]:
                guard tensor.shape.count >= 2, !tensor.elementType.isComplex else {
                    throw .tensorMismatch(name: name, detail: "expected a real [layers, channels, 1…] bias, found \(tensor.elementType.rawValue) \(tensor.shape)")
                }
                for (i, layer) in split(tensor).enumerated() { result.append(("fno_blocks.convs.\(i).bias", layer)) }
            case _ where parts.count == 4 && parts[0...1] == ["fno_blocks", "fno_skips"] && parts[3] == "weight":
                result.append(("fno_blocks.fno_skips.\(parts[2]).conv.weight", try flattenedConvolution(tensor, name: name)))
            case _ where parts.count == 4 && parts[1] == "fcs" && parts[3] == "weight",
                 _ where parts.count == 6 && parts[0...1] == ["fno_blocks", "mlp"] && parts[3] == "fcs" && parts[5] == "weight":
                result.append((name, try flattenedConvolution(tensor, name: name)))
            default:
                result.append((name, tensor))
            }
        }
        return result
    }

    /// A tensorly-torch real view `[…, 2]` as the complex tensor `[…]` (interleaved pairs are the same
    /// scalars); complex tensors pass unchanged.
    static func complexView(_ tensor: TorchTensor, name: String) throws(TorchInteropError) -> TorchTensor {
        if tensor.elementType.isComplex { return tensor }
        guard tensor.elementType == .float32 || tensor.elementType == .float64, tensor.shape.last == 2 else {
            throw .tensorMismatch(name: name, detail: "expected complex weights or their real view [..., 2], found \(tensor.elementType.rawValue) \(tensor.shape)")
        }
        return TorchTensor(shape: Array(tensor.shape.dropLast()), elementType: .complex64, scalars: tensor.scalars)
    }

    /// The slices `t[i]` of a tensor along its first axis.
    static func split(_ tensor: TorchTensor) -> [TorchTensor] {
        let count = tensor.shape[0], rest = Array(tensor.shape.dropFirst())
        let size = tensor.scalars.count / max(count, 1)
        return (0..<count).map { i in
            TorchTensor(shape: rest, elementType: tensor.elementType, scalars: Array(tensor.scalars[(i * size)..<((i + 1) * size)]))
        }
    }

    /// An `nn.Conv{d}d` 1×1 weight `[out, in, 1, …, 1]` as the 1.x/2.x `[out, in, 1]`.
    static func flattenedConvolution(_ tensor: TorchTensor, name: String) throws(TorchInteropError) -> TorchTensor {
        guard tensor.shape.count >= 3, tensor.shape.dropFirst(2).allSatisfy({ $0 == 1 }) else {
            throw .tensorMismatch(name: name, detail: "expected a 1×1 convolution [out, in, 1…], found \(tensor.shape)")
        }
        return TorchTensor(shape: [tensor.shape[0], tensor.shape[1], 1], elementType: tensor.elementType, scalars: tensor.scalars)
    }
}
