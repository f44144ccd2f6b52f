import Foundation
import TensorCore
import Training

/// What a `pdekit_operator *` points to: a trained FNO or MgNO loaded from a `pdekit train` checkpoint.
///
/// The C side only ever sees `Unmanaged<OperatorHandle>.toOpaque()`; the model, its normalizers and
/// the shapes stay on this side of the boundary.
final class OperatorHandle {
    let trained: TrainedModel
    let spatialRank: Int
    let inputChannels: Int
    let outputChannels: Int

    /// Inference is serialized process-wide: the FFT plan cache and the parallel loops are shared,
    /// and one application already uses every core through the batch.
    static let applicationLock = NSLock()

    init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CAPIError.io("no checkpoint at \(path)")
        }
        var url = URL(fileURLWithPath: path)
        if isDirectory.boolValue {
            let best = url.appendingPathComponent("best.safetensors"), last = url.appendingPathComponent("checkpoint.safetensors")
            if FileManager.default.fileExists(atPath: best.path) { url = best }
            else if FileManager.default.fileExists(atPath: last.path) { url = last }
            else { throw CAPIError.io("\(path) is a directory without best.safetensors or checkpoint.safetensors") }
        }
        trained = try TrainedModel.load(from: url).0
        spatialRank = trained.spatialDimensions
        if let fno = trained.fno {
            (inputChannels, outputChannels) = (fno.configuration.inputChannels, fno.configuration.outputChannels)
        } else if let mgno = trained.mgno {
            (inputChannels, outputChannels) = (mgno.configuration.inputChannels, mgno.configuration.outputChannels)
        } else {
            throw CAPIError.io("\(url.path) holds a \(trained.kind) model, which the C API does not apply yet")
        }
    }

    /// Checks a grid given as C array against the model and returns it as sizes.
    func grid(_ pointer: UnsafePointer<Int64>?, rank: Int32) throws -> [Int] {
        guard Int(rank) == spatialRank else {
            throw CAPIError.shape("grid rank \(rank) does not match the operator's spatial rank \(spatialRank)")
        }
        let sizes = UnsafeBufferPointer(start: try required(pointer, "grid"), count: spatialRank).map { Int($0) }
        guard sizes.allSatisfy({ $0 >= 1 && $0 <= 1 << 20 }) else { throw CAPIError.shape("grid sizes \(sizes) must be positive") }
        return sizes
    }

    /// Applies the model to `batch` fields given as Float scalars, returning the output scalars.
    func apply(_ scalars: [Float], batch: Int, grid: [Int], outputCount: Int) throws -> [Float] {
        guard batch >= 1 else { throw CAPIError.invalid("batch must be at least 1, got \(batch)") }
        let points = try checkedProduct(grid, "grid \(grid)")
        let expectedInput = try checkedProduct([batch, inputChannels, points], "input of batch \(batch) × \(inputChannels) channels × grid \(grid)")
        guard scalars.count == expectedInput else {
            throw CAPIError.shape("input has \(scalars.count) values but batch \(batch) × \(inputChannels) channels × grid \(grid) needs \(expectedInput)")
        }
        let expectedOutput = try checkedProduct([batch, outputChannels, points], "output of batch \(batch) × \(outputChannels) channels × grid \(grid)")
        guard outputCount == expectedOutput else {
            throw CAPIError.shape("output buffer has \(outputCount) values but batch \(batch) × \(outputChannels) channels × grid \(grid) needs \(expectedOutput)")
        }
        guard scalars.allSatisfy({ $0.isFinite }) else { throw CAPIError.invalid("input contains NaN or infinity") }
        let input = Tensor<Float>(uncheckedShape: [batch, inputChannels] + grid, scalars: scalars)
        let output = try Self.applicationLock.withLock { try trained.predict(input) }
        guard output.scalars.count == expectedOutput else {
            throw CAPIError(status: .internal, description: "model produced \(output.scalars.count) values, expected \(expectedOutput)")
        }
        return output.scalars
    }
}

// MARK: - C entry points

