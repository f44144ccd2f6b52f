/// A pickle reader restricted to what a PyTorch state dict holds; it never resolves or calls anything.
///
/// It interprets the protocol 2–5 opcodes that `torch.save` emits for dicts of tensors (containers,
/// numbers, strings, the memo, `GLOBAL`/`STACK_GLOBAL`, `REDUCE`, `BUILD`, `NEWOBJ`, `BINPERSID`) on
/// a private stack. Three callables are interpreted by name, without executing anything:
/// `collections.OrderedDict` (an empty or pair-list dict), `torch._utils._rebuild_tensor_v2` and
/// `_rebuild_tensor` (a view `(storage, offset, size, stride)` of a persistent-id storage) and
/// `torch._utils._rebuild_parameter` (its tensor). Every other global (the classes and functions in
/// neuraloperator's `_metadata`) becomes `PickleValue.global`, and calling it `PickleValue.opaque`.
/// Opcodes outside this set (`INST`, `OBJ`, `EXT*`, text-mode `INT`/`STRING`, …) are refused.
///
/// Reference: Python's `Lib/pickletools.py` opcode table (protocol 2, PEP 307; 4, PEP 3154).
public struct RestrictedUnpickler {
    /// Containers are shared by reference while reading (the memo may hold them); frozen at `STOP`.
    final class Box {
        var items: [Node] = []
        var pairs: [(Node, Node)] = []
        /// The deepest nesting seen below this container so far (1 for an empty one). Items added to a
        /// container after it was itself nested can make a parent's record stale; the limit is applied
        /// again at `STOP` and the teardown is iterative, so a stale record cannot overflow the stack.
        var depth = 1
        let isDictionary: Bool
        init(isDictionary: Bool) { self.isDictionary = isDictionary }
    }

    indirect enum Node {
        case value(PickleValue)
        case mark
        case list(Box)
        case dictionary(Box)
        case tuple([Node], depth: Int)
        case opaque(callable: Node, arguments: Node, depth: Int)

        /// Nesting depth: 0 for a plain value, 1 + the deepest child for a container.
        var depth: Int {
            switch self {
            case .value, .mark: return 0
            case .list(let box), .dictionary(let box): return box.depth
            case .tuple(_, let depth), .opaque(_, _, let depth): return depth
            }
        }
    }

    let bytes: [UInt8]
    let path: String
    /// Containers may nest at most this deep (a recursive structure is refused instead of looping).
    public static let maximumDepth = 256

