import TestSupport
import Foundation
import Testing
import TensorCore
import AutoDiff
import NeuralLayers
import NeuralOperators

/// The published MgNO (official `MgConv_DC` / `MgNO_DC` / `MgNO_NS`): parameter counts of the
/// official runs counted by hand, the V-cycle against closed forms with hand-set weights, and every
/// new piece's pullback against Float64 finite differences.
@Suite struct MgNOPaperCycleTests {
    /// A `size`ᵈ kernel, 1 channel, that is `value` at the centre-ish index `position` on every axis.
    func delta(size: Int, at position: Int, value: Double) -> Tensor<Double> {
        var t = Tensor<Double>.zeros([1, 1, size, size])
        t.scalars[position * size + position] = value
        return t
    }

    /// MgNO_helm as the README's Helmholtz run builds it: 5,351,806 parameters (printed by
    /// `bench/peers/mgno_official.py verify` from the official models.py), counted by hand here.
    @Test func helmholtzPresetHasTheOfficialParameterCount() throws {
        // MgConv_helm(c_f → c_u): level m = 1…5 has m·c_f and m·c_u channels; per step A and S with
        // biases: 18 m² c_f c_u + m (c_f + c_u), Σ s_m m² = 80, Σ s_m m = 20 (smoothing 1,1,1,1,2);
        // R, Π into level m: 9 m (m−1)(c_f² + c_u²), Σ = 40·9; P_j: (j+2)(j+1) c_u² k_j², kernels
        // 3,4,4,3 → 18 + 96 + 192 + 180 = 486 c_u².
        func cycle(_ cf: Int, _ cu: Int) -> Int { 1440 * cf * cu + 20 * (cf + cu) + 360 * (cf * cf + cu * cu) + 486 * cu * cu }
        let norms = 4 * 2 * 20 * 101 * 101
        let expected = cycle(1, 20) + 3 * cycle(20, 20) + cycle(20, 1) + norms
        #expect(expected == 5_351_806)
        #expect(MgNOConfiguration.helmholtz.parameterCount == expected)
        var generator = SeededRandomNumberGenerator(seed: 1)
        let model = try MgNO<Float>(configuration: .helmholtz, generator: &generator)
        #expect(model.parameterCount == expected)
        let names = model.namedParameters.map(\.name)
        for name in ["conv_list.0.layer0.0.A.weight", "conv_list.0.layer0.0.S.bias", "conv_list.0.layer4.0.Pi.weight",
                     "conv_list.3.layer4.2.A.bias", "conv_list.3.RTlayers.3.weight", "norm_layer_list.3.weight",
                     "last_layer.layer4.2.S.weight", "last_layer.RTlayers.0.weight"] {
            #expect(names.contains(name), "missing \(name)")
        }
        #expect(throws: MgNOError.self) { try model.apply(Variable(Tensor<Float>.zeros([1, 1, 100, 100]))) }
    }

    /// The unused first `A` of MgConv_helm gets no gradient; every other parameter matches central
    /// differences (Float64, GELU, reflect padding, growing channels, block norms, V-cycle head).
    @Test func helmholtzPullbacksMatchFiniteDifferences() throws {
        var generator = SeededRandomNumberGenerator(seed: 11)
        let configuration = MgNOConfiguration(channels: 1, layers: 1, levels: 3, smoothingSteps: [1, 2, 1], paddingMode: .reflect,
                                              gridPolicy: .requireDivisible, cycle: .helmholtz, prolongationKernelSizes: [3, 3],
                                              convolutionBias: true, pointwiseSkip: false, blockNormalizationGrid: [11, 11], head: .multigrid)
        let model = try MgNO<Double>(configuration: configuration, generator: &generator)
        #expect(model.parameterCount == configuration.parameterCount)
        let x = Tensor<Double>.normal([2, 1, 11, 11], using: &generator)   // 11 → 5 → 2: kernels 3, 3
        let probe = Tensor<Double>.normal([2, 1, 11, 11], using: &generator)
        let result = GradientCheck.check(at: [x]) { v in (model(v[0]) * Variable(probe)).sum() }
        #expect(result.maximumError < 1e-7, "\(result)")
        let unused: Set = ["conv_list.0.layer0.0.A.weight", "conv_list.0.layer0.0.A.bias", "last_layer.layer0.0.A.weight",
                           "last_layer.layer0.0.A.bias"]
        #expect(parameterGradientError(model, input: x, probe: probe, unused: unused) < 1e-6)
    }

