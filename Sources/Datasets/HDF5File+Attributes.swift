import CHDF5
import Foundation

extension HDF5File {
    private final class NameList { var names: [String] = [] }

    /// Sets (or replaces) an attribute on the file root, a group or a dataset.
    public func setAttribute(_ name: String, _ value: HDF5AttributeValue, on objectPath: String = "/") throws {
        let object = try openObject(objectPath)
        defer { H5Oclose(object) }
        _ = try checkedAttributeMessages(object, objectPath)
        if H5Aexists(object, name) > 0 { try check(H5Adelete(object, name), "replacing attribute '\(name)'") }
        func create(_ type: hid_t, count: Int?) throws -> hid_t {
            let space: hid_t
            if let count {
                var dims = [hsize_t(count)]
                space = H5Screate_simple(1, &dims, nil)
            } else {
                space = H5Screate(H5S_SCALAR)
            }
            defer { H5Sclose(space) }
            return try check(H5Acreate2(object, name, type, space, pdekit_H5P_DEFAULT(), pdekit_H5P_DEFAULT()), "creating attribute '\(name)' on '\(objectPath)'")
        }
        func writeStrings(_ strings: [String], scalar: Bool) throws {
            let type = H5Tcopy(pdekit_H5T_C_S1())
            defer { H5Tclose(type) }
            H5Tset_size(type, pdekit_H5T_VARIABLE())
            H5Tset_cset(type, H5T_CSET_UTF8)
            let attribute = try create(type, count: scalar ? nil : strings.count)
            defer { H5Aclose(attribute) }
            let pointers = strings.map { strdup($0) }
            defer { pointers.forEach { free($0) } }
            let status = pointers.withUnsafeBufferPointer { H5Awrite(attribute, type, $0.baseAddress) }
            try check(status, "writing attribute '\(name)'")
        }
        func writeNumbers<T>(_ values: [T], type: hid_t, scalar: Bool) throws {
            let attribute = try create(type, count: scalar ? nil : values.count)
            defer { H5Aclose(attribute) }
            try check(values.withUnsafeBytes { H5Awrite(attribute, type, $0.baseAddress) }, "writing attribute '\(name)'")
        }
        switch value {
        case .string(let string): try writeStrings([string], scalar: true)
        case .strings(let strings): try writeStrings(strings, scalar: false)
        case .int(let int): try writeNumbers([Int64(int)], type: pdekit_H5T_NATIVE_INT64(), scalar: true)
        case .ints(let ints): try writeNumbers(ints.map(Int64.init), type: pdekit_H5T_NATIVE_INT64(), scalar: false)
        case .double(let double): try writeNumbers([double], type: pdekit_H5T_NATIVE_DOUBLE(), scalar: true)
        case .doubles(let doubles): try writeNumbers(doubles, type: pdekit_H5T_NATIVE_DOUBLE(), scalar: false)
        }
    }

    /// Removes an attribute from the file root, a group or a dataset (nothing when it is absent).
    public func removeAttribute(_ name: String, on objectPath: String = "/") throws {
        let object = try openObject(objectPath)
        defer { H5Oclose(object) }
        _ = try checkedAttributeMessages(object, objectPath)
        if H5Aexists(object, name) > 0 { try check(H5Adelete(object, name), "removing attribute '\(name)'") }
    }

    /// The attribute messages of `object`'s header, each checked by `HDF5AttributeMessage` (call it
    /// before any `H5A*` call: libhdf5 decodes every attribute message of the header on each), or nil
    /// when they are stored where only libhdf5 can read them (dense storage, shared messages). A
    /// file open for writing is flushed first, so the header on disk is the one libhdf5 holds.
    func checkedAttributeMessages(_ object: hid_t, _ objectPath: String) throws -> [HDF5AttributeMessage]? {
        let file = try openFile()
        var intent: UInt32 = 0
        let known = H5Fget_intent(file, &intent) >= 0, writable = !known || intent & pdekit_H5F_ACC_RDWR() != 0
        if known, writable {
            try check(H5Fflush(file, H5F_SCOPE_LOCAL), "flushing before checking the attributes of '\(objectPath)'")
        }
        let address = UInt64(try objectAddress(object, objectPath))
        if !writable, checkedDenseAttributeHeaders.contains(address) { return nil }
        let structure = try HDF5StructureCheck(path: path, fileID: file)
        let messages = try structure.compactAttributeMessages(headerAddress: address)
        if messages == nil, !writable { checkedDenseAttributeHeaders.insert(address) }
        return messages
    }

