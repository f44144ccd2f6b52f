import Foundation
import TensorCore
import Datasets
import PDEs
import RunSupport

/// `pdekit pinn --problem FILE`: a user-defined problem (`PDEProblemDescription`) solved by the same
/// trainer, logs and outputs as the bundled problems.
extension PINNRun {
    func runProblemFile() throws {
        guard let path = configuration.problemFile else {
            throw PINNRunError(description: "give a bundled problem (\(PINNRunConfiguration.Problem.allCases.map(\.rawValue).joined(separator: ", "))) or --problem FILE")
        }
        guard configuration.bundledProblem == nil else {
            throw PINNRunError(description: "give either a bundled problem or --problem FILE, not both")
        }
        let description = try ProblemFile.load(path: path)
        if description.settings.domainPoints > 0 { fileDomainPoints = description.settings.domainPoints }
        let solver = try ProblemPINN(problem: description)
        var options = configuration.problemOptions
        options.constraints = configuration.constraints ?? (description.settings.constraints == "hard" ? .hard : .soft)
        switch configuration.precision {
        case .float64: try runProblem(solver, options: options, Double.self)
        case .float32: try runProblem(solver, options: options, Float.self)
        }
    }

    /// The reference of a problem file (`settings.reference` or `reference`): one array per coordinate and
    /// the values on their tensor-product grid, as points `[N, d]`, the grid and the values.
    func referenceGrid(_ problem: PDEProblemDescription) throws -> (points: [Double], grid: [Int], values: [Double])? {
        guard let referencePath = configuration.reference ?? problem.settings.reference?.path else { return nil }
        let axes = problem.settings.reference?.axes ?? problem.coordinateNames
        let valuesName = problem.settings.reference?.values ?? "usol"
        let arrays = try NPZFile.read(referencePath)
        func array(_ key: String) -> NumericArray? { arrays.first { $0.name == key }?.array }
        let axisArrays = axes.map(array)
        guard axes.count == problem.dimension, axisArrays.allSatisfy({ $0 != nil && $0!.count > 0 }), let values = array(valuesName),
              values.shape == axisArrays.map({ $0!.count }) else {
            throw PINNRunError(description: "\(referencePath): expected arrays \(axes.joined(separator: ", ")) (one per coordinate \(problem.coordinateNames.joined(separator: ", "))) and \(valuesName) on their grid")
        }
        let nodes = axisArrays.map { $0!.doubleValues }, flat = values.doubleValues
        guard (nodes.flatMap { $0 } + flat).allSatisfy(\.isFinite) else { throw PINNRunError(description: "\(referencePath): the reference holds non-finite values") }
        let grid = nodes.map(\.count)
        let total = try MemoryBudget.product(grid, what: "reference grid")
        var points: [Double] = []
        points.reserveCapacity(total * grid.count)
        for flatIndex in 0..<total {
            var rest = flatIndex, point = [Double](repeating: 0, count: grid.count)
            for axis in stride(from: grid.count - 1, through: 0, by: -1) { point[axis] = nodes[axis][rest % grid[axis]]; rest /= grid[axis] }
            points += point
        }
        return (points, grid, flat)
    }

    func runProblem<Scalar: TensorScalar>(_ solver: ProblemPINN, options: PINNProblemOptions, _: Scalar.Type) throws {
        let problem = solver.problem
        let setup: PINNSetup<Scalar> = try solver.makeSetup(options: options, reference: try referenceGrid(problem))
        try runForward(setup, name: problem.name, axes: problem.coordinateNames, log: makeLog(),
                       plotsAllowed: problem.geometry.isBox && setup.evaluationGrid.count <= 2) { summary in
            summary["problem_file"] = configuration.problemFile
            summary["constraints"] = options.constraints.rawValue
            var identified: [String] = []
            guard !problem.parameters.isEmpty else { return "" }
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
            return ", " + identified.joined(separator: ", ")
        }
    }
}
