import Datasets
import Foundation
import TensorCore
import NeuralLayers
import NeuralOperators

/// neuraloperator's `FNO` (the per-layer state-dict layout of neuraloperator 1.x and 2.x, 1-D to
/// 3-D) as PDEKit's `FourierNeuralOperator`, and back.
///
/// Key names and their PDEKit counterparts (`i` a block, `j` an MLP layer; 1×1 convolutions
/// `[out, in, 1]` become `[out, in]`):
/// ```
/// lifting.fcs.j.{weight,bias}                     lifting.layers.j.{weight,bias}
/// fno_blocks.convs.i.weight(.tensor)  [C,C,K…]    blocks.i.spectral.weight [2m₁,…,m_d,C,C,2]
/// fno_blocks.convs.i.bias             [C,1,…]     blocks.i.spectral.bias   [C]
/// fno_blocks.fno_skips.i.conv.weight  [C,C,1]     blocks.i.skip.weight     [C,C]
/// fno_blocks.channel_mlp.i.fcs.j.*                blocks.i.mlp.layers.j.*
/// fno_blocks.channel_mlp_skips.i.weight [1,C,1…]  blocks.i.gate            [C]
/// projection.fcs.j.{weight,bias}                  projection.layers.j.{weight,bias}
/// ```
/// Spectral weights: neuraloperator keeps `K` frequencies per leading axis in fftshifted order
/// (index `k` is frequency `k − K/2`) and `K_d` non-negative ones on the last; PDEKit keeps
/// `0…m−1, −m…−1` (`m = K/2`) and `0…m_d−1` (`m_d = K_d`), so the leading axes are rolled by `m`.
/// Both use `F⁻¹(R F(x))`, in which the FFT normalization (neuraloperator's `norm="forward"`)
/// cancels. The grid embedding is `linspace(0, 1, n + 1)[:-1]` (`FNOGridConvention.periodic`). On a
/// grid with an odd leading axis (after domain padding) neuraloperator puts the products one frequency
/// lower, so imported models use `SpectralModeConvention.neuraloperator`.
///
/// The 0.x layout (one stacked `fno_blocks.convs` for all blocks, `nn.Conv{d}d` maps) is rewritten
/// first (`NeuraloperatorLegacyLayout`). Domain padding (`domain_padding`, a fraction per axis) maps to
/// `FNODomainPaddingPlacement`: `.symmetric` for 2.x and `domain_padding_mode="symmetric"`, `.end` for
/// `"one-sided"` (the 0.x and 1.0 default).
///
/// 0.x's channel MLP (`fno_blocks.mlp.*`) maps to the same MLP with the activation before the last
/// block's MLP too (`FNOChannelMLPInputActivation.everyBlock`).
///
/// Refused, each with one line naming it: factorized (Tucker/CP/TT, TFNO) or separable weights,
/// normalization layers, unequal padding fractions per axis, resolution
/// scaling, complex data, preactivation, the tanh stabilizer, half precision, skips other than
/// linear (FNO) and soft-gating (channel MLP), activations other than GELU, ReLU, tanh, SiLU and
/// sigmoid, and odd `n_modes` on a leading axis.
public enum NeuraloperatorFNO {
    /// The PDEKit model of a neuraloperator FNO state dict; `metadata` (the kwargs) overrides the
    /// `_metadata` entry of the dict when given.
    public static func model(from stateDict: TorchStateDict, metadataPath: String? = nil) throws(TorchInteropError) -> FourierNeuralOperator<Float> {
        let kwargs = try metadataPath.map { path throws(TorchInteropError) in try NeuraloperatorKwargs.read(contentsOf: path) }
            ?? NeuraloperatorKwargs(stateDict.extra("_metadata"))
        try refuseUnsupported(kwargs)
        let isLegacy = NeuraloperatorLegacyLayout.isLegacy(Set(stateDict.names))
        let named = isLegacy ? try NeuraloperatorLegacyLayout.rewritten(stateDict.tensors) : stateDict.tensors
        let tensors = Dictionary(named.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        var used = Set<String>()
        func take(_ name: String) throws(TorchInteropError) -> TorchTensor {
            guard let tensor = tensors[name] else { throw .missingTensor(name: name) }
            guard !tensor.elementType.isComplex || name.contains("convs") else {
                throw .tensorMismatch(name: name, detail: "is complex (\(tensor.elementType.rawValue)); complex_data models are not supported")
            }
            guard tensor.scalars.allSatisfy(\.isFinite) else { throw .tensorMismatch(name: name, detail: "holds NaN or infinity") }
            used.insert(name)
            return tensor
        }
        let names = Set(tensors.keys)
        if names.contains(where: { $0.hasPrefix("convs.") }) {
            throw .unsupportedModel("a bare FNOBlocks state dict (keys convs.*) is not a whole FNO (no lifting or projection)")
        }
        if let factorized = names.first(where: { $0.hasPrefix("fno_blocks.convs.0.weight.") && $0 != "fno_blocks.convs.0.weight.tensor" }) {
            throw .unsupportedModel("factorized spectral weights (TFNO: Tucker/CP/TT, key \(factorized)) are not supported; use a dense FNO (factorization=None)")
        }
        if names.contains(where: { $0.hasPrefix("fno_blocks.norm.") }) { throw .unsupportedModel("normalization layers (norm=...) are not supported") }

        // Layers and spectral weights.
        var layerCount = 0
        while names.contains("fno_blocks.convs.\(layerCount).weight.tensor") || names.contains("fno_blocks.convs.\(layerCount).weight") { layerCount += 1 }
        guard layerCount > 0 else {
            throw .unsupportedModel("no fno_blocks.convs.0.weight: not a neuraloperator FNO state dict (keys: \(stateDict.names.prefix(6).joined(separator: ", ")))")
        }
        func spectralName(_ i: Int) -> String {
            names.contains("fno_blocks.convs.\(i).weight.tensor") ? "fno_blocks.convs.\(i).weight.tensor" : "fno_blocks.convs.\(i).weight"
        }
        let first = tensors[spectralName(0)]!
        guard first.elementType == .complex64 || first.elementType == .complex128, (3...5).contains(first.shape.count) else {
            throw .tensorMismatch(name: spectralName(0), detail: "expected complex [in, out, modes…] with 1 to 3 mode axes, found \(first.elementType.rawValue) \(first.shape) (separable weights are not supported)")
        }
        let width = first.shape[0], d = first.shape.count - 2
        guard first.shape[1] == width else { throw .tensorMismatch(name: spectralName(0), detail: "in and out channels differ (\(first.shape))") }
        let kept = Array(first.shape.suffix(d))
        var modes: [Int] = []
        for (axis, count) in kept.enumerated() {
            if axis == d - 1 { modes.append(count) } else {
                guard count % 2 == 0, count > 0 else {
                    throw .unsupportedModel("n_modes with an odd count (\(count)) on a leading axis keeps an asymmetric set of frequencies, which PDEKit's FNO does not support")
                }
                modes.append(count / 2)
            }
        }
        if let nModes = kwargs.nModes {
            let expected: [Int]
            do { expected = try FNOConfiguration.modes(neuraloperatorModes: nModes) } catch { throw .unsupportedModel("\(error)") }
            guard expected == modes else {
                throw .unsupportedModel("n_modes \(nModes) keeps \(expected) frequencies per axis but the weights hold \(kept) (max_n_modes or incremental modes are not supported)")
            }
        }

        // Lifting and projection MLPs.
        func mlpLayers(_ prefix: String) throws(TorchInteropError) -> [(weight: TorchTensor, bias: TorchTensor?)] {
            var layers: [(weight: TorchTensor, bias: TorchTensor?)] = []
            while names.contains("\(prefix).fcs.\(layers.count).weight") {
                let j = layers.count
                let weight = try take("\(prefix).fcs.\(j).weight")
                guard weight.shape.count == 3, weight.shape[2] == 1 else {
                    throw .tensorMismatch(name: "\(prefix).fcs.\(j).weight", detail: "expected a 1×1 Conv1d [out, in, 1], found \(weight.shape)")
                }
                let bias = names.contains("\(prefix).fcs.\(j).bias") ? try take("\(prefix).fcs.\(j).bias") : nil
                guard bias == nil || bias!.shape == [weight.shape[0]] else {
                    throw .tensorMismatch(name: "\(prefix).fcs.\(j).bias", detail: "expected [\(weight.shape[0])], found \(bias!.shape)")
                }
                guard bias != nil else { throw .missingTensor(name: "\(prefix).fcs.\(j).bias") }
                if j > 0, weight.shape[1] != layers[j - 1].weight.shape[0] {
                    throw .tensorMismatch(name: "\(prefix).fcs.\(j).weight", detail: "takes \(weight.shape[1]) channels, the previous layer gives \(layers[j - 1].weight.shape[0])")
                }
                layers.append((weight, bias))
            }
            guard (1...2).contains(layers.count) else {
                throw layers.isEmpty ? .missingTensor(name: "\(prefix).fcs.0.weight") : .unsupportedModel("\(prefix) has \(layers.count) layers; PDEKit's FNO takes 1 or 2")
            }
            return layers
        }
        let lifting = try mlpLayers("lifting"), projection = try mlpLayers("projection")
        guard lifting.last!.weight.shape[0] == width else {
            throw .tensorMismatch(name: "lifting.fcs.\(lifting.count - 1).weight", detail: "gives \(lifting.last!.weight.shape[0]) channels, the blocks take \(width)")
        }
        guard projection[0].weight.shape[1] == width else {
            throw .tensorMismatch(name: "projection.fcs.0.weight", detail: "takes \(projection[0].weight.shape[1]) channels, the blocks give \(width)")
        }
        guard projection.count == 2 else { throw .unsupportedModel("a one-layer projection is not supported (PDEKit's projection MLP has a hidden layer)") }
        let appendGrid: Bool
        switch kwargs["positional_embedding"] {
        case nil where isLegacy: appendGrid = false   // 0.x appends the grid in its data pipeline
        case nil, .string("grid")?: appendGrid = true
        case .none?: appendGrid = false
        case let other?: throw .unsupportedModel("positional_embedding \(other) (only \"grid\" or None are supported)")
        }
        let liftedInput = lifting[0].weight.shape[1]
        let inputChannels = liftedInput - (appendGrid ? d : 0)
        guard inputChannels > 0 else { throw .tensorMismatch(name: "lifting.fcs.0.weight", detail: "takes \(liftedInput) channels, fewer than the \(d) grid channels plus one input") }
        if let given = kwargs["in_channels"]?.integerValue, given != inputChannels {
            throw .tensorMismatch(name: "lifting.fcs.0.weight", detail: "takes \(liftedInput) channels; in_channels \(given) plus \(appendGrid ? d : 0) grid channels expected")
        }

        // Per block: spectral weight and bias, linear skip, channel MLP and its soft gate.
        let mlpPrefix = names.contains("fno_blocks.channel_mlp.0.fcs.0.weight") ? "fno_blocks.channel_mlp" : "fno_blocks.mlp"
        let gatePrefix = mlpPrefix == "fno_blocks.channel_mlp" ? "fno_blocks.channel_mlp_skips" : "fno_blocks.mlp_skips"
        let useChannelMLP = names.contains("\(mlpPrefix).0.fcs.0.weight")
        if useChannelMLP, !names.contains("\(gatePrefix).0.weight") {
            throw .unsupportedModel("channel-MLP skips other than soft-gating (\(gatePrefix).0.weight is absent: identity, linear or none) are not supported")
        }
        if names.contains("fno_blocks.fno_skips.0.weight") || !names.contains("fno_blocks.fno_skips.0.conv.weight") {
            throw .unsupportedModel("FNO skips other than linear (fno_skip='linear') are not supported")
        }
        var channelMLPHidden = 0
        var parameters: [String: Tensor<Float>] = [:]
        for (j, layer) in lifting.enumerated() {
            parameters["lifting.layers.\(j).weight"] = matrix(layer.weight)
            parameters["lifting.layers.\(j).bias"] = layer.bias!.tensor
        }
        for (j, layer) in projection.enumerated() {
            parameters["projection.layers.\(j).weight"] = matrix(layer.weight)
            parameters["projection.layers.\(j).bias"] = layer.bias!.tensor
        }
        for i in 0..<layerCount {
            let weightName = spectralName(i)
            let weight = try take(weightName)
            guard weight.shape == first.shape, weight.elementType.isComplex else {
                throw .tensorMismatch(name: weightName, detail: "expected complex \(first.shape), found \(weight.elementType.rawValue) \(weight.shape)")
            }
            parameters["blocks.\(i).spectral.weight"] = spectralWeightToPDEKit(weight, modes: modes)
            let bias = try take("fno_blocks.convs.\(i).bias")
            guard bias.count == width, bias.shape.first == width else {
                throw .tensorMismatch(name: "fno_blocks.convs.\(i).bias", detail: "expected [\(width), 1…], found \(bias.shape)")
            }
            parameters["blocks.\(i).spectral.bias"] = Tensor(uncheckedShape: [width], scalars: bias.scalars)
            if names.contains("fno_blocks.fno_skips.\(i).conv.bias") {
                throw .unsupportedModel("a biased linear FNO skip (fno_blocks.fno_skips.\(i).conv.bias) is not supported")
            }
            let skip = try take("fno_blocks.fno_skips.\(i).conv.weight")
            guard skip.shape == [width, width, 1] else {
                throw .tensorMismatch(name: "fno_blocks.fno_skips.\(i).conv.weight", detail: "expected [\(width), \(width), 1], found \(skip.shape)")
            }
            parameters["blocks.\(i).skip.weight"] = matrix(skip)
            if useChannelMLP {
                let mlp = try mlpLayers("\(mlpPrefix).\(i)")
                guard mlp.count == 2, mlp[0].weight.shape[1] == width, mlp[1].weight.shape[0] == width,
                      i == 0 || mlp[0].weight.shape[0] == channelMLPHidden else {
                    throw .tensorMismatch(name: "\(mlpPrefix).\(i).fcs.0.weight", detail: "expected a two-layer channel MLP \(width) → hidden → \(width)")
                }
                channelMLPHidden = mlp[0].weight.shape[0]
                for (j, layer) in mlp.enumerated() {
                    parameters["blocks.\(i).mlp.layers.\(j).weight"] = matrix(layer.weight)
                    parameters["blocks.\(i).mlp.layers.\(j).bias"] = layer.bias!.tensor
                }
                if names.contains("\(gatePrefix).\(i).bias") { throw .unsupportedModel("a biased soft-gating skip (\(gatePrefix).\(i).bias) is not supported") }
                let gate = try take("\(gatePrefix).\(i).weight")
                guard gate.count == width, gate.shape.count == d + 2, gate.shape[1] == width else {
                    throw .tensorMismatch(name: "\(gatePrefix).\(i).weight", detail: "expected [1, \(width), 1…] for a soft gate, found \(gate.shape)")
                }
                parameters["blocks.\(i).gate"] = Tensor(uncheckedShape: [width], scalars: gate.scalars)
            }
        }
        let extra = named.map(\.name).filter { !used.contains($0) }
        guard extra.isEmpty else {
            throw .unsupportedModel("the state dict holds tensors this FNO does not use: \(extra.prefix(6).joined(separator: ", "))")
        }
        let padding = try domainPadding(kwargs, dimensions: d)
        let activationFunction = try activation(kwargs)
        if isLegacy, lifting.count == 2 || useChannelMLP, activationFunction != .gelu {
            throw .unsupportedModel("non_linearity \(activationFunction) in a neuraloperator 0.x checkpoint: 0.x's lifting and channel MLPs always use GELU")
        }
        let configuration = FNOConfiguration(
            modes: modes, inputChannels: inputChannels, outputChannels: projection[1].weight.shape[0], width: width,
            layerCount: layerCount, liftingChannels: lifting.count == 2 ? lifting[0].weight.shape[0] : 0,
            projectionChannels: projection[0].weight.shape[0], activation: activationFunction,
            useChannelMLP: useChannelMLP, channelMLPExpansion: useChannelMLP ? Double(channelMLPHidden) / Double(width) : 0.5,
            appendGrid: appendGrid, domainPadding: padding.fraction, spectralBias: true, gridConvention: .periodic,
            domainPaddingPlacement: padding.placement, modeConvention: .neuraloperator,
            channelMLPInputActivation: isLegacy ? .everyBlock : .allButLastBlock)
        var generator = SeededRandomNumberGenerator(seed: 0)
        let model: FourierNeuralOperator<Float>
        do { model = try FourierNeuralOperator(configuration, generator: &generator) } catch { throw .unsupportedModel("\(error)") }
        var archive = SafetensorsArchive()
        for (name, tensor) in parameters { archive.add(tensor, named: name) }
        do { try model.loadParameters(from: archive) } catch { throw .tensorMismatch(name: "(model)", detail: "\(error)") }
        return model
    }

    /// A 1×1 convolution's `[out, in, 1]` weight as `[out, in]`.
    static func matrix(_ tensor: TorchTensor) -> Tensor<Float> {
        Tensor(uncheckedShape: [tensor.shape[0], tensor.shape[1]], scalars: tensor.scalars)
    }

    /// The index of PDEKit mode `p` along a leading axis with `m` modes in neuraloperator's `2m`
    /// fftshifted frequencies: frequency `p` (`p < m`) or `p − 2m`, stored at `frequency + m`.
    static func shiftedIndex(_ p: Int, modes m: Int) -> Int { (p + m) % (2 * m) }

    /// `[C_in, C_out, K₁, …, K_d]` complex → `[2m₁, …, m_d, C_in, C_out, 2]`.
    static func spectralWeightToPDEKit(_ weight: TorchTensor, modes: [Int]) -> Tensor<Float> {
        let cin = weight.shape[0], cout = weight.shape[1], d = modes.count
        let kept = Array(weight.shape.suffix(d))
        let modeShape = kept
        let modeCount = modeShape.reduce(1, *)
        var output = [Float](repeating: 0, count: modeCount * cin * cout * 2)
        let modeStrides = Tensor<Float>.contiguousStrides(for: modeShape)
        for flat in 0..<modeCount {
            var source = 0
            for axis in 0..<d {
                let p = (flat / modeStrides[axis]) % modeShape[axis]
                let k = axis == d - 1 ? p : shiftedIndex(p, modes: modes[axis])
                source += k * modeStrides[axis]
            }
            for i in 0..<cin {
                for o in 0..<cout {
                    let from = 2 * ((i * cout + o) * modeCount + source)
                    let to = 2 * ((flat * cin + i) * cout + o)
                    output[to] = weight.scalars[from]
                    output[to + 1] = weight.scalars[from + 1]
                }
            }
        }
        return Tensor(uncheckedShape: modeShape + [cin, cout, 2], scalars: output)
    }

    /// `[2m₁, …, m_d, C_in, C_out, 2]` → interleaved `[C_in, C_out, K₁, …, K_d, 2]` (the inverse).
    static func spectralWeightToNeuraloperator(_ weight: Tensor<Float>, modes: [Int]) -> Tensor<Float> {
        let d = modes.count
        let modeShape = Array(weight.shape.prefix(d)), cin = weight.shape[d], cout = weight.shape[d + 1]
        let modeCount = modeShape.reduce(1, *)
        let modeStrides = Tensor<Float>.contiguousStrides(for: modeShape)
        let scalars = weight.scalars
        var output = [Float](repeating: 0, count: scalars.count)
        for flat in 0..<modeCount {
            var target = 0
            for axis in 0..<d {
                let p = (flat / modeStrides[axis]) % modeShape[axis]
                target += (axis == d - 1 ? p : shiftedIndex(p, modes: modes[axis])) * modeStrides[axis]
            }
            for i in 0..<cin {
                for o in 0..<cout {
                    let from = 2 * ((flat * cin + i) * cout + o)
                    let to = 2 * ((i * cout + o) * modeCount + target)
                    output[to] = scalars[from]
                    output[to + 1] = scalars[from + 1]
                }
            }
        }
        return Tensor(uncheckedShape: [cin, cout] + modeShape + [2], scalars: output)
    }

    /// `domain_padding` (None, a number or one per axis, all equal) and where it goes:
    /// `domain_padding_mode` when the kwargs name it (0.x, 1.0), else symmetric (neuraloperator ≥ 1.1).
    static func domainPadding(_ kwargs: NeuraloperatorKwargs, dimensions: Int) throws(TorchInteropError) -> (fraction: Double, placement: FNODomainPaddingPlacement) {
        guard let value = kwargs["domain_padding"], !kwargs.isUnset("domain_padding") else { return (0, .endSmoothLength) }
        let fractions: [Double]
        if let number = value.doubleValue {
            fractions = [Double](repeating: number, count: dimensions)
        } else if let items = value.elements, items.count == dimensions, items.allSatisfy({ $0.doubleValue != nil }) {
            fractions = items.map { $0.doubleValue! }
        } else {
            throw .unsupportedModel("domain_padding \(value) is neither a number nor one number per axis (\(dimensions))")
        }
        guard let fraction = fractions.first, fractions.allSatisfy({ $0 == fraction }) else {
            throw .unsupportedModel("domain_padding \(value): different fractions per axis are not supported")
        }
        guard fraction.isFinite, fraction >= 0, fraction < 1 else { throw .unsupportedModel("domain_padding \(value) is not a fraction in [0, 1)") }
        switch kwargs["domain_padding_mode"] {
        case nil, .none?, .string("symmetric")?: return (fraction, .symmetric)
        case .string("one-sided")?: return (fraction, .end)
        case let other?: throw .unsupportedModel("domain_padding_mode \(other) (only 'symmetric' and 'one-sided' exist)")
        }
    }

    static func activation(_ kwargs: NeuraloperatorKwargs) throws(TorchInteropError) -> Activation {
        guard let value = kwargs["non_linearity"] else { return .gelu }
        let name: String
        switch value {
        case .global(_, let n): name = n
        case .string(let s): name = s
        default: throw .unsupportedModel("non_linearity \(value) (only GELU, ReLU, tanh, SiLU and sigmoid functions are supported)")
        }
        switch name.lowercased() {
        case "gelu": return .gelu
        case "relu": return .relu
        case "tanh": return .tanh
        case "silu": return .silu
        case "sigmoid": return .sigmoid
        default: throw .unsupportedModel("non_linearity \(value) (only GELU, ReLU, tanh, SiLU and sigmoid are supported)")
        }
    }

    /// Refuses the constructor options PDEKit's FNO does not implement, naming the first one found.
    static func refuseUnsupported(_ kwargs: NeuraloperatorKwargs) throws(TorchInteropError) {
        let checks: [(key: String, defaults: [String], what: String)] = [
            ("factorization", ["dense", "none"], "factorized spectral weights (TFNO)"),
            ("separable", [], "separable spectral convolutions"),
            ("complex_data", [], "complex-valued data"),
            ("preactivation", [], "preactivation blocks"),
            ("stabilizer", ["none"], "the tanh stabilizer"),
            ("norm", ["none"], "normalization layers"),
            ("resolution_scaling_factor", [], "resolution scaling"),
            ("output_scaling_factor", [], "resolution scaling (0.x)"),
            ("fno_block_precision", ["full"], "half or mixed precision blocks"),
            ("fno_skip", ["linear"], "an FNO skip other than linear"),
            ("channel_mlp_skip", ["soft-gating"], "a channel-MLP skip other than soft-gating"),
            ("mlp_skip", ["soft-gating"], "a channel-MLP skip other than soft-gating (0.x)"),
        ]
        for check in checks where !kwargs.isUnset(check.key, orOneOf: check.defaults) {
            throw .unsupportedModel("\(check.what) (\(check.key)=\(kwargs[check.key]!)) are not supported by PDEKit's FNO")
        }
        if let value = kwargs["conv_module"], case .global(_, let name) = value, name != "SpectralConv" {
            throw .unsupportedModel("conv_module \(value) (only SpectralConv is supported)")
        }
    }
}