    /// Names of the attributes on an object, in name order.
    public func attributeNames(of objectPath: String = "/") throws -> [String] {
        let object = try openObject(objectPath)
        defer { H5Oclose(object) }
        // Compact attributes are listed from the object header (see HDF5StructureCheck); only
        // dense or shared attribute storage goes through libhdf5's attribute table.
        if let messages = try checkedAttributeMessages(object, objectPath) {
            return messages.map(\.name).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        }
        let list = NameList()
        var index: hsize_t = 0
        let status = H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, _, context in
            guard let name, let context else { return -1 }
            Unmanaged<NameList>.fromOpaque(context).takeUnretainedValue().names.append(String(cString: name))
            return 0
        }, Unmanaged.passUnretained(list).toOpaque())
        try check(status, "listing attributes of '\(objectPath)'")
        return list.names
    }

    /// Every attribute on an object that has a string, integer or real type (others are skipped).
    public func attributes(of objectPath: String = "/") throws -> [(name: String, value: HDF5AttributeValue)] {
        try attributeNames(of: objectPath).compactMap { name in
            (try? attribute(name, of: objectPath)).map { (name, $0) }
        }
    }

    /// One attribute's value.
    ///
    /// - Throws: `missingKey` if absent, `unsupported` for compound, reference or enum types (but h5py's boolean, read as 0 / 1).
    public func attribute(_ name: String, of objectPath: String = "/") throws -> HDF5AttributeValue {
        let object = try openObject(objectPath)
        defer { H5Oclose(object) }
        // Every attribute message of the header is checked before libhdf5 decodes them all.
        if let messages = try checkedAttributeMessages(object, objectPath), !messages.contains(where: { $0.name == name }) {
            throw DatasetError.missingKey(path: path, key: "\(objectPath == "/" ? "" : objectPath)@\(name)", available: messages.map(\.name).sorted())
        }
        let exists = H5Aexists(object, name)
        guard exists >= 0 else {
            throw DatasetError.malformed(path: path, detail: "the attribute messages of '\(objectPath)' cannot be decoded (looking for '\(name)')")
        }
        guard exists > 0 else {
            throw DatasetError.missingKey(path: path, key: "\(objectPath == "/" ? "" : objectPath)@\(name)", available: (try? attributeNames(of: objectPath)) ?? [])
        }
        let attribute = try check(H5Aopen(object, name, pdekit_H5P_DEFAULT()), "opening attribute '\(name)'")
        defer { H5Aclose(attribute) }
        let type = try check(H5Aget_type(attribute), "type of attribute '\(name)'")
        defer { H5Tclose(type) }
        let space = try check(H5Aget_space(attribute), "dataspace of attribute '\(name)'")
        defer { H5Sclose(space) }
        let scalar = H5Sget_simple_extent_ndims(space) == 0
        let points = Int(H5Sget_simple_extent_npoints(space))
        guard points >= 0 else { throw DatasetError.hdf5(path: path, operation: "size of attribute '\(name)'") }
        // Every element takes at least one byte in the file, so a count beyond the file's size is a
        // corrupt dataspace (checked before the memory budget, which a 20 GB request would pass);
        // in memory every element takes at least 8 bytes (a pointer or a 64-bit number).
        let fileBytes = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? .max
        guard points <= fileBytes else {
            throw DatasetError.malformed(path: path, detail: "attribute '\(name)' declares \(points) elements, more than the file's \(fileBytes) bytes can hold")
        }
        try DatasetError.checkedArray(shape: [points], bytesPerElement: 8, what: "attribute '\(name)'", path: path)
        let typeClass = H5Tget_class(type)
        if typeClass == H5T_STRING {
            var strings = [String]()
            if H5Tis_variable_str(type) > 0 {
                // libhdf5 follows the stored heap pointers blindly: check them first.
                let heapCheck = try HDF5StructureCheck(path: path, fileID: openFile())
                try heapCheck.validate(attribute: name, elementCount: points, headerAddress: UInt64(objectAddress(object, objectPath)))
                let memoryType = H5Tcopy(pdekit_H5T_C_S1())
                defer { H5Tclose(memoryType) }
                H5Tset_size(memoryType, pdekit_H5T_VARIABLE())
                H5Tset_cset(memoryType, H5Tget_cset(type))
                var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: points)
                try check(H5Aread(attribute, memoryType, &pointers), "reading attribute '\(name)'")
                strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
                H5Dvlen_reclaim(memoryType, space, pdekit_H5P_DEFAULT(), &pointers)
            } else {
                let size = H5Tget_size(type)
                let total = try DatasetError.checkedArray(shape: [size, points], bytesPerElement: 1, what: "attribute '\(name)'", path: path)
                guard size > 0 else { throw DatasetError.malformed(path: path, detail: "attribute '\(name)' has strings of 0 bytes") }
                guard total <= fileBytes else {
                    throw DatasetError.malformed(path: path, detail: "attribute '\(name)' declares \(total) bytes of strings, more than the file's \(fileBytes) bytes")
                }
                let memoryType = H5Tcopy(pdekit_H5T_C_S1())
                defer { H5Tclose(memoryType) }
                H5Tset_size(memoryType, size)
                var buffer = [UInt8](repeating: 0, count: total)
                try check(H5Aread(attribute, memoryType, &buffer), "reading attribute '\(name)'")
                for index in 0..<points {
                    let bytes = buffer[index * size..<(index + 1) * size].prefix { $0 != 0 }
                    strings.append(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces))
                }
            }
            return scalar ? .string(strings.first ?? "") : .strings(strings)
        }
        if typeClass == H5T_INTEGER {
            var values = [Int64](repeating: 0, count: points)
            try check(H5Aread(attribute, pdekit_H5T_NATIVE_INT64(), &values), "reading attribute '\(name)'")
            return scalar ? .int(Int(values.first ?? 0)) : .ints(values.map { Int($0) })
        }
        if typeClass == H5T_FLOAT {
            var values = [Double](repeating: 0, count: points)
            try check(H5Aread(attribute, pdekit_H5T_NATIVE_DOUBLE(), &values), "reading attribute '\(name)'")
            return scalar ? .double(values.first ?? 0) : .doubles(values)
        }
        if typeClass == H5T_ENUM, H5Tget_size(type) == 1, H5Tget_nmembers(type) == 2 {
            // h5py's boolean (numpy bool_, e.g. The Well's time_varying / dim_varying): read as 0 / 1.
            let (memoryType, _) = Self.memoryType(.bool)
            defer { H5Tclose(memoryType) }
            var values = [Int8](repeating: 0, count: points)
            try check(H5Aread(attribute, memoryType, &values), "reading attribute '\(name)'")
            return scalar ? .int(values.first.map { $0 != 0 ? 1 : 0 } ?? 0) : .ints(values.map { $0 != 0 ? 1 : 0 })
        }
        throw DatasetError.unsupported(path: path, detail: "attribute '\(name)' has a type that is not a string, integer, real or boolean")
    }
}
