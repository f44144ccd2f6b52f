import Foundation
import TensorCore
import NeuralLayers
import NeuralOperators

/// What a `pdekit_deeponet *` points to: a DeepONet written by `pdekit train deeponet`.
///
/// Evaluation is the Cartesian-product form G(u_i)(y_j) = Σ_k b_k(u_i) t_k(y_j) + b₀ for `functions`
/// input functions sampled at the network's sensors and `points` query coordinates, with the input
/// normalization stored in the checkpoint. POD-DeepONet evaluates at its fixed training points only.
final class DeepONetHandle {
    let network: DeepONet<Float>
    let sensorCount: Int
    let coordinateDimensions: Int
    let outputCount: Int
    /// The fixed query points of a POD-DeepONet (0 for a trunk network).
    let podPointCount: Int

    init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CAPIError.io("no DeepONet checkpoint at \(path)")
        }
        var url = URL(fileURLWithPath: path)
        if isDirectory.boolValue { url.appendPathComponent("model.safetensors") }
        guard FileManager.default.fileExists(atPath: url.path) else { throw CAPIError.io("\(path) has no model.safetensors") }
        let archive = try SafetensorsArchive(contentsOf: url)
        do {
            network = try DeepONet<Float>(archive: archive)
        } catch {
            throw CAPIError.io("\(url.path) is not a DeepONet checkpoint: \(error)")
        }
        let configuration = network.configuration
        sensorCount = configuration.branchWidths.first ?? 0
        outputCount = configuration.outputCount
        if let basis = network.podBasis {
            podPointCount = basis.modes.shape[0]
            coordinateDimensions = 0
        } else {
            podPointCount = 0
            coordinateDimensions = configuration.trunkWidths.first ?? 0
        }
    }

    /// The buffer sizes a call with `functions` input functions and `points` query points needs:
    /// branch `functions × m`, trunk `points × d` (0 for a POD-DeepONet), output `functions × points × K`,
    /// each overflow-checked.
    func bufferCounts(functions: Int, points: Int) throws -> (branch: Int, trunk: Int, output: Int) {
        guard functions >= 1, points >= 1 else { throw CAPIError.invalid("functions and points must be at least 1") }
        return (try checkedProduct([functions, sensorCount], "branch input of \(functions) functions × \(sensorCount) sensors"),
                try checkedProduct([points, coordinateDimensions], "trunk input of \(points) points × \(coordinateDimensions) coordinates"),
                try checkedProduct([functions, points, outputCount], "output of \(functions) functions × \(points) points × \(outputCount) outputs"))
    }

    /// Checks the caller's buffer sizes against what `functions` and `points` need, before any buffer is read.
    func checkBuffers(functions: Int, points: Int, branchCount: Int, trunkCount: Int?, outputCount given: Int) throws {
        let needed = try bufferCounts(functions: functions, points: points)
        guard branchCount == needed.branch else {
            throw CAPIError.shape("branch buffer has \(branchCount) values; \(functions) functions × \(sensorCount) sensors need \(needed.branch)")
        }
        if podPointCount == 0, let trunkCount, trunkCount != needed.trunk {
            throw CAPIError.shape("trunk buffer has \(trunkCount) values; \(points) points × \(coordinateDimensions) coordinates need \(needed.trunk)")
        }
        guard given == needed.output else {
            throw CAPIError.shape("output buffer has \(given) values; \(functions) functions × \(points) points × \(outputCount) outputs need \(needed.output)")
        }
    }

    /// G(u)(y) for `functions` × `sensorCount` branch values and `points` × `coordinateDimensions`
    /// coordinates: `functions` × `points` × `outputCount` values.
    func apply(branch: [Float], functions: Int, trunk: [Float]?, points: Int, outputCount expected: Int) throws -> [Float] {
        try checkBuffers(functions: functions, points: points, branchCount: branch.count, trunkCount: trunk?.count, outputCount: expected)
        guard branch.allSatisfy({ $0.isFinite }) else { throw CAPIError.invalid("branch input contains NaN or infinity") }
        let trunkTensor: Tensor<Float>
        if podPointCount > 0 {
            guard points == podPointCount else {
                throw CAPIError.shape("a POD-DeepONet predicts at its \(podPointCount) training points, not \(points)")
            }
            trunkTensor = Tensor(uncheckedShape: [points, 1], scalars: [Float](repeating: 0, count: points))
        } else {
            let trunk = try required(trunk, "trunk")
            guard trunk.allSatisfy({ $0.isFinite }) else { throw CAPIError.invalid("trunk input contains NaN or infinity") }
            trunkTensor = Tensor(uncheckedShape: [points, coordinateDimensions], scalars: trunk)
        }
        let branchTensor = Tensor<Float>(uncheckedShape: [functions, sensorCount], scalars: branch)
        let result = OperatorHandle.applicationLock.withLock { network.predict(branchInput: branchTensor, trunkInput: trunkTensor) }
        guard result.scalars.count == expected else {
            throw CAPIError(status: .internal, description: "DeepONet produced \(result.scalars.count) values, expected \(expected)")
        }
        return result.scalars
    }
}