@_cdecl("pdekit_operator_load")
public func pdekit_operator_load(_ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    entryPoint {
        let path = String(cString: try required(path, "path"))
        let out = try required(out, "out")
        let handle = try OperatorHandle(path: path)
        out.pointee = OpaquePointer(Unmanaged.passRetained(handle).toOpaque())
        return .ok
    }
}

@_cdecl("pdekit_operator_free")
public func pdekit_operator_free(_ op: OpaquePointer?) {
    guard let op else { return }
    Unmanaged<OperatorHandle>.fromOpaque(UnsafeRawPointer(op)).release()
}

/// The handle behind a C pointer (not retained: the caller keeps it alive for the call).
func operatorHandle(_ op: OpaquePointer?) throws -> OperatorHandle {
    Unmanaged<OperatorHandle>.fromOpaque(UnsafeRawPointer(try required(op, "operator"))).takeUnretainedValue()
}

@_cdecl("pdekit_operator_describe")
public func pdekit_operator_describe(_ op: OpaquePointer?, _ spatialRank: UnsafeMutablePointer<Int32>?,
                                     _ inputChannels: UnsafeMutablePointer<Int64>?, _ outputChannels: UnsafeMutablePointer<Int64>?) -> Int32 {
    entryPoint {
        let handle = try operatorHandle(op)
        spatialRank?.pointee = Int32(handle.spatialRank)
        inputChannels?.pointee = Int64(handle.inputChannels)
        outputChannels?.pointee = Int64(handle.outputChannels)
        return .ok
    }
}

@_cdecl("pdekit_operator_training_grid")
public func pdekit_operator_training_grid(_ op: OpaquePointer?, _ grid: UnsafeMutablePointer<Int64>?, _ capacity: Int32) -> Int32 {
    entryPoint {
        let handle = try operatorHandle(op)
        let grid = try required(grid, "grid")
        guard Int(capacity) >= handle.spatialRank else {
            throw CAPIError.shape("capacity \(capacity) is less than the spatial rank \(handle.spatialRank)")
        }
        guard let sizes = handle.trained.trainingGrid else {
            throw CAPIError.invalid("the checkpoint does not record its training grid (no normalizer statistics)")
        }
        for (index, size) in sizes.enumerated() { grid[index] = Int64(size) }
        return .ok
    }
}

@_cdecl("pdekit_operator_apply_f32")
public func pdekit_operator_apply_f32(_ op: OpaquePointer?, _ input: UnsafePointer<Float>?, _ inputCount: Int64,
                                      _ batch: Int64, _ grid: UnsafePointer<Int64>?, _ gridRank: Int32,
                                      _ output: UnsafeMutablePointer<Float>?, _ outputCount: Int64) -> Int32 {
    entryPoint {
        let handle = try operatorHandle(op)
        let input = try required(input, "input"), output = try required(output, "output")
        let sizes = try handle.grid(grid, rank: gridRank)
        let inputCount = try count(inputCount, "input_count"), outputCount = try count(outputCount, "output_count")
        let result = try handle.apply(Array(UnsafeBufferPointer(start: input, count: inputCount)), batch: Int(batch),
                                      grid: sizes, outputCount: outputCount)
        _ = UnsafeMutableBufferPointer(start: output, count: outputCount).initialize(from: result)
        return .ok
    }
}

@_cdecl("pdekit_operator_apply_f64")
public func pdekit_operator_apply_f64(_ op: OpaquePointer?, _ input: UnsafePointer<Double>?, _ inputCount: Int64,
                                      _ batch: Int64, _ grid: UnsafePointer<Int64>?, _ gridRank: Int32,
                                      _ output: UnsafeMutablePointer<Double>?, _ outputCount: Int64) -> Int32 {
    entryPoint {
        let handle = try operatorHandle(op)
        let input = try required(input, "input"), output = try required(output, "output")
        let sizes = try handle.grid(grid, rank: gridRank)
        let inputCount = try count(inputCount, "input_count"), outputCount = try count(outputCount, "output_count")
        let result = try handle.apply(UnsafeBufferPointer(start: input, count: inputCount).map { Float($0) }, batch: Int(batch),
                                      grid: sizes, outputCount: outputCount)
        for index in 0..<outputCount { output[index] = Double(result[index]) }
        return .ok
    }
}
