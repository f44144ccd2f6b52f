import Foundation

/// A minimal, safe reader for the pickles NumPy writes into object arrays (`dtype=object`), enough
/// to recover a list or tuple of numeric `ndarray`s such as DeepXDE's `X = [branch, trunk]`.
///
/// This is *not* a Python unpickler: it interprets protocol 0–5 opcodes on a private stack and
/// accepts only the globals NumPy's `ndarray.__reduce__` emits
/// (`numpy.core.multiarray._reconstruct`, `numpy._core.multiarray._reconstruct`, `numpy.ndarray`,
/// `numpy.dtype`) and `_codecs.encode` (protocol 2 bytes). Nothing is executed; any other global or
/// opcode throws `DatasetError.unsupported`. An ndarray's state is
/// `(version, shape, dtype, is_fortran, data)` with `data` raw bytes (numeric) or a list (object).
enum PickleReader {
    final class ListBox { var items: [Value] = [] }
    final class DtypeBox {
        var code: String
        var byteOrder = "|"
        init(code: String) { self.code = code }
    }
    final class ArrayBox {
        var shape: [Int] = []
        var dtype: DtypeBox?
        var fortran = false
        var data: Value = .none
        var isBuilt = false
    }

    enum Value {
        case none, mark
        case bool(Bool)
        case integer(Int)
        case float(Double)
        case string(String)
        case bytes([UInt8])
        case tuple([Value])
        case list(ListBox)
        case global(String)
        case dtype(DtypeBox)
        case array(ArrayBox)
    }

    static let allowedGlobals: Set<String> = [
        "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
        "numpy.ndarray", "numpy.dtype", "_codecs.encode",
    ]

    /// Unpickles an object array of numeric arrays and returns its elements in order.
    static func numericArrays(in bytes: ArraySlice<UInt8>, path: String) throws -> [NumericArray] {
        let value = try unpickle(Array(bytes), path: path)
        var items: [Value]
        switch value {
        case .array(let box):
            guard box.isBuilt, let dtype = box.dtype, dtype.code.hasPrefix("O") else {
                return [try numeric(box, path: path)]
            }
            guard case .list(let list) = box.data else {
                throw unsupported(path, "object array data is not a list")
            }
            items = list.items
        case .list(let list): items = list.items
        case .tuple(let values): items = values
        default: throw unsupported(path, "the pickle is not an array or a list of arrays")
        }
        return try items.map { item in
            guard case .array(let box) = item else {
                throw unsupported(path, "object array holds a Python object that is not a numeric array")
            }
            return try numeric(box, path: path)
        }
    }

    static func unsupported(_ path: String, _ detail: String) -> DatasetError {
        DatasetError.unsupported(path: path, detail: "object arrays (pickled Python objects) are not supported: \(detail)")
    }

    static func numeric(_ box: ArrayBox, path: String) throws -> NumericArray {
        guard box.isBuilt, let dtype = box.dtype else { throw unsupported(path, "incomplete ndarray in pickle") }
        if dtype.code.hasPrefix("O") { throw unsupported(path, "nested object arrays") }
        let format = try NPYFormat.elementFormat((dtype.byteOrder == ">" ? ">" : "<") + dtype.code, path: path)
        guard let count = NumericArray.elementCount(box.shape) else { throw DatasetError.malformed(path: path, detail: "pickled shape overflows") }
        guard case .bytes(let data) = box.data else { throw unsupported(path, "ndarray data is not raw bytes") }
        guard count.multipliedReportingOverflow(by: format.size) == (data.count, false) else {
            throw DatasetError.malformed(path: path, detail: "pickled ndarray of shape \(box.shape) has \(data.count) data bytes")
        }
        let storage = try format.decode(data[...], count: count, path: path)
        if box.fortran {
            return NumericArray(checkedShape: Array(box.shape.reversed()), storage: storage).reversingAxes()
        }
        return NumericArray(checkedShape: box.shape, storage: storage)
    }