// MARK: - C entry points

func deepONetHandle(_ pointer: OpaquePointer?) throws -> DeepONetHandle {
    Unmanaged<DeepONetHandle>.fromOpaque(UnsafeRawPointer(try required(pointer, "deeponet"))).takeUnretainedValue()
}

@_cdecl("pdekit_deeponet_load")
public func pdekit_deeponet_load(_ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    entryPoint {
        let path = String(cString: try required(path, "path"))
        let out = try required(out, "out")
        out.pointee = OpaquePointer(Unmanaged.passRetained(try DeepONetHandle(path: path)).toOpaque())
        return .ok
    }
}

@_cdecl("pdekit_deeponet_free")
public func pdekit_deeponet_free(_ pointer: OpaquePointer?) {
    guard let pointer else { return }
    Unmanaged<DeepONetHandle>.fromOpaque(UnsafeRawPointer(pointer)).release()
}

@_cdecl("pdekit_deeponet_describe")
public func pdekit_deeponet_describe(_ pointer: OpaquePointer?, _ sensors: UnsafeMutablePointer<Int64>?,
                                     _ coordinateDimensions: UnsafeMutablePointer<Int64>?, _ outputs: UnsafeMutablePointer<Int64>?,
                                     _ podPoints: UnsafeMutablePointer<Int64>?) -> Int32 {
    entryPoint {
        let handle = try deepONetHandle(pointer)
        sensors?.pointee = Int64(handle.sensorCount)
        coordinateDimensions?.pointee = Int64(handle.coordinateDimensions)
        outputs?.pointee = Int64(handle.outputCount)
        podPoints?.pointee = Int64(handle.podPointCount)
        return .ok
    }
}

/// Deprecated: the buffer sizes are taken on trust (`functions × sensors` branch values and
/// `points × d` trunk values are read). Use ``pdekit_deeponet_apply_counted_f64``.
@_cdecl("pdekit_deeponet_apply_f64")
public func pdekit_deeponet_apply_f64(_ pointer: OpaquePointer?, _ branch: UnsafePointer<Double>?, _ functions: Int64,
                                      _ trunk: UnsafePointer<Double>?, _ points: Int64,
                                      _ output: UnsafeMutablePointer<Double>?, _ outputCount: Int64) -> Int32 {
    entryPoint {
        let handle = try deepONetHandle(pointer)
        let needed = try handle.bufferCounts(functions: count(functions, "functions"), points: count(points, "points"))
        return try applyCounted(handle, branch: branch, branchCount: needed.branch, functions: functions, trunk: trunk,
                                trunkCount: needed.trunk, points: points, output: output, outputCount: outputCount)
    }
}

/// G(u_i)(y_j) with every buffer's length given, checked before the buffer is read or written.
@_cdecl("pdekit_deeponet_apply_counted_f64")
public func pdekit_deeponet_apply_counted_f64(_ pointer: OpaquePointer?, _ branch: UnsafePointer<Double>?, _ branchCount: Int64,
                                              _ functions: Int64, _ trunk: UnsafePointer<Double>?, _ trunkCount: Int64, _ points: Int64,
                                              _ output: UnsafeMutablePointer<Double>?, _ outputCount: Int64) -> Int32 {
    entryPoint {
        try applyCounted(try deepONetHandle(pointer), branch: branch, branchCount: count(branchCount, "branch_count"), functions: functions,
                         trunk: trunk, trunkCount: count(trunkCount, "trunk_count"), points: points, output: output, outputCount: outputCount)
    }
}

/// The body of both apply entry points: sizes checked first, then the buffers copied and the model applied.
private func applyCounted(_ handle: DeepONetHandle, branch: UnsafePointer<Double>?, branchCount: Int, functions: Int64,
                          trunk: UnsafePointer<Double>?, trunkCount: Int, points: Int64,
                          output: UnsafeMutablePointer<Double>?, outputCount: Int64) throws -> CAPIStatus {
    let branch = try required(branch, "branch"), output = try required(output, "output")
    let functions = try count(functions, "functions"), points = try count(points, "points"), outputCount = try count(outputCount, "output_count")
    let usesTrunk = handle.podPointCount == 0
    try handle.checkBuffers(functions: functions, points: points, branchCount: branchCount,
                            trunkCount: usesTrunk ? trunkCount : nil, outputCount: outputCount)
    let branchValues = UnsafeBufferPointer(start: branch, count: branchCount).map { Float($0) }
    let trunkValues = usesTrunk ? UnsafeBufferPointer(start: try required(trunk, "trunk"), count: trunkCount).map { Float($0) } : nil
    let result = try handle.apply(branch: branchValues, functions: functions, trunk: trunkValues, points: points, outputCount: outputCount)
    for index in 0..<outputCount { output[index] = Double(result[index]) }
    return .ok
}
