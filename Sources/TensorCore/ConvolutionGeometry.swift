/// Sizes of a strided, dilated, zero-padded convolution over 1, 2 or 3 spatial dimensions.
///
/// For each spatial axis with input size `S`, kernel `K`, stride `s`, padding `p` (zeros on both
/// sides) and dilation `δ`:
/// ```
/// O = ⌊(S + 2p − δ(K − 1) − 1) / s⌋ + 1
/// y[b, o, j] = Σ_{c, k} w[o, c, k] · x[b, c, j·s − p + k·δ]      (zero outside 0..<S)
/// ```
/// Internally every geometry is lifted to three spatial axes (leading axes of size 1).
public struct ConvolutionGeometry: Hashable, Sendable {
    public let spatialRank: Int
    public let inputSize: [Int]
    public let kernelSize: [Int]
    public let stride: [Int]
    public let padding: [Int]
    public let dilation: [Int]
    public let outputSize: [Int]

    /// Creates a geometry; all arrays have one entry per spatial axis.
    public init(inputSize: [Int], kernelSize: [Int], stride: [Int], padding: [Int], dilation: [Int]) {
        let d = inputSize.count
        precondition((1...3).contains(d), "convolution over \(d) spatial axes is not supported (1–3)")
        precondition([kernelSize.count, stride.count, padding.count, dilation.count].allSatisfy { $0 == d },
                     "convolution geometry arrays must all have \(d) entries")
        precondition(stride.allSatisfy { $0 >= 1 } && dilation.allSatisfy { $0 >= 1 } && padding.allSatisfy { $0 >= 0 },
                     "convolution: stride and dilation must be ≥ 1, padding ≥ 0")
        spatialRank = d
        self.inputSize = inputSize
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        outputSize = (0..<d).map { axis in
            (inputSize[axis] + 2 * padding[axis] - dilation[axis] * (kernelSize[axis] - 1) - 1) / stride[axis] + 1
        }
        precondition(outputSize.allSatisfy { $0 >= 1 },
                     "convolution: kernel \(kernelSize) does not fit input \(inputSize) with padding \(padding)")
    }

    @usableFromInline func lifted(_ values: [Int], fill: Int) -> [Int] {
        [Int](repeating: fill, count: 3 - spatialRank) + values
    }

    /// Product of the kernel sizes.
    public var kernelVolume: Int { kernelSize.reduce(1, *) }
    /// Product of the input sizes.
    public var inputVolume: Int { inputSize.reduce(1, *) }
    /// Product of the output sizes.
    public var outputVolume: Int { outputSize.reduce(1, *) }
}

/// The im2col transform and its adjoint (col2im) for one sample.
///
/// `columns[(c, k), j] = x[c, j·s − p + k·δ]`, a `[C·K, O]` matrix, so that the convolution is one
/// GEMM `y = W · columns` with `W` viewed as `[Cout, C·K]`.
enum ImageColumns {
    static func imageToColumns<Scalar: TensorScalar>(
        _ image: UnsafePointer<Scalar>, channels: Int, geometry g: ConvolutionGeometry,
        columns: UnsafeMutablePointer<Scalar>
    ) {
        let S = g.lifted(g.inputSize, fill: 1), K = g.lifted(g.kernelSize, fill: 1)
        let O = g.lifted(g.outputSize, fill: 1), st = g.lifted(g.stride, fill: 1)
        let pd = g.lifted(g.padding, fill: 0), dl = g.lifted(g.dilation, fill: 1)
        let outputVolume = O[0] * O[1] * O[2]
        var row = 0
        for c in 0..<channels {
            let channelBase = image + c * S[0] * S[1] * S[2]
            for kz in 0..<K[0] { for ky in 0..<K[1] { for kx in 0..<K[2] {
                let destination = columns + row * outputVolume
                for oz in 0..<O[0] {
                    let iz = oz * st[0] - pd[0] + kz * dl[0]
                    for oy in 0..<O[1] {
                        let iy = oy * st[1] - pd[1] + ky * dl[1]
                        let runStart = destination + (oz * O[1] + oy) * O[2]
                        if iz < 0 || iz >= S[0] || iy < 0 || iy >= S[1] {
                            runStart.update(repeating: 0, count: O[2])
                            continue
                        }
                        let source = channelBase + (iz * S[1] + iy) * S[2]
                        for ox in 0..<O[2] {
                            let ix = ox * st[2] - pd[2] + kx * dl[2]
                            runStart[ox] = (ix >= 0 && ix < S[2]) ? source[ix] : 0
                        }
                    }
                }
                row += 1
            } } }
        }
    }

    /// `image += col2im(columns)`: the adjoint of `imageToColumns`.
    static func columnsToImageAdding<Scalar: TensorScalar>(
        _ columns: UnsafePointer<Scalar>, channels: Int, geometry g: ConvolutionGeometry,
        image: UnsafeMutablePointer<Scalar>
    ) {
        let S = g.lifted(g.inputSize, fill: 1), K = g.lifted(g.kernelSize, fill: 1)
        let O = g.lifted(g.outputSize, fill: 1), st = g.lifted(g.stride, fill: 1)
        let pd = g.lifted(g.padding, fill: 0), dl = g.lifted(g.dilation, fill: 1)
        let outputVolume = O[0] * O[1] * O[2]
        var row = 0
        for c in 0..<channels {
            let channelBase = image + c * S[0] * S[1] * S[2]
            for kz in 0..<K[0] { for ky in 0..<K[1] { for kx in 0..<K[2] {
                let source = columns + row * outputVolume
                for oz in 0..<O[0] {
                    let iz = oz * st[0] - pd[0] + kz * dl[0]
                    if iz < 0 || iz >= S[0] { continue }
                    for oy in 0..<O[1] {
                        let iy = oy * st[1] - pd[1] + ky * dl[1]
                        if iy < 0 || iy >= S[1] { continue }
                        let run = source + (oz * O[1] + oy) * O[2]
                        let destination = channelBase + (iz * S[1] + iy) * S[2]
                        for ox in 0..<O[2] {
                            let ix = ox * st[2] - pd[2] + kx * dl[2]
                            if ix >= 0 && ix < S[2] { destination[ix] += run[ox] }
                        }
                    }
                }
                row += 1
            } } }
        }
    }
}
