/// The rule words (teencode and words to keep) in one open-addressing table keyed on their
/// inline bytes. Every word of every message is looked up: a Dictionary would seed and run
/// SipHash each time, where this costs one multiply-mix and, kept at most a quarter full,
/// usually one probe.
struct WordTable: Sendable {
    struct Entry: Equatable, Sendable {
        /// Index of the word's teencode expansion, or -1 when it has none.
        var expansion: Int32 = -1
        /// A word never changed; it wins over an expansion of the same word.
        var keep = false
    }

    private struct Slot: Sendable {
        var key: WordKey  // count 0 marks an empty slot: no word is empty
        var entry: Entry
    }

    private var slots: [Slot]
    private let shift: UInt64

    init(expansions: [WordKey: Int], keep: some Sequence<WordKey>) {
        var entries: [WordKey: Entry] = [:]
        for (key, index) in expansions { entries[key, default: Entry()].expansion = Int32(index) }
        for key in keep { entries[key, default: Entry()].keep = true }
        var bits = 3
        while 1 << bits < 4 * entries.count { bits += 1 }
        shift = UInt64(64 - bits)
        slots = Array(repeating: Slot(key: WordKey([])!, entry: Entry()), count: 1 << bits)
        let mask = slots.count - 1
        for (key, entry) in entries where key.count > 0 {
            var i = Int(truncatingIfNeeded: key.mixed >> shift)
            while slots[i].key.count != 0 { i = (i + 1) & mask }
            slots[i] = Slot(key: key, entry: entry)
        }
    }

    /// What the rules say about `key`, or nil when it is no rule word.
    @inline(__always)
    func entry(_ key: WordKey) -> Entry? {
        slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var i = Int(truncatingIfNeeded: key.mixed >> shift)
            while true {
                let slot = slots[i]
                if slot.key.count == 0 { return nil }
                if slot.key == key { return slot.entry }
                i = (i + 1) & mask
            }
        }
    }
}
