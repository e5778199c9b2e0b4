/// The letter swaps (`TextRules.swaps`) as bytes, for the ASCII words that try them: every
/// English word of a message does, and trying them on arrays of scalars allocated an array
/// per word and another per swap that occurred. Here the word is swapped in stack space, and
/// only a result that is kept becomes an array. Exists only when every swap is ASCII (the
/// standard ones are); otherwise the scalar road is taken.
struct ASCIISwaps: Sendable {
    /// Every swap's `from` then `to`, back to back; swap `i` is `from` at
    /// `bounds[2i]..<bounds[2i + 1]` and `to` at `bounds[2i + 1]..<bounds[2i + 2]`.
    private let bytes: [UInt8]
    private let bounds: [Int]
    /// The most a word can grow: each swap applies at most once.
    private let growth: Int

    init?(_ swaps: [(from: [Unicode.Scalar], to: [Unicode.Scalar])]) {
        var bytes: [UInt8] = []
        var bounds = [0]
        var growth = 0
        for swap in swaps {
            guard swap.from.allSatisfy(\.isASCII), swap.to.allSatisfy(\.isASCII) else { return nil }
            bytes += swap.from.map { UInt8($0.value) }
            bounds.append(bytes.count)
            bytes += swap.to.map { UInt8($0.value) }
            bounds.append(bytes.count)
            growth += max(0, swap.to.count - swap.from.count)
        }
        self.bytes = bytes
        self.bounds = bounds
        self.growth = growth
    }

    /// `InputNormalizer.applySwaps` for an ASCII word: the same swaps in the same order, the
    /// same tests, the same result.
    func apply(_ word: UnsafeBufferPointer<UInt8>) -> InputNormalizer.Swapped? {
        let swaps = bounds.count / 2
        return bytes.withUnsafeBufferPointer { table in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: word.count + growth) { space in
                let candidate = space.baseAddress!
                if let start = word.baseAddress { candidate.initialize(from: start, count: word.count) }
                var count = word.count
                // Which bytes the candidate holds: most swaps start with a letter it has not.
                var present = Self.bytesIn(candidate, count: count)
                for i in 0..<swaps {
                    let from = UnsafeBufferPointer(rebasing: table[bounds[2 * i]..<bounds[2 * i + 1]])
                    guard let first = from.first, present.contains(first) else { continue }
                    let to = UnsafeBufferPointer(rebasing: table[bounds[2 * i + 1]..<bounds[2 * i + 2]])
                    guard let at = Self.firstIndex(of: from, in: candidate, count: count) else { continue }
                    // Move what follows the match to where the replacement ends, then write it.
                    let tail = count - at - from.count
                    (candidate + at + to.count).update(from: candidate + at + from.count, count: tail)
                    if let source = to.baseAddress { (candidate + at).update(from: source, count: to.count) }
                    count = at + to.count + tail
                    present = Self.bytesIn(candidate, count: count)
                    let swapped = UnsafeBufferPointer(start: candidate, count: count)
                    if VietnameseSyllable.isPlain(swapped) { return .bytes(Array(swapped)) }
                    let repaired = withUnsafeTemporaryAllocation(of: Unicode.Scalar.self, capacity: count) { scalars in
                        for k in 0..<count { scalars.initializeElement(at: k, to: Unicode.Scalar(candidate[k])) }
                        return InputMethodRepair.repair(UnsafeBufferPointer(scalars))
                    }
                    if let repaired { return .syllable(repaired) }
                }
                return nil
            }
        }
    }

    /// A set of ASCII bytes, one bit each.
    struct ByteSet {
        var low: UInt64 = 0
        var high: UInt64 = 0

        @inline(__always)
        func contains(_ byte: UInt8) -> Bool {
            byte < 64 ? low >> byte & 1 != 0 : byte < 128 && high >> (byte - 64) & 1 != 0
        }
    }

    @inline(__always)
    private static func bytesIn(_ word: UnsafeMutablePointer<UInt8>, count: Int) -> ByteSet {
        var set = ByteSet()
        for k in 0..<count {
            let byte = word[k]
            if byte < 64 { set.low |= 1 << byte } else if byte < 128 { set.high |= 1 << (byte - 64) }
        }
        return set
    }

    /// Where `part` first occurs in the `count` bytes at `word`, as `InputNormalizer.firstRange`
    /// finds it (an empty part never does).
    private static func firstIndex(of part: UnsafeBufferPointer<UInt8>, in word: UnsafeMutablePointer<UInt8>, count: Int) -> Int? {
        guard !part.isEmpty, part.count <= count else { return nil }
        outer: for start in 0...(count - part.count) {
            for offset in 0..<part.count where word[start + offset] != part[offset] { continue outer }
            return start
        }
        return nil
    }
}
