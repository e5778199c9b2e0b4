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

/// Phrases (lists of word numbers) found by their first two words: at each place in a
/// message only the phrases that can start there are tried, not every phrase starting with
/// a common word ("em", "bố").
struct PhraseIndex: Sendable {
    /// Per phrase: its words.
    let words: PackedLists
    /// Per word number: the one-word phrases it is.
    private let singles: PackedLists
    /// Per pair of word numbers (`Triage.pair` of the first and second word): which list of
    /// `pairLists` holds the longer phrases starting so.
    private let pairs: NumberTable
    private let pairLists: PackedLists
    /// Per word number: whether a longer phrase starts with it (most words start none).
    private let startsPair: [Bool]

    /// `phrases` in the order `candidates` gives them; `vocabulary` word numbers in all.
    init(_ phrases: [[Int32]], vocabulary: Int) {
        words = PackedLists(phrases)
        var singles = [[Int32]](repeating: [], count: vocabulary)
        var pairs: [UInt64: Int32] = [:]
        var pairLists: [[Int32]] = []
        var startsPair = [Bool](repeating: false, count: vocabulary)
        for (i, phrase) in phrases.enumerated() {
            guard let first = phrase.first else { continue }
            if phrase.count == 1 {
                singles[Int(first)].append(Int32(i))
            } else {
                let key = Triage.pair(first, phrase[1])
                if let list = pairs[key] {
                    pairLists[Int(list)].append(Int32(i))
                } else {
                    pairs[key] = Int32(pairLists.count)
                    pairLists.append([Int32(i)])
                }
                startsPair[Int(first)] = true
            }
        }
        self.singles = PackedLists(singles)
        self.pairs = NumberTable(pairs)
        self.pairLists = PackedLists(pairLists)
        self.startsPair = startsPair
    }

    /// Every phrase that may start at `start` of `ids` (a known word), in ascending order:
    /// those whose second word is the next word, or the one after a filler (a phrase may have
    /// one filler between its words), and the one-word phrases. Others cannot match there.
    /// A phrase both ways ("đánh em em") is listed twice, as the rules always had it.
    @inline(__always)
    func candidates(at start: Int, in ids: [Int32], isFiller: [Bool], into out: inout [Int32]) {
        out.removeAll(keepingCapacity: true)
        let first = ids[start]
        var sources = 0
        if startsPair[Int(first)], start + 1 < ids.count {
            let next = ids[start + 1]
            let list = pairs.number(Triage.pair(first, next))
            if list >= 0 {
                out += pairLists.items[pairLists[Int(list)]]
                sources += 1
            }
            if start + 2 < ids.count, next >= 0, isFiller[Int(next)] {
                let list = pairs.number(Triage.pair(first, ids[start + 2]))
                if list >= 0 {
                    out += pairLists.items[pairLists[Int(list)]]
                    sources += 1
                }
            }
        }
        let single = singles[Int(first)]
        if !single.isEmpty {
            out += singles.items[single]
            sources += 1
        }
        if sources > 1 { out.sort() }
    }
}
