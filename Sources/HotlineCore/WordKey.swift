/// Up to 16 bytes of a word held inline, so looking a word up in the rules needs no allocation.
struct WordKey: Hashable {
    var low: UInt64 = 0
    var high: UInt64 = 0
    var count: UInt8 = 0

    init?<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        guard bytes.count <= 16 else { return nil }
        var i = 0
        for byte in bytes {
            if i < 8 { low |= UInt64(byte) << (8 * UInt64(i)) } else { high |= UInt64(byte) << (8 * UInt64(i - 8)) }
            i += 1
        }
        count = UInt8(i)
    }

    init?(_ text: String) {
        self.init(Array(text.utf8))
    }

    /// A cheap mix for the membership prefilter (not for Dictionary, which seeds its own).
    @inline(__always)
    var mixed: UInt64 {
        var h = low &* 0x9E37_79B9_7F4A_7C15
        h ^= (high &+ UInt64(count)) &* 0xC2B2_AE3D_27D4_EB4F
        return h ^ (h >> 29)
    }
}

/// A 65,536-bit filter that answers "certainly not a rule word" for most words without
/// hashing them for a dictionary.
struct WordFilter: Sendable {
    private var bits = [UInt64](repeating: 0, count: 1024)

    init(_ keys: some Sequence<WordKey>) {
        for key in keys {
            let slot = Int(truncatingIfNeeded: key.mixed >> 48)
            bits[slot >> 6] |= 1 << UInt64(slot & 63)
        }
    }

    @inline(__always)
    func mayContain(_ key: WordKey) -> Bool {
        let slot = Int(truncatingIfNeeded: key.mixed >> 48)
        return bits[slot >> 6] & (1 << UInt64(slot & 63)) != 0
    }
}

/// Lower-casing and word-character tests for the scalars Vietnamese text uses, as tables.
enum ScalarTables {
    static let end: UInt32 = 0x2000

    /// The lower-case scalar for each scalar below `end` (itself when it has none, or several).
    static let lowercase: [UInt32] = {
        (0..<end).map { v in
            guard let scalar = Unicode.Scalar(v) else { return v }
            let lower = scalar.properties.lowercaseMapping.unicodeScalars
            return lower.count == 1 ? lower.first!.value : v
        }
    }()

    /// 1 where a scalar below `end` belongs inside a word: a letter, a digit or a combining mark.
    static let isWord: [UInt8] = {
        (0..<end).map { v in
            guard let scalar = Unicode.Scalar(v) else { return 0 }
            let p = scalar.properties
            return p.isAlphabetic || p.numericType != nil || Unaccent.isCombiningMark(v) ? 1 : 0
        }
    }()
}
