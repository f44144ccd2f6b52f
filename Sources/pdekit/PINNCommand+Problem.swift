import ArgumentParser
import Foundation
import PDEKit

/// `pdekit pinn --problem FILE`: a user-defined problem (`PDEProblemDescription`) solved by the
/// same trainer, logs and outputs as the bundled problems.
extension PINN {
    /// Interior points a loaded problem file asks for (the RAR candidate count follows them).
    nonisolated(unsafe) static var problemFileDomainPoints: Int? = nil

    func runProblemFile() throws {
        guard let path = problemFile else {
            throw CommandError(description: "give a bundled problem (\(Problem.allCases.map(\.rawValue).joined(separator: ", "))) or --problem FILE")
        }
        guard bundledProblem == nil else {
            throw CommandError(description: "give either a bundled problem or --problem FILE, not both")
        }
        let description = try ProblemFile.load(path: path)
        if description.settings.domainPoints > 0 { PINN.problemFileDomainPoints = description.settings.domainPoints }
        let solver = try ProblemPINN(problem: description)
        var options = self.options
        options.constraints = constraints ?? (description.settings.constraints == "hard" ? .hard : .soft)
        switch precision {
        case .float64: try runProblem(solver, options: options, Double.self)
        case .float32: try runProblem(solver, options: options, Float.self)
        }
    }

    func runProblem<Scalar: TensorScalar>(_ solver: ProblemPINN, options: PINNProblemOptions, _: Scalar.Type) throws {
        let directory = URL(fileURLWithPath: output, isDirectory: true)
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw CommandError(description: "cannot create output directory \(output): \(error.localizedDescription)")
        }
        let problem = solver.problem
        let referencePath = reference ?? problem.settings.reference?.path
        var referenceGrid: (points: [Double], grid: [Int], values: [Double])? = nil
        if let referencePath {
            let axes = problem.settings.reference?.axes ?? problem.coordinateNames
            let valuesName = problem.settings.reference?.values ?? "usol"
            let arrays = try NPZFile.read(referencePath)
            func array(_ key: String) -> NumericArray? { arrays.first { $0.name == key }?.array }
            let axisArrays = axes.map(array)
            guard axes.count == problem.dimension, axisArrays.allSatisfy({ $0 != nil && $0!.count > 0 }), let values = array(valuesName),
                  values.shape == axisArrays.map({ $0!.count }) else {
                throw CommandError(description: "\(referencePath): expected arrays \(axes.joined(separator: ", ")) (one per coordinate \(problem.coordinateNames.joined(separator: ", "))) and \(valuesName) on their grid")
            }
            let nodes = axisArrays.map { $0!.doubleValues }, flat = values.doubleValues
            guard (nodes.flatMap { $0 } + flat).allSatisfy(\.isFinite) else { throw CommandError(description: "\(referencePath): the reference holds non-finite values") }
            let grid = nodes.map(\.count)
            let total = try MemoryBudget.product(grid, what: "reference grid")
            var points: [Double] = []
            points.reserveCapacity(total * grid.count)
            for flatIndex in 0..<total {
                var rest = flatIndex, point = [Double](repeating: 0, count: grid.count)
                for axis in stride(from: grid.count - 1, through: 0, by: -1) { point[axis] = nodes[axis][rest % grid[axis]]; rest /= grid[axis] }
                points += point
            }
            referenceGrid = (points, grid, flat)
        }
        let setup: PINNSetup<Scalar> = try solver.makeSetup(options: options, reference: referenceGrid)
        let log = PINNRunLog(directory: directory)
        let name = problem.name
        let report = try train(setup, log: log, label: name)
        let prediction = setup.prediction()
        let error = setup.relativeL2Error()
        guard prediction.allSatisfy(\.isFinite), error.map(\.isFinite) ?? true else {
            throw CommandError(description: "\(name): the trained network predicts non-finite values")
        }
        var summary = baseSummary(name: name, report: report, parameterCount: setup.model.parameterCount)
        summary["problem_file"] = problemFile
        summary["constraints"] = options.constraints.rawValue
        summary["relative_l2_error"] = error.map { $0 as Any } ?? NSNull()
        summary["evaluation_points"] = prediction.count
        var identified: [String] = []
        if !problem.parameters.isEmpty {
            var parameters: [String: Any] = [:]
            for p in problem.parameters {
                let value = Double(setup.model.scalarParameter(p.name)!.value.scalars[0])
                // JSON has no ∞/NaN: a non-finite figure is null; a zero truth has no relative error.
                func finiteOrNull(_ x: Double) -> Any { x.isFinite ? x : NSNull() }
                var entry: [String: Any] = ["identified": finiteOrNull(value), "initial": p.initialValue]
                if let truth = p.trueValue {
                    entry["true"] = truth
                    entry["absolute_error"] = finiteOrNull(abs(value - truth))
                    entry["relative_error"] = truth == 0 ? NSNull() : finiteOrNull(abs(value - truth) / abs(truth))
                }
                parameters[p.name] = entry
                identified.append(String(format: "%@ = %.6g%@", p.name, value, p.trueValue.map { String(format: " (true %.6g)", $0) } ?? ""))
            }
            summary["parameters"] = parameters
        }
        try log.writeSummary(summary)
        try log.writeSolution(axes: problem.coordinateNames, points: setup.evaluationPoints, prediction: prediction, reference: setup.reference)
        if !noPlots && problem.geometry.isBox && setup.evaluationGrid.count <= 2 {
            try log.writePlots(name: name, grid: setup.evaluationGrid, points: setup.evaluationPoints, prediction: prediction, reference: setup.reference)
        }
        print(String(format: "%@: relative L2 error %@, loss %.3e, %.2f s (Adam %ld, L-BFGS %ld iterations)%@; output in %@",
                     name, error.map { String(format: "%.3e", $0) } ?? "n/a (no reference)", report.finalLoss, report.wallSeconds,
                     report.adamIterations, report.lbfgsIterations, identified.isEmpty ? "" : ", " + identified.joined(separator: ", "), output))
    }
}
