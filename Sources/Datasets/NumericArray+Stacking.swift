extension NumericArray {
    /// Stacks arrays of equal shape and element type along a new axis 0.
    ///
    /// - Throws: `DatasetError.shapeMismatch` when shapes or element types differ, or the list is empty.
    public static func stacked(_ arrays: [NumericArray]) throws -> NumericArray {
        guard let first = arrays.first else { throw DatasetError.shapeMismatch(path: "<array>", detail: "nothing to stack") }
        for array in arrays where array.shape != first.shape || array.elementType != first.elementType {
            throw DatasetError.shapeMismatch(path: "<array>", detail: "cannot stack \(array.elementType) \(array.shape) with \(first.elementType) \(first.shape)")
        }
        let shape = [arrays.count] + first.shape
        func join<T>(_ extract: (Storage) -> [T]?) -> [T] { arrays.flatMap { extract($0.storage) ?? [] } }
        let storage: Storage
        switch first.storage {
        case .float32: storage = .float32(join { if case .float32(let v) = $0 { v } else { nil } })
        case .float64: storage = .float64(join { if case .float64(let v) = $0 { v } else { nil } })
        case .int32: storage = .int32(join { if case .int32(let v) = $0 { v } else { nil } })
        case .int64: storage = .int64(join { if case .int64(let v) = $0 { v } else { nil } })
        case .uint8: storage = .uint8(join { if case .uint8(let v) = $0 { v } else { nil } })
        case .bool: storage = .bool(join { if case .bool(let v) = $0 { v } else { nil } })
        }
        return NumericArray(checkedShape: shape, storage: storage)
    }
}