    @Test func officialRunsHaveTheirParameterCounts() throws {
        var generator = SeededRandomNumberGenerator(seed: 1)
        // Rough Darcy (README: --num_layer 4 --num_channel_u 24 --num_iteration 10 10 10 10 10 20).
        // First cycle 1→24: 7 S and 6 A of 9·24, 5 × (Π 9·576 + R 9 + P 16·576); W: 24 + 24.
        // Cycles 24→24: 13 × 9·576 + 5 × (9·576 + 9·576 + 16·576); W: 576 + 24. Head 24.
        let first = 13 * 216 + 5 * (9 * 576 + 9 + 16 * 576) + 48
        let hidden = 13 * 9 * 576 + 5 * (9 * 576 + 9 * 576 + 16 * 576) + 600
        #expect(first + 3 * hidden + 24 == 572_661)
        let darcy = try MgNO<Float>(configuration: .darcy, generator: &generator)
        #expect(darcy.parameterCount == 572_661)
        #expect(MgNOConfiguration.darcy.parameterCount == 572_661)
        let names = darcy.namedParameters.map(\.name)
        #expect(Set(names).count == names.count)
        for name in ["conv_list.0.layer0.0.S.weight", "conv_list.0.layer1.0.Pi.weight", "conv_list.0.layer1.0.R.weight",
                     "conv_list.0.layer1.1.A.weight", "conv_list.3.layer5.2.S.weight", "conv_list.3.RTlayers.4.weight",
                     "linear_list.3.bias", "linear.weight"] {
            #expect(names.contains(name), "missing \(name)")
        }
        #expect(!names.contains("conv_list.0.layer0.0.A.weight"))   // no A before the first smoothing

        // Smooth Darcy (MgNO_DC_smooth, 5 blocks): prolongations 3,4,3,3,4 → c²(9+16+9+9+16) = 59 c².
        let smoothFirst = 13 * 216 + 5 * (9 * 576 + 9) + 59 * 576 + 48
        let smoothHidden = 13 * 9 * 576 + 5 * (18 * 576) + 59 * 576 + 600
        #expect(MgNOConfiguration.darcySmooth.parameterCount == smoothFirst + 4 * smoothHidden + 24)
        let smooth = try MgNO<Float>(configuration: .darcySmooth, generator: &generator)
        #expect(smooth.parameterCount == MgNOConfiguration.darcySmooth.parameterCount)

        // Navier–Stokes (MgNO_NS, --bias): 7 S (bias 32) and 6 A (bias c_in) per cycle, 4 transfers,
        // layer norms [32, 64/2^j, 64/2^j] with weight and bias, no W, head 32.
        let norms = 2 * 32 * (64 * 64 + 32 * 32 + 16 * 16 + 8 * 8)
        let nsFirst = 7 * (9 * 32 + 32) + 6 * (9 * 32 + 1) + 4 * (9 * 1024 + 9 + 16 * 1024) + norms
        let nsHidden = 13 * 9 * 1024 + 7 * 32 + 6 * 32 + 4 * (18 * 1024 + 16 * 1024) + norms
        #expect(MgNOConfiguration.navierStokes.parameterCount == nsFirst + 4 * nsHidden + 32)
        let ns = try MgNO<Float>(configuration: .navierStokes, generator: &generator)
        #expect(ns.parameterCount == MgNOConfiguration.navierStokes.parameterCount)
        #expect(ns.namedParameters.contains { $0.name == "last_layer.weight" })
        #expect(ns.namedParameters.contains { $0.name == "conv_list.4.norm_layer_list.3.bias" })
    }

