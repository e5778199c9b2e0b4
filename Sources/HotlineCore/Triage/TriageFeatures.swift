/// The features the learned model reads from a message's match key: its words, its word
/// pairs and its character 3-, 4- and 5-grams. Characters carry what words miss: a typo, a
/// stretched or shortened spelling, a word glued to the next ("bodanh"), still share most
/// of their grams with the spelling the model was trained on.
///
/// Features are hashed (FNV-1a, fixed seeds, so a model file means the same on every
/// machine and every run) into `TriageFeatures.buckets` slots.
public enum TriageFeatures {
    public static let bucketBits = 18
    public static let buckets = 1 << bucketBits

    static let wordSeed: UInt32 = 0x811C_9DC5
    static let pairSeed: UInt32 = 0x0100_0193 &* 31
    static let gramSeed: UInt32 = 0x9E37_79B9

    /// Appends the bucket of every feature of `key` (a match key: lower-case folded words,
    /// single spaces) to `out`. A feature met twice is appended twice.
    public static func collect(_ key: String, into out: inout [UInt32]) {
        var key = key
        key.withUTF8 { bytes in collect(bytes, into: &out) }
    }

    static func collect(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt32]) {
        let most = maxCount(bytes.count)
        let old = out.count
        out.append(contentsOf: repeatElement(0, count: most))
        let written = out.withUnsafeMutableBufferPointer { write(bytes, to: $0.baseAddress! + old) }
        out.removeLast(most - written)
    }

    /// The most features a match key of `bytes` bytes has: words and pairs take at most one
    /// per byte, each gram length one per byte of the padded key.
    static func maxCount(_ bytes: Int) -> Int { bytes + 3 * (bytes + 2) }

    /// Writes the features of `bytes` at `out` (room for `maxCount(bytes.count)`) in the order
    /// `collect` appends them (a name of its own: `&array` would convert to the pointer): words and pairs, then the 3-, 4- and 5-grams. Returns how many.
    /// (The order matters: the category head adds floating-point weights in it.)
    static func write(_ bytes: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt32>) -> Int {
        let count = bytes.count
        guard count > 0 else { return 0 }
        var n = 0
        // Words and pairs.
        var start = 0
        var previous: Range<Int>? = nil
        var i = 0
        while i <= count {
            if i == count || bytes[i] == 0x20 {
                if i > start {
                    let word = start..<i
                    out[n] = bucket(hash(bytes, word, seed: wordSeed))
                    n += 1
                    if let previous {
                        var h = hash(bytes, previous, seed: pairSeed)
                        h = mix(h, 0x20)
                        h = hash(bytes, word, seed: h)
                        out[n] = bucket(h)
                        n += 1
                    }
                    previous = word
                }
                start = i + 1
            }
            i += 1
        }
        // Character grams over " key ", so a word's first and last letters count as such:
        // the key copied once between two spaces, so each gram reads plain bytes.
        let padded = count + 2
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: padded) { space in
            let p = space.baseAddress!
            p[0] = 0x20
            (p + 1).update(from: bytes.baseAddress!, count: count)
            p[padded - 1] = 0x20
            @inline(__always) func grams(_ length: Int) {
                guard padded >= length else { return }
                let seed = gramSeed &+ UInt32(length)
                for s in 0...(padded - length) {
                    var h = seed
                    for j in s..<(s + length) { h = mix(h, p[j]) }
                    out[n] = bucket(h)
                    n += 1
                }
            }
            grams(3)
            grams(4)
            grams(5)
            return n
        }
    }

    static let signalSeed: UInt32 = 0x5151_7A7A

    /// The bucket of something the rules saw ("P2" "physical", "now" "").
    public static func signal(_ name: String, _ detail: String) -> UInt32 {
        var h = signalSeed
        for b in name.utf8 { h = mix(h, b) }
        if !detail.isEmpty {
            h = mix(h, 0x20)
            for b in detail.utf8 { h = mix(h, b) }
        }
        return bucket(h)
    }

    /// The bucket of one word alone, as `collect` files it: for explaining a decision.
    static func wordBucket(_ word: Substring) -> UInt32 {
        var h = wordSeed
        for b in word.utf8 { h = mix(h, b) }
        return bucket(h)
    }

    @inline(__always) static func mix(_ h: UInt32, _ byte: UInt8) -> UInt32 { (h ^ UInt32(byte)) &* 0x0100_0193 }

    @inline(__always) static func hash(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, seed: UInt32) -> UInt32 {
        var h = seed
        for j in range { h = mix(h, bytes[j]) }
        return h
    }

    @inline(__always) static func bucket(_ h: UInt32) -> UInt32 {
        // Fold the high bits in: FNV's low bits alone spread short inputs poorly.
        (h ^ (h >> UInt32(bucketBits))) & UInt32(buckets - 1)
    }
}
