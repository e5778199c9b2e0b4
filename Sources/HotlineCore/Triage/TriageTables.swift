/// Numbers by 64-bit key in one open-addressing table: a word's number by the hash of its
/// bytes, a phrase list by the numbers of its first two words. Every word of every message
/// is looked up: a Dictionary seeds and runs SipHash on each lookup, where this costs one
/// multiply and, kept at most a quarter full, usually one probe.
struct NumberTable: Sendable {
    private var keys: [UInt64]
    /// -1 marks an empty slot: every stored number is 0 or more.
    private var values: [Int32]
    private let shift: UInt64

    init(_ entries: [UInt64: Int32]) {
        var bits = 4
        while 1 << bits < 4 * entries.count { bits += 1 }
        shift = UInt64(64 - bits)
        keys = [UInt64](repeating: 0, count: 1 << bits)
        values = [Int32](repeating: -1, count: 1 << bits)
        let mask = keys.count - 1
        // In key order, so the table is laid out the same on every run.
        for (key, value) in entries.sorted(by: { $0.key < $1.key }) {
            precondition(value >= 0, "a NumberTable holds numbers 0 or more")
            var i = Self.start(key, shift)
            while values[i] >= 0 { i = (i + 1) & mask }
            keys[i] = key
            values[i] = value
        }
    }

    @inline(__always)
    private static func start(_ key: UInt64, _ shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The number stored for `key`, or -1.
    @inline(__always)
    func number(_ key: UInt64) -> Int32 {
        keys.withUnsafeBufferPointer { keys in
            values.withUnsafeBufferPointer { values in
                let mask = keys.count - 1
                var i = Self.start(key, shift)
                while true {
                    let value = values[i]
                    if value < 0 || keys[i] == key { return value }
                    i = (i + 1) & mask
                }
            }
        }
    }
}

/// Lists of numbers back to back in one array, list `i` at `bounds[i]..<bounds[i + 1]`:
/// reading a list retains nothing, where an array of arrays retains each list it hands out.
struct PackedLists: Sendable {
    private(set) var items: [Int32] = []
    private(set) var bounds: [Int] = [0]

    init() {}

    init(_ lists: some Sequence<[Int32]>) {
        for list in lists { append(list) }
    }

    mutating func append(_ list: some Sequence<Int32>) {
        items += list
        bounds.append(items.count)
    }

    var count: Int { bounds.count - 1 }

    /// Where list `i` lies in `items`.
    @inline(__always)
    subscript(i: Int) -> Range<Int> { bounds[i]..<bounds[i + 1] }
}
