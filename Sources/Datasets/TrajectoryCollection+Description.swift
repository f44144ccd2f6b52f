import Foundation

extension TrajectoryCollection {
    /// What a collection file or directory holds, in the collection's own words (fields, time steps,
    /// boundary conditions, splits): the lines `pdekit inspect` prints; nil for other files.
    public static func describe(_ path: String) throws -> [String]? {
        guard let layout = try detect(path) else { return nil }
        func shape(_ file: HDF5File, _ name: String) throws -> String { "[" + (try file.datasetInfo(name).shape.map(String.init).joined(separator: ", ")) + "]" }
        func coordinates(_ file: HDF5File, _ names: [String]) throws -> [String] {
            try names.filter { try file.exists($0) }.map { name in
                let values = try file.readDataset(name).doubleValues
                return "\(name) \(try shape(file, name)) from \(format(values.first ?? .nan)) to \(format(values.last ?? .nan))"
            }
        }
        switch layout {
        case .theWellDirectory:
            var lines = ["\(layout.rawValue)"]
            let splits = try wellSplitDirectories(path)
            for split in ["train", "valid", "test"] {
                guard let directory = splits[split] else { lines.append("  split \(split): missing"); continue }
                let files = try wellFiles(in: directory)
                var total = 0
                for file in files {
                    let (sum, overflow) = total.addingReportingOverflow(try WellFile(path: file).trajectoryCount)
                    guard !overflow else { throw DatasetError.malformed(path: directory, detail: "the files' n_trajectories add up beyond a 64-bit count") }
                    total = sum
                }
                lines.append("  split \(split): \(files.count) file\(files.count == 1 ? "" : "s"), \(total) trajectories (\(directory))")
            }
            if let first = try splits["train"].flatMap({ try wellFiles(in: $0).first }) {
                lines += try describeWell(WellFile(path: first)).map { "  " + $0 }
            }
            return lines
        case .theWellFile:
            return ["\(layout.rawValue)"] + (try describeWell(WellFile(path: path))).map { "  " + $0 }
        case .pdebenchTensor, .pdebenchDarcy, .pdebenchCFD:
            let file = try HDF5File(opening: path)
            defer { try? file.close() }
            var lines = ["\(layout.rawValue) layout"]
            switch layout {
            case .pdebenchTensor:
                lines.append("  tensor \(try shape(file, "tensor")): [samples, time steps, x(, y, z)], one field")
            case .pdebenchDarcy:
                lines.append("  nu \(try shape(file, "nu")): the coefficient (input); tensor \(try shape(file, "tensor")): the solution (target)")
            default:
                let present = try cfdFields.filter { try file.exists($0) }
                lines.append("  fields \(present.joined(separator: ", ")) \(try shape(file, "density")): [samples, time steps, grid…], channels in this order")
                let parameters = try file.attributes(of: "/").map { "\($0.name) = \($0.value)" }
                if !parameters.isEmpty { lines.append("  parameters: " + parameters.joined(separator: ", ")) }
            }
            lines += try coordinates(file, ["x-coordinate", "y-coordinate", "z-coordinate", "t-coordinate"]).map { "  " + $0 }
            return lines
        case .pdebenchSeeds:
            let file = try HDF5File(opening: path)
            defer { try? file.close() }
            let groups = try seedGroups(file)
            var lines = ["\(layout.rawValue): \(groups.count) seeds (\(groups.first ?? "")…\(groups.last ?? ""))"]
            if let first = groups.first {
                lines.append("  \(first)/data \(try shape(file, first + "/data")): [time steps, x(, y), channels]")
                lines += try coordinates(file, ["x", "y", "z", "t"].map { "\(first)/grid/\($0)" }).map { "  " + $0 }
            }
            return lines
        }
    }

    static func describeWell(_ well: WellFile) -> [String] {
        var lines = ["dataset \(well.datasetName), \(well.gridType) grid \(well.spatialDimensionNames.joined(separator: " × ")) = \(well.grid.map(String.init).joined(separator: " × ")), \(well.trajectoryCount) trajectories × \(well.timeSteps) time steps (t = \(format(well.times.first ?? .nan)) … \(format(well.times.last ?? .nan)))"]
        if !well.simulationParameters.isEmpty {
            lines.append("simulation parameters: " + well.simulationParameters.map { "\($0.name) = \($0.value)" }.joined(separator: ", "))
        }
        lines.append("boundary conditions: " + (well.boundaryConditions.isEmpty ? "none" :
            well.boundaryConditions.map { "\($0.name) \($0.type) on \($0.associatedDimensions.joined(separator: ", "))" }.joined(separator: "; ")))
        if !well.scalars.isEmpty {
            lines.append("scalars: " + well.scalars.map { scalar in
                scalar.value.map { "\(scalar.name) = \(format($0))" } ?? "\(scalar.name) (\(varying(sample: scalar.sampleVarying, time: scalar.timeVarying)))"
            }.joined(separator: ", "))
        }
        for field in well.fields {
            var text = "t\(field.order) field \(field.name) \(field.shape): \(varying(sample: field.sampleVarying, time: field.timeVarying))"
            let constantAxes = zip(well.spatialDimensionNames, field.dimVarying).filter { !$0.1 }.map(\.0)
            if !constantAxes.isEmpty { text += ", constant along \(constantAxes.joined(separator: ", "))" }
            if field.order > 0 { text += "; channels \(field.channelNames.joined(separator: ", "))" }
            lines.append(text)
        }
        lines.append("training channels (time-varying fields): " + well.channelNames.joined(separator: ", "))
        return lines
    }

    static func varying(sample: Bool, time: Bool) -> String {
        switch (sample, time) {
        case (true, true): return "per trajectory and time step"
        case (true, false): return "per trajectory, constant in time"
        case (false, true): return "per time step, shared by all trajectories"
        case (false, false): return "constant"
        }
    }

    static func format(_ value: Double) -> String { String(format: "%g", value) }
}