    static func unpickle(_ bytes: [UInt8], path: String) throws -> Value {
        var reader = ByteReader(bytes, path: path)
        var stack: [Value] = []
        var memo: [Int: Value] = [:]
        var operations = 0

        func malformed(_ detail: String) -> DatasetError { DatasetError.malformed(path: path, detail: "pickle: \(detail)") }
        func pop() throws -> Value {
            guard let value = stack.popLast() else { throw malformed("stack underflow") }
            return value
        }
        func popToMark() throws -> [Value] {
            guard let markIndex = stack.lastIndex(where: { if case .mark = $0 { return true } else { return false } }) else {
                throw malformed("missing mark")
            }
            let items = Array(stack[(markIndex + 1)...])
            stack.removeSubrange(markIndex...)
            return items
        }
        func readLine() throws -> String {
            var line = [UInt8]()
            while true {
                let byte = try reader.readUInt8("pickle text line")
                if byte == 0x0A { break }
                line.append(byte)
                if line.count > 256 { throw malformed("text line too long") }
            }
            return String(decoding: line, as: UTF8.self)
        }
        func text(_ length: Int) throws -> String { String(decoding: try reader.readBytes(length, "pickle string"), as: UTF8.self) }
        func length(_ size: Int) throws -> Int {
            let value = try reader.readUInt(size, "pickle length")
            guard value <= UInt64(reader.remaining) else { throw DatasetError.truncated(path: path, detail: "pickle string of \(value) bytes") }
            return Int(value)
        }

        while true {
            operations += 1
            if operations > 10_000_000 { throw malformed("too many operations") }
            let opcode = try reader.readUInt8("pickle opcode")
            switch opcode {
            case 0x80: _ = try reader.readUInt8("protocol")                            // PROTO
            case 0x95: _ = try reader.readUInt64("frame length")                       // FRAME
            case 0x2E: return try pop()                                                  // STOP '.'
            case 0x28: stack.append(.mark)                                               // MARK '('
            case 0x4E: stack.append(.none)                                               // NONE 'N'
            case 0x88: stack.append(.bool(true))                                         // NEWTRUE
            case 0x89: stack.append(.bool(false))                                        // NEWFALSE
            case 0x4B: stack.append(.integer(Int(try reader.readUInt8("BININT1"))))      // BININT1 'K'
            case 0x4D: stack.append(.integer(Int(try reader.readUInt16("BININT2"))))     // BININT2 'M'
            case 0x4A: stack.append(.integer(Int(try reader.readInt32("BININT"))))       // BININT 'J'
            case 0x8A:                                                                   // LONG1
                let count = Int(try reader.readUInt8("LONG1 length"))
                guard count <= 8 else { throw unsupported(path, "integer wider than 64 bits") }
                let raw = try reader.readBytes(count, "LONG1")
                var value: Int64 = 0
                for (shift, byte) in raw.enumerated() { value |= Int64(byte) << (8 * Int64(shift)) }
                if count > 0 && count < 8 && raw.last! & 0x80 != 0 { value -= Int64(1) << (8 * Int64(count)) }
                stack.append(.integer(Int(value)))
            case 0x47:                                                                   // BINFLOAT 'G'
                var big = reader
                big.bigEndian = true
                let bits = try big.readUInt64("BINFLOAT")
                reader.offset = big.offset
                stack.append(.float(Double(bitPattern: bits)))
            case 0x58: stack.append(.string(try text(try length(4))))                    // BINUNICODE 'X'
            case 0x8C: stack.append(.string(try text(try length(1))))                    // SHORT_BINUNICODE
            case 0x8D: stack.append(.string(try text(try length(8))))                    // BINUNICODE8
            case 0x55, 0x54:                                                             // SHORT_BINSTRING 'U', BINSTRING 'T'
                stack.append(.bytes(Array(try reader.readBytes(try length(opcode == 0x55 ? 1 : 4), "BINSTRING"))))
            case 0x43: stack.append(.bytes(Array(try reader.readBytes(try length(1)))))  // SHORT_BINBYTES 'C'
            case 0x42: stack.append(.bytes(Array(try reader.readBytes(try length(4)))))  // BINBYTES 'B'
            case 0x8E: stack.append(.bytes(Array(try reader.readBytes(try length(8)))))  // BINBYTES8
            case 0x29: stack.append(.tuple([]))                                          // EMPTY_TUPLE ')'
            case 0x74: stack.append(.tuple(try popToMark()))                             // TUPLE 't'
            case 0x85: stack.append(.tuple([try pop()]))                                 // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(.tuple([a, b]))    // TUPLE2
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(.tuple([a, b, c]))  // TUPLE3
            case 0x5D: stack.append(.list(ListBox()))                                    // EMPTY_LIST ']'
            case 0x6C: let box = ListBox(); box.items = try popToMark(); stack.append(.list(box))  // LIST 'l'
            case 0x61, 0x65:                                                             // APPEND 'a', APPENDS 'e'
                let items = opcode == 0x61 ? [try pop()] : try popToMark()
                guard case .list(let box)? = stack.last else { throw malformed("append to a non-list") }
                box.items += items
            case 0x71: memo[Int(try reader.readUInt8("BINPUT"))] = stack.last            // BINPUT 'q'
            case 0x72: memo[Int(try reader.readUInt32("LONG_BINPUT"))] = stack.last      // LONG_BINPUT 'r'
            case 0x94: memo[memo.count] = stack.last                                     // MEMOIZE
            case 0x68, 0x6A:                                                             // BINGET 'h', LONG_BINGET 'j'
                let key = opcode == 0x68 ? Int(try reader.readUInt8("BINGET")) : Int(try reader.readUInt32("LONG_BINGET"))
                guard let value = memo[key] else { throw malformed("memo key \(key) undefined") }
                stack.append(value)
            case 0x63:                                                                   // GLOBAL 'c'
                let name = try readLine() + "." + readLine()
                guard allowedGlobals.contains(name) else { throw unsupported(path, "global '\(name)' is not allowed") }
                stack.append(.global(name))
            case 0x93:                                                                   // STACK_GLOBAL
                guard case .string(let attribute) = try pop(), case .string(let module) = try pop() else { throw malformed("STACK_GLOBAL needs strings") }
                let name = module + "." + attribute
                guard allowedGlobals.contains(name) else { throw unsupported(path, "global '\(name)' is not allowed") }
                stack.append(.global(name))
            case 0x52:                                                                   // REDUCE 'R'
                guard case .tuple(let arguments) = try pop(), case .global(let name) = try pop() else { throw malformed("REDUCE needs a callable and a tuple") }
                stack.append(try call(name, arguments, path: path))
            case 0x62:                                                                   // BUILD 'b'
                let state = try pop()
                guard let target = stack.last else { throw malformed("BUILD on an empty stack") }
                try build(target, state: state, path: path)
            default:
                throw unsupported(path, "pickle opcode 0x\(String(opcode, radix: 16)) is not supported")
            }
            if stack.count > 100_000 { throw malformed("stack too deep") }
        }
    }

