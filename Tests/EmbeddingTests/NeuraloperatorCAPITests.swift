import Foundation
import Testing
import PDEKit
import PDEKitC

/// A neuraloperator FNO trained in PyTorch, imported with `NeuraloperatorRun` (what `pdekit import
/// neuraloperator` runs), loaded through the C API: row-major and column-major (Fortran) calls give
/// PyTorch's recorded outputs at every resolution.
@Suite struct NeuraloperatorCAPITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/neuraloperator")

    static func relativeDifference(_ x: [Float], _ y: [Float]) -> Double {
        guard x.count == y.count else { return .nan }
        let difference = zip(x, y).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +)
        return (difference / y.map { Double($0) * Double($0) }.reduce(0, +)).squareRoot()
    }

    /// Row-major `[fields][n0][n1]` → Fortran order (first axis fastest), per field.
    static func columnMajor(_ values: [Float], n0: Int, n1: Int) -> [Float] {
        var result = values
        for field in 0..<(values.count / (n0 * n1)) {
            for i in 0..<n0 { for j in 0..<n1 { result[field * n0 * n1 + i + n0 * j] = values[field * n0 * n1 + i * n1 + j] } }
        }
        return result
    }

    @Test func importedCheckpointMatchesPyTorchThroughTheCAPIInBothLayouts() throws {
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("nop-capi-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: run) }
        try NeuraloperatorRun.importCheckpoint(Self.fixtures.appendingPathComponent("fno2d_state_dict.pt").path,
                                               metadata: Self.fixtures.appendingPathComponent("fno2d_metadata.pkl").path, to: run)
        var handle: OpaquePointer?
        try #require(pdekit_operator_load(run.path, &handle) == 0, "\(String(cString: pdekit_last_error()))")
        defer { pdekit_operator_free(handle) }
        let expected = try SafetensorsArchive(contentsOf: Self.fixtures.appendingPathComponent("fno2d_expected.safetensors"))
        for n in [32, 48, 64] {
            let input: Tensor<Float> = try expected.tensor(named: "input.\(n)")
            let reference: Tensor<Float> = try expected.tensor(named: "output.\(n)")
            let batch = input.shape[0], grid: [Int64] = [Int64(n), Int64(n)]
            var output = [Float](repeating: .nan, count: reference.count)
            #expect(pdekit_operator_apply_f32(handle, input.scalars, Int64(input.count), Int64(batch), grid, 2, &output, Int64(output.count)) == 0)
            let rowDifference = Self.relativeDifference(output, reference.scalars)
            #expect(rowDifference <= 1e-5, "row-major \(n)²: \(rowDifference)")
            // Non-square check of the layout: the same field read as Fortran a(i0, i1).
            var columnOutput = [Float](repeating: .nan, count: reference.count)
            #expect(pdekit_operator_apply_layout_f32(handle, Self.columnMajor(input.scalars, n0: n, n1: n), Int64(input.count), Int64(batch),
                                                     grid, 2, 1, &columnOutput, Int64(columnOutput.count)) == 0)
            let columnDifference = Self.relativeDifference(columnOutput, Self.columnMajor(reference.scalars, n0: n, n1: n))
            #expect(columnDifference <= 1e-5, "column-major \(n)²: \(columnDifference)")
            var doubleOutput = [Double](repeating: .nan, count: reference.count)
            #expect(pdekit_operator_apply_layout_f64(handle, input.scalars.map(Double.init), Int64(input.count), Int64(batch),
                                                     grid, 2, 0, &doubleOutput, Int64(doubleOutput.count)) == 0)
            #expect(Self.relativeDifference(doubleOutput.map(Float.init), reference.scalars) <= 1e-5)
        }
        var output = [Float](repeating: 0, count: 32 * 32)
        let input = [Float](repeating: 1, count: 32 * 32)
        #expect(pdekit_operator_apply_layout_f32(handle, input, Int64(input.count), 1, [32, 32], 2, 7, &output, Int64(output.count)) == 2)
        #expect(String(cString: pdekit_last_error()).contains("layout"))
        #expect(pdekit_operator_apply_layout_f32(handle, input, 0, 1, [1 << 20, 1 << 20], 2, 1, &output, Int64(output.count)) != 0)
    }

    /// A non-square grid in column-major order equals the row-major call on the transposed memory.
    @Test func columnMajorLayoutOnANonSquareGridIsTheRowMajorCallReordered() throws {
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("nop-capi-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: run) }
        try NeuraloperatorRun.importCheckpoint(Self.fixtures.appendingPathComponent("fno2d_state_dict.pt").path, to: run)
        var handle: OpaquePointer?
        try #require(pdekit_operator_load(run.path, &handle) == 0)
        defer { pdekit_operator_free(handle) }
        let (n0, n1) = (32, 40)
        let input = (0..<(n0 * n1)).map { Float(sin(Double($0) * 0.013) + cos(Double($0 % n1) * 0.4)) }
        var rowOutput = [Float](repeating: .nan, count: n0 * n1), columnOutput = rowOutput
        #expect(pdekit_operator_apply_f32(handle, input, Int64(input.count), 1, [Int64(n0), Int64(n1)], 2, &rowOutput, Int64(rowOutput.count)) == 0)
        #expect(pdekit_operator_apply_layout_f32(handle, Self.columnMajor(input, n0: n0, n1: n1), Int64(input.count), 1,
                                                 [Int64(n0), Int64(n1)], 2, 1, &columnOutput, Int64(columnOutput.count)) == 0)
        #expect(columnOutput == Self.columnMajor(rowOutput, n0: n0, n1: n1))
    }
}