    @Test func configurationsWithoutCycleKeyDecodeAsTheEarlierNetwork() throws {
        let old = #"{"spatialDimensions":2,"inputChannels":1,"outputChannels":1,"channels":4,"layers":2,"levels":3,"smoothingSteps":[1,1,2],"paddingMode":"zero","activation":"gelu","gridPolicy":"padAndCrop"}"#
        let decoded = try JSONDecoder().decode(MgNOConfiguration.self, from: Data(old.utf8))
        #expect(decoded.cycle == .residualRestriction && decoded.postSmoothingSteps == [0, 0, 0] && decoded.pointwiseSkip)
        for configuration in [MgNOConfiguration.darcy, .darcySmooth, .navierStokes] {
            #expect(try JSONDecoder().decode(MgNOConfiguration.self, from: JSONEncoder().encode(configuration)) == configuration)
        }
        var bad = MgNOConfiguration.darcy
        bad.postSmoothingSteps = [0, 0, 0, 0, 0, 1]
        #expect(throws: MgNOError.self) { try bad.validate() }
        bad = .darcy
        bad.prolongationKernelSizes = [3, 5, 3, 3, 4]
        #expect(throws: MgNOError.self) { try bad.validate() }
        bad = .navierStokes
        bad.outputChannels = 2
        #expect(throws: MgNOError.self) { try bad.validate() }
        bad = .navierStokes
        bad.cycle = .residualRestriction
        #expect(throws: MgNOError.self) { try bad.validate() }
    }

    @Test func twoLevelCycleRestrictsTheRightHandSide() throws {
        // Level 0: u⁰ = ω f (S = ωI, no A). R = Π = injection: f¹ = f_e, u = ω f_e (f_e = f[2i, 2j]).
        // Level 1 (A = I, S = σI): u¹ = ω f_e + σ(f_e − ω f_e). P puts coarse (i, j) at fine (2i, 2j):
        // v = ω f + E u¹. Post-smoothing on level 0 (A = aI, S = τI): v + τ(f − a v).
        // (The residual-restriction cycle would give f¹ = (1 − ω) f_e + A Π u instead.)
        var generator = SeededRandomNumberGenerator(seed: 4)
        let (omega, sigma, a, tau) = (0.25, 0.5, 2.0, 0.1)
        for mode in PaddingMode.allCases {
            let cycle = MultigridConvolution<Double>(inputChannels: 1, outputChannels: 1, preSmoothingSteps: [1, 1],
                                                     postSmoothingSteps: [1, 0], paddingMode: mode, generator: &generator)
            #expect(cycle.preSmoothing[0][0].systemOperator == nil)
            cycle.preSmoothing[0][0].smoother.weight.value = delta(size: 3, at: 1, value: omega)
            cycle.rightHandSideRestrictions[0].weight.value = delta(size: 3, at: 1, value: 1)
            cycle.solutionRestrictions[0].weight.value = delta(size: 3, at: 1, value: 1)
            cycle.preSmoothing[1][0].systemOperator!.weight.value = delta(size: 3, at: 1, value: 1)
            cycle.preSmoothing[1][0].smoother.weight.value = delta(size: 3, at: 1, value: sigma)
            cycle.prolongations[0].weight.value = delta(size: 4, at: 1, value: 1)
            cycle.postSmoothing[0][0].systemOperator!.weight.value = delta(size: 3, at: 1, value: a)
            cycle.postSmoothing[0][0].smoother.weight.value = delta(size: 3, at: 1, value: tau)
            let (h, w) = (6, 8)
            let f = Tensor<Double>.normal([2, 1, h, w], using: &generator)
            let u = cycle.inference(f)
            #expect(u.shape == [2, 1, h, w])
            var worst = 0.0
            for b in 0..<2 {
                for i in 0..<h {
                    for j in 0..<w {
                        let x = f.scalars[b * h * w + i * w + j]
                        let even = i % 2 == 0 && j % 2 == 0
                        let v = omega * x + (even ? (omega + sigma * (1 - omega)) * x : 0)
                        worst = maxOrNaN(worst, abs(u.scalars[b * h * w + i * w + j] - (v + tau * (x - a * v))))
                    }
                }
            }
            #expect(worst < 1e-13, "\(mode): worst deviation \(worst)")
        }
    }

