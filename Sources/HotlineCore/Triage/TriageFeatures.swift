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
        let count = bytes.count
        guard count > 0 else { return }
        // Words and pairs.
        var start = 0
        var previous: Range<Int>? = nil
        var i = 0
        while i <= count {
            if i == count || bytes[i] == 0x20 {
                if i > start {
                    let word = start..<i
                    out.append(bucket(hash(bytes, word, seed: wordSeed)))
                    if let previous {
                        var h = hash(bytes, previous, seed: pairSeed)
                        h = mix(h, 0x20)
                        h = hash(bytes, word, seed: h)
                        out.append(bucket(h))
                    }
                    previous = word
                }
                start = i + 1
            }
            i += 1
        }
        // Character grams over " key ", so a word's first and last letters count as such.
        let padded = count + 2
        @inline(__always) func byte(_ j: Int) -> UInt8 { j == 0 || j == padded - 1 ? 0x20 : bytes[j - 1] }
        for n in 3...5 where padded >= n {
            let seed = gramSeed &+ UInt32(n)
            for s in 0...(padded - n) {
                var h = seed
                for j in s..<(s + n) { h = mix(h, byte(j)) }
                out.append(bucket(h))
            }
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
