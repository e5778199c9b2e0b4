/// Up to 16 bytes of a word held inline, so looking a word up in the rules needs no allocation.
struct WordKey: Hashable {
    var low: UInt64 = 0
    var high: UInt64 = 0
    var count: UInt8 = 0

    init(low: UInt64, high: UInt64, count: UInt8) {
        self.low = low
        self.high = high
        self.count = count
    }

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

    /// The same key as `init?(_:)` gives, read as two words instead of byte by byte: every
    /// word of every message is looked up. `word` must be followed by readable memory up to
    /// 16 bytes from its start, as the reader's fixed word buffers are.
    @inline(__always)
    init?(padded word: UnsafeBufferPointer<UInt8>) {
        let count = word.count
        guard count <= 16, let start = word.baseAddress else { return nil }
        let raw = UnsafeRawPointer(start)
        let first = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
        if count > 8 {
            low = first
            let second = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            high = second & (UInt64.max &>> UInt64(128 &- 8 &* count))
        } else if count == 8 {
            low = first
        } else {
            low = first & ~(UInt64.max &<< UInt64(8 &* count))
        }
        self.count = UInt8(count)
    }

    /// A cheap mix for the rule table (not for Dictionary, which seeds its own).
    @inline(__always)
    var mixed: UInt64 {
        var h = low &* 0x9E37_79B9_7F4A_7C15
        h ^= (high &+ UInt64(count)) &* 0xC2B2_AE3D_27D4_EB4F
        return h ^ (h >> 29)
    }
}
