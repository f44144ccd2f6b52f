import Foundation

/// The fixtures written by `bench/peers/neuralop_fixtures.py make` (real torch and neuraloperator).
enum FixturePaths {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/neuraloperator")
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}