    public init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    /// Reads the pickle and returns its top-level value.
    public func read() throws(TorchInteropError) -> PickleValue {
        var position = 0
        var stack: [Node] = []
        var memo: [Int: Node] = [:]
        // Every node taken off the stack or out of the memo is kept here until the end, so that the
        // only release of the parser's nodes is the iterative teardown (a chain of containers nested
        // through the memo can be far deeper than any recorded depth says).
        var discarded: [Node] = []
        defer {
            var roots = stack + Array(memo.values) + discarded
            stack = []
            memo = [:]
            discarded = []
            Self.tearDown(&roots)
        }
        func remember(_ key: Int, _ node: Node) {
            if let old = memo.updateValue(node, forKey: key) { discarded.append(old) }
        }

        func need(_ count: Int) throws(TorchInteropError) -> ArraySlice<UInt8> {
            guard count >= 0, count <= bytes.count - position else {
                throw .malformed(path: path, detail: "pickle ends inside an opcode's argument at byte \(position)")
            }
            defer { position += count }
            return bytes[position..<(position + count)]
        }
        func littleEndian(_ count: Int) throws(TorchInteropError) -> UInt64 {
            var value: UInt64 = 0
            for (shift, byte) in try need(count).enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
            return value
        }
        func length(_ count: Int) throws(TorchInteropError) -> Int {
            let raw = try littleEndian(count)
            guard raw <= UInt64(bytes.count - position) else {
                throw .malformed(path: path, detail: "pickle argument of \(raw) bytes at byte \(position) runs past the end")
            }
            return Int(raw)
        }
        func pop() throws(TorchInteropError) -> Node {
            guard let top = stack.popLast() else { throw .malformed(path: path, detail: "pickle stack underflow at byte \(position)") }
            discarded.append(top)
            return top
        }
        func popToMark() throws(TorchInteropError) -> [Node] {
            guard let markIndex = stack.lastIndex(where: { if case .mark = $0 { return true }; return false }) else {
                throw .malformed(path: path, detail: "pickle MARK missing at byte \(position)")
            }
            let items = Array(stack[(markIndex + 1)...])
            discarded.append(contentsOf: items)
            stack.removeSubrange(markIndex...)
            return items
        }
        /// `1 + ` the deepest of `children`, refused beyond ``maximumDepth`` (checked as values are built,
        /// so that a long chain of `TUPLE1` or `APPEND` cannot grow a structure whose release recurses).
        func nestedDepth(_ children: [Node]) throws(TorchInteropError) -> Int {
            let depth = 1 + children.reduce(0) { max($0, $1.depth) }
            guard depth <= Self.maximumDepth else {
                throw .malformed(path: path, detail: "containers nest deeper than \(Self.maximumDepth) levels at byte \(position)")
            }
            return depth
        }
        func tuple(_ items: [Node]) throws(TorchInteropError) -> Node { .tuple(items, depth: try nestedDepth(items)) }
        func add(_ children: [Node], to box: Box) throws(TorchInteropError) { box.depth = max(box.depth, try nestedDepth(children)) }
        func text(_ slice: ArraySlice<UInt8>) throws(TorchInteropError) -> String {
            guard let string = String(validating: slice, as: UTF8.self) else {
                throw .malformed(path: path, detail: "pickle string at byte \(position) is not UTF-8")
            }
            return string
        }
        func line() throws(TorchInteropError) -> String {
            guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw .malformed(path: path, detail: "unterminated GLOBAL") }
            let value = try text(bytes[position..<end])
            position = end + 1
            return value
        }

