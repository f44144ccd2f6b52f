import Foundation
import Datasets

/// Paths and helpers shared by the Datasets tests.
enum Fixtures {
    /// `datasets/fixtures/` in the repository (made by `make_fixtures.py`).
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("datasets/fixtures")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The values `make_fixtures.py`'s `ramp` produces: element k is offset + scale · k.
    static func ramp(_ count: Int, scale: Double, offset: Double = 0) -> [Double] {
        (0..<count).map { offset + scale * Double($0) }
    }
}

/// A fresh temporary folder, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-datasets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// One array of every element type with distinctive values.
func arraysOfEveryType() throws -> [(String, NumericArray)] {
    [
        ("f32", try NumericArray(shape: [2, 3], storage: .float32([1.5, -2.25, 3e-8, .greatestFiniteMagnitude, 0, -0.0]))),
        ("f64", try NumericArray(shape: [3, 1, 2], storage: .float64([.pi, -1e300, 2.5e-310, 7, 8, 9]))),
        ("i32", try NumericArray(shape: [4], storage: .int32([Int32.min, -1, 0, Int32.max]))),
        ("i64", try NumericArray(shape: [2, 2], storage: .int64([Int64.min, -7, 1 << 40, Int64.max]))),
        ("u8", try NumericArray(shape: [5], storage: .uint8([0, 1, 127, 128, 255]))),
        ("b1", try NumericArray(shape: [1, 3], storage: .bool([true, false, true]))),
        ("scalar", try NumericArray(shape: [], storage: .float64([42]))),
        ("empty", try NumericArray(shape: [0, 3], storage: .float32([]))),
    ]
}