    @Test func layerNormalizationMatchesItsDefinitionAndFiniteDifferences() throws {
        var generator = SeededRandomNumberGenerator(seed: 7)
        let norm = LayerNormalization<Double>(shape: [2, 3, 2])
        norm.weight.value = .normal([2, 3, 2], using: &generator)
        norm.bias.value = .normal([2, 3, 2], using: &generator)
        let x = Tensor<Double>.normal([2, 2, 3, 2], using: &generator)
        let y = norm.inference(x)
        var worst = 0.0
        for b in 0..<2 {
            let sample = Array(x.scalars[(b * 12)..<(b * 12 + 12)])
            let mean = sample.reduce(0, +) / 12
            let variance = sample.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 12
            for k in 0..<12 {
                let expected = (sample[k] - mean) / (variance + 1e-5).squareRoot() * norm.weight.value.scalars[k] + norm.bias.value.scalars[k]
                worst = maxOrNaN(worst, abs(y.scalars[b * 12 + k] - expected))
            }
        }
        #expect(worst < 1e-12)
        let probe = Tensor<Double>.normal([2, 2, 3, 2], using: &generator)
        let result = GradientCheck.check(at: [x]) { v in (norm(v[0]) * Variable(probe)).sum() }
        #expect(result.maximumError < 1e-7, "\(result)")
        #expect(parameterGradientError(norm, input: x, probe: probe) < 1e-7)
    }

    @Test func cyclePullbacksMatchFiniteDifferences() throws {
        var generator = SeededRandomNumberGenerator(seed: 8)
        // Pre- and post-smoothing, biases, an odd grid through a kernel-3 prolongation, layer norms.
        let cycle = MultigridConvolution<Double>(inputChannels: 2, outputChannels: 3, preSmoothingSteps: [2, 1, 2],
                                                 postSmoothingSteps: [1, 1, 0], paddingMode: .circular, bias: true,
                                                 prolongationKernelSizes: [3, 4], normalizationGrid: [7, 7], generator: &generator)
        let x = Tensor<Double>.normal([2, 2, 7, 7], using: &generator)
        let probe = Tensor<Double>.normal([2, 3, 7, 7], using: &generator)
        #expect(cycle.inference(x).shape == [2, 3, 7, 7])
        let result = GradientCheck.check(at: [x]) { v in (cycle(v[0]) * Variable(probe)).sum() }
        #expect(result.maximumError < 1e-7, "\(result)")
        #expect(parameterGradientError(cycle, input: x, probe: probe) < 1e-6)
    }

    /// Through GELU (the fused kernel, exact in Double: erfc from libm), the activation the presets use.
    @Test func networkPullbacksMatchFiniteDifferences() throws {
        var generator = SeededRandomNumberGenerator(seed: 9)
        for configuration in [
            MgNOConfiguration(channels: 2, layers: 2, levels: 2, smoothingSteps: [1, 2]),
            MgNOConfiguration(channels: 2, layers: 2, levels: 2, smoothingSteps: [1, 1], postSmoothingSteps: [1, 0],
                              paddingMode: .circular, gridPolicy: .requireDivisible, convolutionBias: true,
                              pointwiseSkip: false, layerNormalizationGrid: [4, 4], inputResidual: true),
        ] {
            let model = try MgNO<Double>(configuration: configuration, generator: &generator)
            let size = configuration.inputResidual ? [4, 4] : [4, 3]   // 3 is padded to 4 and cropped
            let x = Tensor<Double>.normal([2, 1] + size, using: &generator)
            let probe = Tensor<Double>.normal([2, 1] + size, using: &generator)
            let result = GradientCheck.check(at: [x]) { v in (model(v[0]) * Variable(probe)).sum() }
            #expect(result.maximumError < 1e-7, "\(result)")
            #expect(parameterGradientError(model, input: x, probe: probe) < 1e-6)
        }
    }

    @Test func gridsThatDoNotFitAreErrors() throws {
        var generator = SeededRandomNumberGenerator(seed: 10)
        let smooth = try MgNO<Float>(configuration: MgNOConfiguration(channels: 2, layers: 1, levels: 3,
                                                                      prolongationKernelSizes: [3, 4]), generator: &generator)
        #expect(try smooth.apply(Variable(Tensor<Float>.zeros([1, 1, 7, 7]))).shape == [1, 1, 7, 7])
        #expect(throws: MgNOError.self) { try smooth.apply(Variable(Tensor<Float>.zeros([1, 1, 8, 8]))) }
        let ns = try MgNO<Float>(configuration: .navierStokes, generator: &generator)
        #expect(throws: MgNOError.self) { try ns.apply(Variable(Tensor<Float>.zeros([1, 1, 32, 32]))) }
    }
}
