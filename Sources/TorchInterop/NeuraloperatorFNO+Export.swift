import Foundation
import TensorCore
import NeuralLayers
import NeuralOperators

extension NeuraloperatorFNO {
    /// The state dict (neuraloperator key names, spectral weights as `C64`) and `FNO(**kwargs)`
    /// arguments of a PDEKit FNO, so that `FNO(**kwargs).load_state_dict(...)` rebuilds it in PyTorch.
    ///
    /// Refused (one line naming it): what neuraloperator's `FNO` cannot express — grid coordinates
    /// on `[0, 1]` with both ends (`.closedInterval`; neuraloperator's grid is `i/n`), domain padding
    /// other than `.symmetric` (neuraloperator ≥ 1.1 pads both sides), a spectral convolution without bias, a one-layer projection,
    /// the activation before the last block's channel MLP (0.x's block), and activations other than GELU
    /// (the kwargs are JSON, which cannot name a function). Models with `SpectralModeConvention.neuraloperator`
    /// (imported ones and those of `train fno --preset neuraloperator`) give PyTorch's outputs on every grid;
    /// one with PDEKit's convention (the other presets, and preset runs trained before it switched) only
    /// where the leading axes (padded) have even sizes, since on odd ones PyTorch puts the modes one frequency lower.
    public static func export(_ model: FourierNeuralOperator<Float>) throws(TorchInteropError) -> (stateDict: SafetensorsArchive, kwargs: [String: Any]) {
        let c = model.configuration
        if c.appendGrid, c.gridConvention != .periodic {
            throw .unsupportedModel("this model appends grid coordinates i/(n-1) (grid convention closedInterval); neuraloperator's grid is i/n, so PyTorch would compute something else (train with --preset neuraloperator)")
        }
        guard c.domainPadding == 0 || c.domainPaddingPlacement == .symmetric else {
            throw .unsupportedModel("domain padding \(c.domainPadding) placed \(c.domainPaddingPlacement): neuraloperator ≥ 1.1 pads symmetrically; export models without padding or with symmetric padding")
        }
        guard c.spectralBias else { throw .unsupportedModel("spectral convolutions without bias have no neuraloperator equivalent (its skip is unbiased)") }
        guard c.projectionChannels > 0 else { throw .unsupportedModel("a one-layer projection has no neuraloperator equivalent") }
        guard !c.useChannelMLP || c.channelMLPInputActivation == .allButLastBlock else {
            throw .unsupportedModel("this model activates before its last channel MLP (a neuraloperator 0.x model); neuraloperator ≥ 1.0's FNO does not")
        }
        guard c.activation == .gelu else { throw .unsupportedModel("activation \(c.activation): only GELU (neuraloperator's default) can be exported") }
        let liftingRatio = Double(c.liftingChannels) / Double(c.width), projectionRatio = Double(c.projectionChannels) / Double(c.width)
        guard Int(liftingRatio * Double(c.width)) == c.liftingChannels, Int(projectionRatio * Double(c.width)) == c.projectionChannels else {
            throw .unsupportedModel("lifting/projection channels \(c.liftingChannels)/\(c.projectionChannels) are not int(ratio · \(c.width)) for any float ratio")
        }
        let d = c.spatialDimensions
        var archive = SafetensorsArchive()
        func conv1d(_ weight: Tensor<Float>) -> Tensor<Float> { Tensor(uncheckedShape: weight.shape + [1], scalars: weight.scalars) }
        for (j, layer) in model.lifting.layers.enumerated() {
            archive.add(conv1d(layer.weight.value), named: "lifting.fcs.\(j).weight")
            if let bias = layer.bias { archive.add(bias.value, named: "lifting.fcs.\(j).bias") }
        }
        for i in 0..<c.layerCount {
            let spectral = model.spectralLayers[i]
            archive.addComplex(interleaved: spectralWeightToNeuraloperator(spectral.weight.value, modes: c.modes), named: "fno_blocks.convs.\(i).weight.tensor")
            if let bias = spectral.bias {
                archive.add(Tensor(uncheckedShape: [c.width] + [Int](repeating: 1, count: d), scalars: bias.value.scalars), named: "fno_blocks.convs.\(i).bias")
            }
            archive.add(conv1d(model.skipLayers[i].weight.value), named: "fno_blocks.fno_skips.\(i).conv.weight")
            if c.useChannelMLP {
                for (j, layer) in model.channelMLPs[i].layers.enumerated() {
                    archive.add(conv1d(layer.weight.value), named: "fno_blocks.channel_mlp.\(i).fcs.\(j).weight")
                    if let bias = layer.bias { archive.add(bias.value, named: "fno_blocks.channel_mlp.\(i).fcs.\(j).bias") }
                }
                archive.add(Tensor(uncheckedShape: [1, c.width] + [Int](repeating: 1, count: d), scalars: model.gates[i].value.scalars),
                            named: "fno_blocks.channel_mlp_skips.\(i).weight")
            }
        }
        for (j, layer) in model.projection.layers.enumerated() {
            archive.add(conv1d(layer.weight.value), named: "projection.fcs.\(j).weight")
            if let bias = layer.bias { archive.add(bias.value, named: "projection.fcs.\(j).bias") }
        }
        let kwargs: [String: Any] = [
            "n_modes": c.neuraloperatorModes, "in_channels": c.inputChannels, "out_channels": c.outputChannels,
            "hidden_channels": c.width, "n_layers": c.layerCount,
            "lifting_channel_ratio": liftingRatio, "projection_channel_ratio": projectionRatio,
            "positional_embedding": c.appendGrid ? "grid" as Any : NSNull(),
            "use_channel_mlp": c.useChannelMLP,
            "channel_mlp_expansion": c.useChannelMLP ? Double(model.channelMLPs[0].layers[0].outputChannels) / Double(c.width) : c.channelMLPExpansion,
            "channel_mlp_skip": "soft-gating", "fno_skip": "linear",
            "domain_padding": c.domainPadding > 0 ? c.domainPadding as Any : NSNull(),
        ]
        return (archive, kwargs)
    }
}