        while true {
            let opcodeOffset = position
            guard position < bytes.count else { throw .malformed(path: path, detail: "pickle ends without STOP") }
            let opcode = bytes[position]
            position += 1
            switch opcode {
            case 0x80: _ = try need(1)                                   // PROTO
            case 0x95: _ = try need(8)                                   // FRAME (length only)
            case 0x2E:                                                   // STOP
                let top = try pop()
                var budget = nodeBudget
                return try freeze(top, depth: 0, budget: &budget)
            case 0x28: stack.append(.mark)                               // MARK
            case 0x30: _ = try pop()                                     // POP
            case 0x31: _ = try popToMark()                               // POP_MARK
            case 0x32: let top = try pop(); stack.append(top); stack.append(top)  // DUP
            case 0x4E: stack.append(.value(.none))                       // NONE
            case 0x88: stack.append(.value(.bool(true)))                 // NEWTRUE
            case 0x89: stack.append(.value(.bool(false)))                // NEWFALSE
            case 0x4A: stack.append(.value(.integer(Int(Int32(truncatingIfNeeded: try littleEndian(4))))))  // BININT
            case 0x4B: stack.append(.value(.integer(Int(try littleEndian(1)))))   // BININT1
            case 0x4D: stack.append(.value(.integer(Int(try littleEndian(2)))))   // BININT2
            case 0x8A:                                                   // LONG1
                let count = try length(1)
                guard count <= 8 else { throw .malformed(path: path, detail: "integer of \(count) bytes at byte \(opcodeOffset) does not fit 64 bits") }
                var raw = count == 0 ? 0 : try littleEndian(count)
                if count > 0, count < 8, raw & (1 << (8 * UInt64(count) - 1)) != 0 { raw |= ~0 << (8 * UInt64(count)) }
                stack.append(.value(.integer(Int(bitPattern: UInt(raw)))))
            case 0x47:                                                   // BINFLOAT (big-endian)
                var raw: UInt64 = 0
                for byte in try need(8) { raw = raw << 8 | UInt64(byte) }
                stack.append(.value(.float(Double(bitPattern: raw))))
            case 0x58: stack.append(.value(.string(try text(try need(try length(4))))))   // BINUNICODE
            case 0x8C: stack.append(.value(.string(try text(try need(try length(1))))))   // SHORT_BINUNICODE
            case 0x8D: stack.append(.value(.string(try text(try need(try length(8))))))   // BINUNICODE8
            case 0x55: stack.append(.value(.string(String(decoding: try need(try length(1)), as: UTF8.self))))  // SHORT_BINSTRING
            case 0x54: stack.append(.value(.string(String(decoding: try need(try length(4)), as: UTF8.self))))  // BINSTRING
            case 0x42: stack.append(.value(.bytes(Array(try need(try length(4))))))       // BINBYTES
            case 0x43: stack.append(.value(.bytes(Array(try need(try length(1))))))       // SHORT_BINBYTES
            case 0x8E: stack.append(.value(.bytes(Array(try need(try length(8))))))       // BINBYTES8
            case 0x7D: stack.append(.dictionary(Box(isDictionary: true)))                // EMPTY_DICT
            case 0x5D: stack.append(.list(Box(isDictionary: false)))                     // EMPTY_LIST
            case 0x29: stack.append(.tuple([], depth: 1))                                // EMPTY_TUPLE
            case 0x74: stack.append(try tuple(try popToMark()))                          // TUPLE
            case 0x85: let a = try pop(); stack.append(try tuple([a]))                   // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(try tuple([a, b])) // TUPLE2
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(try tuple([a, b, c]))  // TUPLE3
            case 0x6C:                                                                   // LIST
                let box = Box(isDictionary: false); box.items = try popToMark(); try add(box.items, to: box); stack.append(.list(box))
            case 0x64:                                                                   // DICT
                let items = try popToMark()
                guard items.count % 2 == 0 else { throw .malformed(path: path, detail: "DICT with an odd item count at byte \(opcodeOffset)") }
                let box = Box(isDictionary: true)
                try add(items, to: box)
                box.pairs = stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }
                stack.append(.dictionary(box))
            case 0x61:                                                                   // APPEND
                let item = try pop()
                guard case .list(let box) = stack.last else { throw .malformed(path: path, detail: "APPEND to a non-list at byte \(opcodeOffset)") }
                try add([item], to: box)
                box.items.append(item)
            case 0x65:                                                                   // APPENDS
                let items = try popToMark()
                guard case .list(let box) = stack.last else { throw .malformed(path: path, detail: "APPENDS to a non-list at byte \(opcodeOffset)") }
                try add(items, to: box)
                box.items.append(contentsOf: items)
            case 0x73:                                                                   // SETITEM
                let value = try pop(), key = try pop()
                guard case .dictionary(let box) = stack.last else { throw .malformed(path: path, detail: "SETITEM on a non-dict at byte \(opcodeOffset)") }
                try add([key, value], to: box)
                box.pairs.append((key, value))
            case 0x75:                                                                   // SETITEMS
                let items = try popToMark()
                guard items.count % 2 == 0, case .dictionary(let box) = stack.last else {
                    throw .malformed(path: path, detail: "SETITEMS on a non-dict or with an odd item count at byte \(opcodeOffset)")
                }
                try add(items, to: box)
                for index in stride(from: 0, to: items.count, by: 2) { box.pairs.append((items[index], items[index + 1])) }
            case 0x63:                                                                   // GLOBAL
                let module = try line(), name = try line()
                stack.append(.value(.global(module: module, name: name)))
            case 0x93:                                                                   // STACK_GLOBAL
                let nameNode = try pop(), moduleNode = try pop()
                guard case .value(.string(let name)) = nameNode, case .value(.string(let module)) = moduleNode else {
                    throw .malformed(path: path, detail: "STACK_GLOBAL without two strings at byte \(opcodeOffset)")
                }
                stack.append(.value(.global(module: module, name: name)))
            case 0x52, 0x81:                                                             // REDUCE, NEWOBJ
                let arguments = try pop(), callable = try pop()
                stack.append(try reduce(callable, arguments, depth: try nestedDepth([callable, arguments]), at: opcodeOffset))
            case 0x62:                                                                   // BUILD: state is kept out (never applied)
                _ = try pop()
                guard !stack.isEmpty else { throw .malformed(path: path, detail: "BUILD on an empty stack at byte \(opcodeOffset)") }
            case 0x51:                                                                   // BINPERSID
                var budget = nodeBudget
                stack.append(.value(.storage(try storage(try freeze(try pop(), depth: 0, budget: &budget), at: opcodeOffset))))
            case 0x68: stack.append(try memoized(Int(try littleEndian(1)), memo, at: opcodeOffset))  // BINGET
            case 0x6A: stack.append(try memoized(Int(try littleEndian(4)), memo, at: opcodeOffset))  // LONG_BINGET
            case 0x71: let key = Int(try littleEndian(1)); guard let top = stack.last else { throw .malformed(path: path, detail: "BINPUT on an empty stack") }; remember(key, top)
            case 0x72: let key = Int(try littleEndian(4)); guard let top = stack.last else { throw .malformed(path: path, detail: "LONG_BINPUT on an empty stack") }; remember(key, top)
            case 0x94: guard let top = stack.last else { throw .malformed(path: path, detail: "MEMOIZE on an empty stack") }; remember(memo.count, top)
            default:
                throw .unsupportedOpcode(path: path, opcode: opcode, offset: opcodeOffset)
            }
        }
    }

    func memoized(_ key: Int, _ memo: [Int: Node], at offset: Int) throws(TorchInteropError) -> Node {
        guard let node = memo[key] else { throw .malformed(path: path, detail: "memo entry \(key) read before it was written (byte \(offset))") }
        return node
    }

    /// `REDUCE`/`NEWOBJ`: the three interpreted callables, anything else kept as an opaque call.
    func reduce(_ callable: Node, _ arguments: Node, depth: Int, at offset: Int) throws(TorchInteropError) -> Node {
        guard case .value(.global(let module, let name)) = callable, case .tuple(let args, _) = arguments else {
            return .opaque(callable: callable, arguments: arguments, depth: depth)
        }
        switch (module, name) {
        case ("collections", "OrderedDict"), ("builtins", "dict"):
            let box = Box(isDictionary: true)
            if let first = args.first {
                guard case .list(let list) = first else { throw .malformed(path: path, detail: "OrderedDict built from a non-list at byte \(offset)") }
                box.depth = list.depth
                for item in list.items {
                    guard case .tuple(let pair, _) = item, pair.count == 2 else { throw .malformed(path: path, detail: "OrderedDict item is not a pair at byte \(offset)") }
                    box.pairs.append((pair[0], pair[1]))
                }
            }
            return .dictionary(box)
        case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"):
            guard args.count >= 4, case .value(.storage(let storage)) = args[0] else {
                throw .malformed(path: path, detail: "\(name) without a storage at byte \(offset)")
            }
            guard case .value(let offsetValue) = args[1], let storageOffset = offsetValue.integerValue,
                  case .tuple(let sizeNodes, _) = args[2], case .tuple(let strideNodes, _) = args[3] else {
                throw .malformed(path: path, detail: "\(name) arguments are not (storage, offset, size, stride) at byte \(offset)")
            }
            func integers(_ nodes: [Node]) throws(TorchInteropError) -> [Int] {
                var result: [Int] = []
                for node in nodes {
                    guard case .value(let value) = node, let integer = value.integerValue else {
                        throw .malformed(path: path, detail: "\(name) size or stride is not an integer at byte \(offset)")
                    }
                    result.append(integer)
                }
                return result
            }
            return .value(.tensor(TorchTensorReference(storage: storage, offset: storageOffset,
                                                       shape: try integers(sizeNodes), strides: try integers(strideNodes))))
        case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"):
            guard let first = args.first, case .value(.tensor) = first else {
                throw .malformed(path: path, detail: "\(name) without a tensor at byte \(offset)")
            }
            return first
        default:
            return .opaque(callable: callable, arguments: arguments, depth: depth)
        }
    }

    /// The storage of a persistent id `('storage', torch.<Type>Storage, key, location, count)`.
    func storage(_ id: PickleValue, at offset: Int) throws(TorchInteropError) -> TorchStorageReference {
        guard let parts = id.elements, parts.count >= 5, parts[0].stringValue == "storage",
              case .global(let module, let typeName) = parts[1], module == "torch",
              let key = parts[2].stringValue, let count = parts[4].integerValue else {
            throw .malformed(path: path, detail: "persistent id at byte \(offset) is not ('storage', torch.<Type>Storage, key, location, count)")
        }
        guard let elementType = TorchElementType(rawValue: typeName) else {
            throw .invalidTensor(path: path, name: "storage \(key)", detail: "storage type torch.\(typeName) is not supported")
        }
        guard count >= 0 else { throw .invalidTensor(path: path, name: "storage \(key)", detail: "negative element count \(count)") }
        guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw .malformed(path: path, detail: "storage key '\(key)' is not a plain name")
        }
        return TorchStorageReference(elementType: elementType, key: key, count: count)
    }

    /// At most this many values are copied out of the containers: memo references can share a
    /// container many times (a few bytes of pickle could otherwise expand exponentially).
    var nodeBudget: Int { 16 * bytes.count + 4096 }

    /// The node as a value; containers are copied out of their boxes.
    func freeze(_ node: Node, depth: Int, budget: inout Int) throws(TorchInteropError) -> PickleValue {
        guard depth < Self.maximumDepth else { throw .malformed(path: path, detail: "containers nest deeper than \(Self.maximumDepth) levels (recursive structure?)") }
        budget -= 1
        guard budget >= 0 else { throw .malformed(path: path, detail: "shared containers expand to more values than the pickle could hold") }
        switch node {
        case .value(let value): return value
        case .mark: throw .malformed(path: path, detail: "a MARK is left on the stack")
        case .tuple(let items, _):
            var values: [PickleValue] = []
            for item in items { values.append(try freeze(item, depth: depth + 1, budget: &budget)) }
            return .tuple(values)
        case .list(let box):
            var values: [PickleValue] = []
            for item in box.items { values.append(try freeze(item, depth: depth + 1, budget: &budget)) }
            return .list(values)
        case .dictionary(let box):
            var pairs: [(key: PickleValue, value: PickleValue)] = []
            for (key, value) in box.pairs { pairs.append((try freeze(key, depth: depth + 1, budget: &budget), try freeze(value, depth: depth + 1, budget: &budget))) }
            return .dictionary(pairs)
        case .opaque(let callable, let arguments, _):
            return .opaque(callable: try freeze(callable, depth: depth + 1, budget: &budget), arguments: try freeze(arguments, depth: depth + 1, budget: &budget))
        }
    }

    /// Releases `pending` without recursion: children are moved onto a work list and containers emptied
    /// before their node is dropped, so no release nests (also breaks memo-made reference cycles).
    static func tearDown(_ pending: inout [Node]) {
        while let node = pending.popLast() {
            switch node {
            case .value, .mark: break
            case .tuple(let items, _): pending.append(contentsOf: items)
            case .opaque(let callable, let arguments, _): pending.append(callable); pending.append(arguments)
            case .list(let box), .dictionary(let box):
                pending.append(contentsOf: box.items)
                for (key, value) in box.pairs { pending.append(key); pending.append(value) }
                box.items = []
                box.pairs = []
            }
        }
    }
}
