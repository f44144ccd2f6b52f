import Foundation
import Testing
import PDEKit

/// `AntiderivativeDatasetFile` (`pdekit generate antiderivative`): DeepXDE's arrays, and s = ∫u checked
/// against the trapezoid rule on the sensors (the file integrates on a 10× finer grid: O(h²) apart).
@Suite struct AntiderivativeDatasetFileTests {
    @Test func badValuesNameTheirFlag() {
        let good = AntiderivativeDatasetFile(trainCount: 2, testCount: 1, sensorCount: 10, lengthScale: 0.2, seed: 0, path: "a.npz")
        var cases: [(AntiderivativeDatasetFile, String)] = []
        var file = good; file.sensorCount = 1; cases.append((file, "--sensors"))
        file = good; file.lengthScale = .nan; cases.append((file, "--length-scale"))
        file = good; file.path = "a.csv"; cases.append((file, "--output"))
        file = good; file.trainCount = 0; cases.append((file, "--samples"))
        for (file, flag) in cases {
            let error = #expect(throws: AntiderivativeDatasetFile.InvalidValue.self) { try file.validate() }
            #expect(error?.description.hasPrefix(flag) == true, "\(String(describing: error))")
        }
    }

    @Test func writtenArraysIntegrateTheirInputs() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-anti-\(UUID().uuidString).npz").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let m = 41
        let file = AntiderivativeDatasetFile(trainCount: 3, testCount: 2, sensorCount: m, lengthScale: 0.2, seed: 7, path: path)
        try file.validate()
        #expect(try file.write().hasPrefix("wrote \(path): 3 train + 2 test functions"))
        let arrays = Dictionary(uniqueKeysWithValues: try NPZFile.read(path).map { ($0.name, $0.array) })
        #expect(arrays["X_train0"]?.shape == [3, m] && arrays["X_train1"]?.shape == [m, 1] && arrays["y_test"]?.shape == [2, m])
        let u = try #require(arrays["X_train0"]).doubleValues, s = try #require(arrays["y_train"]).doubleValues
        #expect(try #require(arrays["X_test0"]).doubleValues != Array(u.prefix(2 * m)))   // independent streams
        let h = 1.0 / Double(m - 1)
        for row in 0..<3 {
            var integral = 0.0
            #expect(s[row * m] == 0)
            for j in 1..<m {
                integral += h * (u[row * m + j - 1] + u[row * m + j]) / 2
                let difference = abs(s[row * m + j] - integral)
                #expect(difference.isFinite && difference < 5e-3, "row \(row) sensor \(j): \(s[row * m + j]) vs \(integral)")
            }
        }
    }
}
