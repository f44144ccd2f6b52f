import Foundation
import Testing
import Training

/// `CoreDemo` (`pdekit demo`): the default run meets both targets and writes its plots; a run too short to
/// fit sin(x) is a ``CoreDemo/Failure`` whose message carries the figures; a step count below 1 is refused.
@Suite struct CoreDemoTests {
    @Test func defaultRunMeetsItsTargetsAndShortRunReportsTheMiss() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var lines: [String] = []
        try CoreDemo(output: directory.path).run { lines.append($0) }
        #expect(lines.first?.hasPrefix("PDEKit ") == true && lines.last == "demo: all targets met")
        // The reported figures are below the targets the demo states (parsed from its lines, not trusted).
        let fft = try #require(lines.first { $0.hasPrefix("FFT:") })
        let roundTrip = try #require(Double(fft.split(separator: " ").last.map(String.init) ?? ""))
        #expect(roundTrip.isFinite && roundTrip < 1e-5)
        let mlp = try #require(lines.first { $0.hasPrefix("MLP:") })
        let mse = try #require(mlp.range(of: "final MSE ").map { Double(mlp[$0.upperBound...].prefix { $0 != " " }) } ?? nil)
        #expect(mse.isFinite && mse < 1e-3)
        for name in ["fit.png", "loss.png"] { #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path)) }

        do {
            try CoreDemo(steps: 3, output: directory.path).run { _ in }
            Issue.record("3 Adam steps met the MSE target")
        } catch {
            #expect((error as? CoreDemo.Failure)?.description.hasPrefix("demo did not reach its targets (MSE ") == true, "\(error)")
        }
        #expect(throws: CoreDemo.Failure.self) { try CoreDemo(steps: 0).validate() }
        #expect(throws: CoreDemo.Failure.self) { try CoreDemo(steps: 0, output: directory.path).run { _ in } }
    }
}