    static func call(_ name: String, _ arguments: [Value], path: String) throws -> Value {
        switch name {
        case "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct":
            return .array(ArrayBox())
        case "numpy.dtype":
            guard case .string(let code)? = arguments.first else { throw unsupported(path, "numpy.dtype without a type string") }
            return .dtype(DtypeBox(code: code))
        case "_codecs.encode":
            guard case .string(let text)? = arguments.first else { throw unsupported(path, "_codecs.encode without a string") }
            var bytes = [UInt8]()
            for scalar in text.unicodeScalars {
                guard scalar.value < 256 else { throw unsupported(path, "_codecs.encode of a non-latin1 string") }
                bytes.append(UInt8(scalar.value))
            }
            return .bytes(bytes)
        default:
            throw unsupported(path, "cannot call '\(name)'")
        }
    }

    static func build(_ target: Value, state: Value, path: String) throws {
        switch target {
        case .dtype(let box):
            // (version, byteorder, subdescr, names, fields, elsize, alignment, flags)
            if case .tuple(let items) = state, items.count > 1, case .string(let order) = items[1] { box.byteOrder = order }
        case .array(let box):
            // (version, shape, dtype, is_fortran, data)
            guard case .tuple(var items) = state, items.count >= 4 else { throw unsupported(path, "unexpected ndarray state") }
            if items.count == 4 { items.insert(.integer(1), at: 0) }
            guard case .tuple(let shapeValues) = items[1], case .dtype(let dtype) = items[2], case .bool(let fortran) = items[3] else {
                throw unsupported(path, "unexpected ndarray state")
            }
            box.shape = try shapeValues.map { value in
                guard case .integer(let extent) = value, extent >= 0 else { throw unsupported(path, "ndarray shape is not integers") }
                return extent
            }
            box.dtype = dtype
            box.fortran = fortran
            box.data = items[4]
            box.isBuilt = true
        default:
            throw unsupported(path, "BUILD on an object that is not an ndarray or dtype")
        }
    }
}
