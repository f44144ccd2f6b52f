import Foundation
import Testing
import Datasets

/// HDF5: round trips of every type, chunking and deflate, attributes, groups, hyperslabs,
/// resumable appends, atomic writes and typed errors.
@Suite struct HDF5FileTests {
    @Test func roundTripsEveryElementTypeWithAndWithoutCompression() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("types.h5")
        let arrays = try arraysOfEveryType()
        try HDF5File.writeAtomically(to: path) { file in
            for (name, array) in arrays {
                try file.writeDataset("plain/" + name, array)
                if !array.shape.isEmpty && !array.shape.contains(0) {
                    try file.writeDataset("deflated/" + name, array, options: HDF5DatasetOptions(chunkShape: array.shape.map { max(1, $0 / 2) }, deflateLevel: 4))
                }
            }
        }
        let file = try HDF5File(opening: path)
        for (name, array) in arrays {
            #expect(try file.readDataset("plain/" + name) == array, "\(name)")
            let info = try file.datasetInfo("plain/" + name)
            #expect(info.shape == array.shape && info.elementType == array.elementType && !info.isCompressed)
            if !array.shape.isEmpty && !array.shape.contains(0) {
                #expect(try file.readDataset("/deflated/" + name) == array, "\(name) deflated")
                let deflated = try file.datasetInfo("deflated/" + name)
                #expect(deflated.isCompressed && deflated.chunkShape == array.shape.map { max(1, $0 / 2) })
            }
        }
        let entries = try file.contents()
        #expect(entries.filter { $0.kind == .group }.map(\.path) == ["/deflated", "/plain"])
        #expect(entries.filter { $0.kind == .dataset }.count == arrays.count + 6)
        #expect(entries.contains(HDF5Entry(path: "/plain/f32", kind: .dataset)))
    }

    @Test func deflateShrinksSmoothData() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let array = try NumericArray(shape: [64, 64], storage: .float64(Array(repeating: 1.25, count: 4096)))
        try HDF5File.writeAtomically(to: directory.path("plain.h5")) { try $0.writeDataset("x", array) }
        try HDF5File.writeAtomically(to: directory.path("deflated.h5")) { try $0.writeDataset("x", array, options: HDF5DatasetOptions(deflateLevel: 6)) }
        let plain = try FileManager.default.attributesOfItem(atPath: directory.path("plain.h5"))[.size] as! Int
        let deflated = try FileManager.default.attributesOfItem(atPath: directory.path("deflated.h5"))[.size] as! Int
        #expect(plain > 32_768 && deflated < plain / 4)
        #expect(try HDF5File(opening: directory.path("deflated.h5")).readDataset("x") == array)
    }

    @Test func typedAttributesOnFileGroupsAndDatasets() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("attributes.h5")
        let values: [(String, HDF5AttributeValue)] = [
            ("title", .string("Darcy flow, β = 12/3")), ("count", .int(-42)), ("viscosity", .double(1e-3)),
            ("labels", .strings(["a", "bb", ""])), ("grid", .ints([85, 85])), ("bounds", .doubles([0, 1.5])),
        ]
        try HDF5File.writeAtomically(to: path) { file in
            try file.createGroup("group/inner")
            try file.writeDataset("group/data", try NumericArray(shape: [2], storage: .int32([1, 2])))
            for target in ["/", "group/inner", "group/data"] {
                for (name, value) in values { try file.setAttribute(name, value, on: target) }
            }
            try file.setAttribute("count", .int(7), on: "/")  // replacing keeps one attribute
        }
        let file = try HDF5File(opening: path)
        for target in ["/", "group/inner", "group/data"] {
            let read = try file.attributes(of: target)
            #expect(read.map(\.name) == values.map(\.0).sorted())
            for (name, value) in values where !(target == "/" && name == "count") {
                #expect(try file.attribute(name, of: target) == value, "\(target) @\(name)")
            }
        }
        #expect(try file.attribute("count") == .int(7))
        #expect(throws: DatasetError.self) { try file.attribute("absent", of: "group") }
    }

    @Test func hyperslabsAndResumableAppends() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("append.h5")
        // Samples k = 0..<10 of shape [3, 4]; element (k, i, j) = 100 k + 10 i + j.
        func samples(_ range: Range<Int>) throws -> NumericArray {
            try NumericArray(shape: [range.count, 3, 4], storage: .float32(range.flatMap { k in
                (0..<3).flatMap { i in (0..<4).map { j in Float(100 * k + 10 * i + j) } }
            }))
        }
        do {
            let file = try HDF5File.create(path)
            try file.appendSamples(try samples(0..<3), to: "fields", options: HDF5DatasetOptions(chunkShape: [2, 3, 4], deflateLevel: 1, extendable: true))
            try file.setAttribute("completed", .int(3), on: "fields")
            try file.close()
        }
        // Resume: reopen read-write, continue from the recorded count.
        do {
            let file = try HDF5File(opening: path, mode: .readWrite)
            let completed = try file.attribute("completed", of: "fields").intValue!
            #expect(completed == 3)
            try file.appendSamples(try samples(3..<7), to: "fields")
            try file.appendSamples(try samples(7..<10), to: "fields")
            try file.setAttribute("completed", .int(10), on: "fields")
            // Wrong sample shape and wrong type are refused.
            #expect(throws: DatasetError.self) { try file.appendSamples(try NumericArray(shape: [1, 4, 3], storage: .float32(Array(repeating: 0, count: 12))), to: "fields") }
            #expect(throws: DatasetError.self) { try file.appendSamples(try NumericArray(shape: [1, 3, 4], storage: .float64(Array(repeating: 0, count: 12))), to: "fields") }
            try file.close()
        }
        let file = try HDF5File(opening: path)
        let info = try file.datasetInfo("fields")
        #expect(info.shape == [10, 3, 4] && info.maximumShape == [nil, 3, 4] && info.chunkShape == [2, 3, 4])
        #expect(try file.readDataset("fields") == samples(0..<10))
        #expect(try file.readSamples("fields", 4..<9) == samples(4..<9))
        #expect(try file.readSamples("fields", 9..<10) == samples(9..<10))
        #expect(try file.readSamples("fields", 5..<5).shape == [0, 3, 4])
        #expect(throws: DatasetError.self) { try file.readSamples("fields", 8..<11) }
        // A fixed-size dataset cannot grow.
        try file.close()
        let fixed = try HDF5File(opening: path, mode: .readWrite)
        try fixed.writeDataset("fixed", try samples(0..<2))
        #expect(throws: DatasetError.self) { try fixed.appendSamples(try samples(2..<3), to: "fixed") }
        try fixed.resizeSamples("fields", to: 6)
        #expect(try fixed.datasetInfo("fields").shape == [6, 3, 4])
    }

    @Test func atomicWriteLeavesNothingOnFailure() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("atomic.h5")
        let original = try NumericArray(shape: [2], storage: .float64([1, 2]))
        try HDF5File.writeAtomically(to: path) { try $0.writeDataset("x", original) }
        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try HDF5File.writeAtomically(to: path) { file in
                try file.writeDataset("x", try NumericArray(shape: [1], storage: .float64([99])))
                throw Interrupted()
            }
        }
        // The old file is intact and no temporary file is left behind.
        #expect(try HDF5File(opening: path).readDataset("x") == original)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["atomic.h5"])
    }

    @Test func errorsAreTypedAndNameTheFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("darcy.h5")
        try HDF5File.writeAtomically(to: path) { file in
            try file.writeDataset("a", try NumericArray(shape: [1], storage: .float64([0])))
            try file.writeDataset("u", try NumericArray(shape: [1], storage: .float64([0])))
        }
        let file = try HDF5File(opening: path)
        do {
            _ = try file.readDataset("coeff")
            Issue.record("expected an error")
        } catch let error as DatasetError {
            #expect(error.description == "missing key 'coeff' in darcy.h5 (keys: a, u)")
        }
        #expect(throws: DatasetError.self) { try file.writeDataset("b", try NumericArray(shape: [1], storage: .float64([0]))) }  // read-only
        #expect(throws: DatasetError.self) { try HDF5File(opening: directory.path("absent.h5")) }
        try Data(Array("plain text, not HDF5".utf8)).write(to: URL(fileURLWithPath: directory.path("text.h5")))
        #expect(throws: DatasetError.self) { try HDF5File(opening: directory.path("text.h5")) }
        // Every truncation of a valid file fails to open or to read, but never crashes.
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let cut = directory.path("cut.h5")
        let lengths = Array(0..<min(bytes.count, 200)) + Array(stride(from: 200, to: bytes.count, by: max(1, bytes.count / 60)))
        for length in lengths {
            try Data(bytes.prefix(length)).write(to: URL(fileURLWithPath: cut))
            do {
                let truncated = try HDF5File(opening: cut)
                _ = try truncated.readDataset("a")
                _ = try truncated.readDataset("u")
            } catch is DatasetError {}
        }
    }

    @Test func manifestRoundTripsThroughAttributes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("manifest.h5")
        let manifest = DatasetManifest(pde: "darcy", parameters: ["contrast": 12.0 / 3.0, "alpha": 2, "tau": 3], grid: [85, 85],
                                       solver: "cholmod", tolerance: 1e-10, seed: UInt64.max - 5, sampleCount: 1200)
        try HDF5File.writeAtomically(to: path) { file in
            try file.writeDataset("coeff", try NumericArray(shape: [1], storage: .float32([1])))
            try manifest.write(to: file)
        }
        let file = try HDF5File(opening: path)
        #expect(DatasetManifest.isPresent(in: file))
        #expect(try DatasetManifest(from: file) == manifest)
        #expect(try file.attribute("pdekit.pde") == .string("darcy"))
        #expect(!DatasetManifest.isPresent(in: file, at: "coeff"))
        #expect(throws: DatasetError.self) { try DatasetManifest(from: file, at: "coeff") }
        var direct = manifest
        direct.tolerance = nil
        try HDF5File.writeAtomically(to: path) { try direct.write(to: $0) }
        #expect(try DatasetManifest(from: HDF5File(opening: path)) == direct)
    }

    @Test func pdeBenchLayoutsReadBack() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // 3 samples, 4 time steps, 5 points; u(n, t, x) = n + 0.1 t + 0.01 x.
        var values = [Float]()
        for n in 0..<3 { for t in 0..<4 { for x in 0..<5 { values.append(Float(n) + 0.1 * Float(t) + 0.01 * Float(x)) } } }
        let fields = try NumericArray(shape: [3, 4, 5], storage: .float32(values))
        let x = try NumericArray(shape: [5], storage: .float32((0..<5).map { Float($0) / 5 }))
        let t = try NumericArray(shape: [4], storage: .float32((0..<4).map { Float($0) / 4 }))
        let single = PDEBenchData(layout: .singleTensor, fields: fields, x: x, y: nil, t: t)
        try PDEBenchFile.write(single, to: directory.path("1D_Burgers.hdf5"), deflateLevel: 3)
        let read = try PDEBenchFile.read(directory.path("1D_Burgers.hdf5"))
        #expect(read.layout == .singleTensor && read.fields == fields && read.x == x && read.t == t && read.y == nil)
        #expect(try PDEBenchFile.read(directory.path("1D_Burgers.hdf5"), samples: 1..<3).fields == fields.samples(1..<3))
        // The raw layout is what PDEBench names: tensor, x-coordinate, t-coordinate.
        let raw = try HDF5File(opening: directory.path("1D_Burgers.hdf5"))
        #expect(try raw.contents().map(\.path) == ["/t-coordinate", "/tensor", "/x-coordinate"])

        let grouped = PDEBenchData(layout: .groupedSamples, fields: fields, x: x, y: x, t: t)
        try PDEBenchFile.write(grouped, to: directory.path("2D_diff-react.h5"))
        let groupedRead = try PDEBenchFile.read(directory.path("2D_diff-react.h5"))
        #expect(groupedRead.layout == .groupedSamples && groupedRead.fields == fields && groupedRead.y == x && groupedRead.t == t)
        let groupedRaw = try HDF5File(opening: directory.path("2D_diff-react.h5"))
        #expect(try groupedRaw.contents().map(\.path).prefix(6) == ["/0000", "/0000/data", "/0000/grid", "/0000/grid/t", "/0000/grid/x", "/0000/grid/y"])
        #expect(try PDEBenchFile.read(directory.path("2D_diff-react.h5"), samples: 2..<3).fields == fields.samples(2..<3))
        #expect(throws: DatasetError.self) { try PDEBenchFile.read(directory.path("2D_diff-react.h5"), samples: 2..<4) }
    }
}
