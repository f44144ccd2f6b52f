/// The one pickle reader of PDEKit, for NumPy object arrays (`NumPyPickle`) and `torch.save` state
/// dicts (TorchInterop's `TorchArchive`); it never resolves or calls anything.
///
/// It interprets the binary opcodes of protocols 2–5 that NumPy and `torch.save` emit (containers,
/// numbers, strings and bytes, the memo, `GLOBAL`/`STACK_GLOBAL`, `REDUCE`, `NEWOBJ`, `BUILD`,
/// `BINPERSID`) on a private stack. `collections.OrderedDict` and `dict` calls become dictionaries
/// (later `SETITEMS` fill them; a `BUILD` on them is dropped); every other global stays
/// `PickleValue.global`, a call of it `PickleValue.opaque` with the state a `BUILD` gave it, and a
/// persistent id `PickleValue.persistent`. With `allowedGlobals`, any other global is refused where
/// it appears. Opcodes outside this set (`INST`, `OBJ`, `EXT*`, text-mode `INT`/`STRING`, …) are refused.
///
/// Limits (a hostile pickle cannot exhaust time, memory or the call stack): containers nest at most
/// ``maximumDepth`` deep (checked while building and again when the result is copied out), memo
/// sharing expands to at most 16 values per input byte, at most ``maximumOperations`` opcodes,
/// ``maximumStackCount`` stack entries and ``maximumLineLength`` bytes per `GLOBAL` line; the
/// parser's nodes are released iteratively.
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

    /// A call kept unevaluated; `BUILD` may set its state after the memo already shares it.
    final class Call {
        let callable: Node
        let arguments: Node
        var state: Node?
        var depth: Int
        init(callable: Node, arguments: Node, depth: Int) {
            self.callable = callable
            self.arguments = arguments
            self.depth = depth
        }
    }

    indirect enum Node {
        case value(PickleValue)
        case mark
        case list(Box)
        case dictionary(Box)
        case tuple([Node], depth: Int)
        case call(Call)

        /// Nesting depth: 0 for a plain value, 1 + the deepest child for a container.
        var depth: Int {
            switch self {
            case .value, .mark: return 0
            case .list(let box), .dictionary(let box): return box.depth
            case .tuple(_, let depth): return depth
            case .call(let call): return call.depth
            }
        }
    }

    let bytes: [UInt8]
    /// `module.name` of the globals that may appear; `nil` allows any (they are never called).
    let allowedGlobals: Set<String>?
    /// Containers may nest at most this deep (a recursive structure is refused instead of looping).
    public static let maximumDepth = 256
    /// At most this many opcodes are read.
    public static let maximumOperations = 10_000_000
    /// The stack holds at most this many entries.
    public static let maximumStackCount = 100_000
    /// A `GLOBAL` module or name line is at most this long.
    public static let maximumLineLength = 256

    public init(bytes: [UInt8], allowedGlobals: Set<String>? = nil) {
        self.bytes = bytes
        self.allowedGlobals = allowedGlobals
    }

    /// Reads the pickle and returns its top-level value.
    public func read() throws(PickleError) -> PickleValue {
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

        func need(_ count: Int) throws(PickleError) -> ArraySlice<UInt8> {
            guard count >= 0, count <= bytes.count - position else {
                throw .malformed(detail: "pickle ends inside an opcode's argument at byte \(position)")
            }
            defer { position += count }
            return bytes[position..<(position + count)]
        }
        func littleEndian(_ count: Int) throws(PickleError) -> UInt64 {
            var value: UInt64 = 0
            for (shift, byte) in try need(count).enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
            return value
        }
        func length(_ count: Int) throws(PickleError) -> Int {
            let raw = try littleEndian(count)
            guard raw <= UInt64(bytes.count - position) else {
                throw .malformed(detail: "pickle argument of \(raw) bytes at byte \(position) runs past the end")
            }
            return Int(raw)
        }
        func pop() throws(PickleError) -> Node {
            guard let top = stack.popLast() else { throw .malformed(detail: "pickle stack underflow at byte \(position)") }
            discarded.append(top)
            return top
        }
        func popToMark() throws(PickleError) -> [Node] {
            guard let markIndex = stack.lastIndex(where: { if case .mark = $0 { return true }; return false }) else {
                throw .malformed(detail: "pickle MARK missing at byte \(position)")
            }
            let items = Array(stack[(markIndex + 1)...])
            discarded.append(contentsOf: items)
            stack.removeSubrange(markIndex...)
            return items
        }
        /// `1 + ` the deepest of `children`, refused beyond ``maximumDepth`` (checked as values are built,
        /// so that a long chain of `TUPLE1` or `APPEND` cannot grow a structure whose release recurses).
        func nestedDepth(_ children: [Node]) throws(PickleError) -> Int {
            let depth = 1 + children.reduce(0) { max($0, $1.depth) }
            guard depth <= Self.maximumDepth else {
                throw .malformed(detail: "containers nest deeper than \(Self.maximumDepth) levels at byte \(position)")
            }
            return depth
        }
        func tuple(_ items: [Node]) throws(PickleError) -> Node { .tuple(items, depth: try nestedDepth(items)) }
        func add(_ children: [Node], to box: Box) throws(PickleError) { box.depth = max(box.depth, try nestedDepth(children)) }
        func text(_ slice: ArraySlice<UInt8>) throws(PickleError) -> String {
            guard let string = String(validating: slice, as: UTF8.self) else {
                throw .malformed(detail: "pickle string at byte \(position) is not UTF-8")
            }
            return string
        }
        func line() throws(PickleError) -> String {
            let limit = min(bytes.count, position + Self.maximumLineLength + 1)
            guard let end = bytes[position..<limit].firstIndex(of: 0x0A) else {
                throw .malformed(detail: "GLOBAL line at byte \(position) is unterminated or longer than \(Self.maximumLineLength) bytes")
            }
            let value = try text(bytes[position..<end])
            position = end + 1
            return value
        }

        /// `module.name`, refused unless allowed.
        func global(_ module: String, _ name: String, at offset: Int) throws(PickleError) -> Node {
            if let allowed = allowedGlobals, !allowed.contains(module + "." + name) { throw .disallowedGlobal(module + "." + name, offset: offset) }
            return .value(.global(module: module, name: name))
        }

        var operations = 0
        while true {
            let opcodeOffset = position
            operations += 1
            guard operations <= Self.maximumOperations else { throw .malformed(detail: "more than \(Self.maximumOperations) pickle opcodes") }
            guard stack.count <= Self.maximumStackCount else { throw .malformed(detail: "the pickle stack holds more than \(Self.maximumStackCount) entries at byte \(position)") }
            guard position < bytes.count else { throw .malformed(detail: "pickle ends without STOP") }
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
                guard count <= 8 else { throw .malformed(detail: "integer of \(count) bytes at byte \(opcodeOffset) does not fit 64 bits") }
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
            case 0x55: stack.append(.value(.byteString(Array(try need(try length(1))))))  // SHORT_BINSTRING
            case 0x54: stack.append(.value(.byteString(Array(try need(try length(4))))))  // BINSTRING
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
                guard items.count % 2 == 0 else { throw .malformed(detail: "DICT with an odd item count at byte \(opcodeOffset)") }
                let box = Box(isDictionary: true)
                try add(items, to: box)
                box.pairs = stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }
                stack.append(.dictionary(box))
            case 0x61:                                                                   // APPEND
                let item = try pop()
                guard case .list(let box) = stack.last else { throw .malformed(detail: "APPEND to a non-list at byte \(opcodeOffset)") }
                try add([item], to: box)
                box.items.append(item)
            case 0x65:                                                                   // APPENDS
                let items = try popToMark()
                guard case .list(let box) = stack.last else { throw .malformed(detail: "APPENDS to a non-list at byte \(opcodeOffset)") }
                try add(items, to: box)
                box.items.append(contentsOf: items)
            case 0x73:                                                                   // SETITEM
                let value = try pop(), key = try pop()
                guard case .dictionary(let box) = stack.last else { throw .malformed(detail: "SETITEM on a non-dict at byte \(opcodeOffset)") }
                try add([key, value], to: box)
                box.pairs.append((key, value))
            case 0x75:                                                                   // SETITEMS
                let items = try popToMark()
                guard items.count % 2 == 0, case .dictionary(let box) = stack.last else {
                    throw .malformed(detail: "SETITEMS on a non-dict or with an odd item count at byte \(opcodeOffset)")
                }
                try add(items, to: box)
                for index in stride(from: 0, to: items.count, by: 2) { box.pairs.append((items[index], items[index + 1])) }
            case 0x63:                                                                   // GLOBAL
                let module = try line(), name = try line()
                stack.append(try global(module, name, at: opcodeOffset))
            case 0x93:                                                                   // STACK_GLOBAL
                let nameNode = try pop(), moduleNode = try pop()
                guard case .value(.string(let name)) = nameNode, case .value(.string(let module)) = moduleNode else {
                    throw .malformed(detail: "STACK_GLOBAL without two strings at byte \(opcodeOffset)")
                }
                stack.append(try global(module, name, at: opcodeOffset))
            case 0x52, 0x81:                                                             // REDUCE, NEWOBJ
                let arguments = try pop(), callable = try pop()
                stack.append(try reduce(callable, arguments, depth: try nestedDepth([callable, arguments]), at: opcodeOffset))
            case 0x62:                                                                   // BUILD: recorded on a call, never applied
                let state = try pop()
                guard let target = stack.last else { throw .malformed(detail: "BUILD on an empty stack at byte \(opcodeOffset)") }
                if case .call(let call) = target {
                    call.depth = max(call.depth, try nestedDepth([state]))
                    if let old = call.state { discarded.append(old) }
                    call.state = state
                }
            case 0x51:                                                                   // BINPERSID
                var budget = nodeBudget
                stack.append(.value(.persistent(try freeze(try pop(), depth: 0, budget: &budget))))
            case 0x68: stack.append(try memoized(Int(try littleEndian(1)), memo, at: opcodeOffset))  // BINGET
            case 0x6A: stack.append(try memoized(Int(try littleEndian(4)), memo, at: opcodeOffset))  // LONG_BINGET
            case 0x71: let key = Int(try littleEndian(1)); guard let top = stack.last else { throw .malformed(detail: "BINPUT on an empty stack") }; remember(key, top)
            case 0x72: let key = Int(try littleEndian(4)); guard let top = stack.last else { throw .malformed(detail: "LONG_BINPUT on an empty stack") }; remember(key, top)
            case 0x94: guard let top = stack.last else { throw .malformed(detail: "MEMOIZE on an empty stack") }; remember(memo.count, top)
            default:
                throw .unsupportedOpcode(opcode, offset: opcodeOffset)
            }
        }
    }

    func memoized(_ key: Int, _ memo: [Int: Node], at offset: Int) throws(PickleError) -> Node {
        guard let node = memo[key] else { throw .malformed(detail: "memo entry \(key) read before it was written (byte \(offset))") }
        return node
    }

    /// `REDUCE`/`NEWOBJ`: a dict for `collections.OrderedDict` and `dict`, any other call kept unevaluated.
    func reduce(_ callable: Node, _ arguments: Node, depth: Int, at offset: Int) throws(PickleError) -> Node {
        guard case .value(.global(let module, let name)) = callable, case .tuple(let args, _) = arguments,
              (module, name) == ("collections", "OrderedDict") || (module, name) == ("builtins", "dict") else {
            return .call(Call(callable: callable, arguments: arguments, depth: depth))
        }
        let box = Box(isDictionary: true)
        if let first = args.first {
            guard case .list(let list) = first else { throw .malformed(detail: "OrderedDict built from a non-list at byte \(offset)") }
            box.depth = list.depth
            for item in list.items {
                guard case .tuple(let pair, _) = item, pair.count == 2 else { throw .malformed(detail: "OrderedDict item is not a pair at byte \(offset)") }
                box.pairs.append((pair[0], pair[1]))
            }
        }
        return .dictionary(box)
    }

    /// At most this many values are copied out of the containers: memo references can share a
    /// container many times (a few bytes of pickle could otherwise expand exponentially).
    var nodeBudget: Int { 16 * bytes.count + 4096 }

    /// The node as a value; containers are copied out of their boxes.
    func freeze(_ node: Node, depth: Int, budget: inout Int) throws(PickleError) -> PickleValue {
        guard depth < Self.maximumDepth else { throw .malformed(detail: "containers nest deeper than \(Self.maximumDepth) levels (recursive structure?)") }
        budget -= 1
        guard budget >= 0 else { throw .malformed(detail: "shared containers expand to more values than the pickle could hold") }
        switch node {
        case .value(let value): return value
        case .mark: throw .malformed(detail: "a MARK is left on the stack")
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
        case .call(let call):
            let state: PickleValue?
            if let node = call.state { state = try freeze(node, depth: depth + 1, budget: &budget) } else { state = nil }
            return .opaque(callable: try freeze(call.callable, depth: depth + 1, budget: &budget),
                           arguments: try freeze(call.arguments, depth: depth + 1, budget: &budget), state: state)
        }
    }

    /// Releases `pending` without recursion: children are moved onto a work list and containers emptied
    /// before their node is dropped, so no release nests (also breaks memo-made reference cycles).
    static func tearDown(_ pending: inout [Node]) {
        while let node = pending.popLast() {
            switch node {
            case .value, .mark: break
            case .tuple(let items, _): pending.append(contentsOf: items)
            case .call(let call):
                pending.append(call.callable)
                pending.append(call.arguments)
                if let state = call.state { pending.append(state) }
                call.state = nil
            case .list(let box), .dictionary(let box):
                pending.append(contentsOf: box.items)
                for (key, value) in box.pairs { pending.append(key); pending.append(value) }
                box.items = []
                box.pairs = []
            }
        }
    }
}
