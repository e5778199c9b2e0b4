/// Turns what a person typed into forms the service can match, however it was typed:
/// teencode expanded, Telex and VNI residue repaired, stretched letters shortened, case,
/// marks, punctuation and spacing folded.
///
/// `repaired` keeps the marks ("ko bit j" → "không biết gì") for people to read;
/// `matchKey` folds them away ("khong biet gi") for comparing with menu labels and phrases.
/// Both work on UTF-8 bytes with word lookups that do not allocate: every inbound message
/// passes through here.
public struct InputNormalizer: Sendable {
    public let rules: TextRules

    /// Each teencode meaning, with marks for people to read.
    private let repairedExpansions: [String]
    /// The same meanings folded, back to back; expansion `i` is `foldedBounds[i]..<foldedBounds[i + 1]`.
    private let foldedExpansions: [UInt8]
    private let foldedBounds: [Int]
    private let words: WordTable
    private let swaps: [(from: [Unicode.Scalar], to: [Unicode.Scalar])]
    /// The same swaps as bytes, when all are ASCII.
    private let asciiSwaps: ASCIISwaps?

    public init(rules: TextRules = .standard) {
        self.rules = rules
        var expansions: [WordKey: Int] = [:]
        var repaired: [String] = []
        var folded: [UInt8] = []
        var bounds = [0]
        for (word, meaning) in rules.teencode {
            guard let key = WordKey(word.lowercased().nfc) else { continue }
            let meaning = meaning.nfc
            expansions[key] = repaired.count
            repaired.append(meaning)
            folded += meaning.lowercased().folded.utf8
            bounds.append(folded.count)
        }
        repairedExpansions = repaired
        foldedExpansions = folded
        foldedBounds = bounds
        words = WordTable(expansions: expansions, keep: rules.keep.compactMap { WordKey($0.lowercased().nfc) })
        swaps = rules.swaps.map { (Array($0.from.lowercased().unicodeScalars), Array($0.to.lowercased().unicodeScalars)) }
        asciiSwaps = ASCIISwaps(swaps)
    }

    /// The text with every word repaired, lower case, marks kept, single spaces.
    public func repaired(_ text: String) -> String {
        var sink = RepairedSink(expansions: repairedExpansions)
        scan(text.nfc, into: &sink)
        return sink.out
    }

    /// The repaired text folded for matching: no marks, no punctuation, single spaces.
    /// (No NFC pass: folding drops combining marks, so decomposed input folds the same.)
    public func matchKey(_ text: String) -> String {
        // Room for every word expanded to twice its length; a message that needs more moves to the heap.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * text.utf8.count + 64) { space in
            var sink = FoldedSink(out: OutputBytes(space))
            defer { sink.out.release() }
            scan(text, into: &sink)
            let out = sink.out.bytes
            return String(unsafeUninitializedCapacity: out.count) { $0.initialize(fromContentsOf: out) }
        }
    }

    enum Piece {
        /// Lower-case UTF-8 of the word as typed; valid only during `emit`.
        case typed(UnsafeBufferPointer<UInt8>)
        /// The same, known to be ASCII, and followed by readable memory up to 16 bytes from
        /// its start (the reader's buffers, or a text long enough past the word).
        case ascii(UnsafeBufferPointer<UInt8>)
        /// Teencode expansion `index`, and its folded UTF-8 (valid only during `emit`).
        case expansion(index: Int, folded: UnsafeBufferPointer<UInt8>)
        case syllable(VietnameseSyllable)
    }

    func emitRepaired<Sink: PieceSink>(
        _ typed: UnsafeBufferPointer<UInt8>, shape: WordShape, scratch: UnsafeMutableBufferPointer<UInt8>, into sink: inout Sink
    ) {
        var word = typed
        var key = shape.key(count: word.count)
        if shape.isStretched {
            let count = Stretch.shorten(word, into: scratch) { candidate in
                VietnameseSyllable.isPlain(candidate) || WordKey(padded: candidate).flatMap(words.entry)?.expansion ?? -1 >= 0
            }
            word = UnsafeBufferPointer(rebasing: scratch[0..<count])
            key = WordKey(padded: word)
        }
        if let key, let entry = words.entry(key) {
            if entry.keep { return sink.emit(.typed(word)) }
            if entry.expansion >= 0 { return emitExpansion(Int(entry.expansion), into: &sink) }
        }
        // Shortening a stretched word drops repeated bytes only, so its shape still holds.
        switch shape.kinds {
        case WordShape.letter: if VietnameseSyllable.isPlain(letters: word) { return sink.emit(.ascii(word)) }
        case WordShape.digit: return sink.emit(.ascii(word))
        default:
            if shape.kinds & WordShape.nonASCII != 0 {
                if word.count >= 6, GluedWords.mayBeGlued(word), emitGlued(word, ascii: false, into: &sink) { return }
                return sink.emit(.typed(word))
            }
        }
        emitUnusual(word, into: &sink)
    }

    /// The slow road, for the few words that may be input-method residue or teencode swaps.
    /// Kept out of line: inlined, its Unicode property lookups cost type-metadata setup on
    /// every word.
    @inline(never)
    func emitUnusual<Sink: PieceSink>(_ word: UnsafeBufferPointer<UInt8>, into sink: inout Sink) {
        // Words here are at most `maxWordBytes` ASCII bytes: their scalars fit on the stack.
        let repaired = withUnsafeTemporaryAllocation(of: Unicode.Scalar.self, capacity: word.count) { scalars in
            for (i, byte) in word.enumerated() { scalars.initializeElement(at: i, to: Unicode.Scalar(byte)) }
            return InputMethodRepair.repair(UnsafeBufferPointer(scalars))
        }
        if let syllable = repaired { return sink.emit(.syllable(syllable)) }
        if word.count >= 8, GluedWords.mayBeGlued(word), emitGlued(word, ascii: true, into: &sink) { return }
        // The word is ASCII here: the swaps run on its bytes when they are ASCII too.
        let swapped = if let asciiSwaps { asciiSwaps.apply(word) } else { applySwaps(word.map { Unicode.Scalar($0) }) }
        if let swapped {
            switch swapped {
            case .bytes(let bytes): return bytes.withUnsafeBufferPointer { sink.emit(.typed($0)) }
            case .syllable(let syllable): return sink.emit(.syllable(syllable))
            }
        }
        sink.emit(.typed(word))
    }

    /// A word of syllables typed without spaces, emitted syllable by syllable; false when it is not one.
    @inline(never)
    func emitGlued<Sink: PieceSink>(_ word: UnsafeBufferPointer<UInt8>, ascii: Bool, into sink: inout Sink) -> Bool {
        guard let pieces = GluedWords.split(word, ascii: ascii) else { return false }
        for piece in pieces { sink.emit(.typed(UnsafeBufferPointer(rebasing: word[piece]))) }
        return true
    }

    private func emitExpansion<Sink: PieceSink>(_ index: Int, into sink: inout Sink) {
        foldedExpansions.withUnsafeBufferPointer { folded in
            let bytes = UnsafeBufferPointer(rebasing: folded[foldedBounds[index]..<foldedBounds[index + 1]])
            sink.emit(.expansion(index: index, folded: bytes))
        }
    }

    enum Swapped {
        case bytes([UInt8])
        case syllable(VietnameseSyllable)
    }

    /// A plain search: the standard library's `firstRange(of:)` instantiates generic metadata
    /// on every call, which made an English word (every one tries the swaps) cost
    /// microseconds.
    static func firstRange(of part: [Unicode.Scalar], in word: [Unicode.Scalar]) -> Range<Int>? {
        guard !part.isEmpty, part.count <= word.count else { return nil }
        outer: for start in 0...(word.count - part.count) {
            for (offset, scalar) in part.enumerated() where word[start + offset] != scalar { continue outer }
            return start..<(start + part.count)
        }
        return nil
    }

    /// Applies the letter swaps that occur in `word`, one at a time, and returns the first
    /// result that is a well-formed syllable.
    func applySwaps(_ word: [Unicode.Scalar]) -> Swapped? {
        var candidate = word
        for swap in swaps {
            guard let range = Self.firstRange(of: swap.from, in: candidate) else { continue }
            candidate.replaceSubrange(range, with: swap.to)
            let bytes = candidate.map { UInt8(truncatingIfNeeded: $0.value) }
            if bytes.withUnsafeBufferPointer({ VietnameseSyllable.isPlain($0) }) { return .bytes(bytes) }
            if let syllable = candidate.withUnsafeBufferPointer({ InputMethodRepair.repair($0) }) { return .syllable(syllable) }
        }
        return nil
    }
}

protocol PieceSink {
    mutating func emit(_ piece: InputNormalizer.Piece)
}

/// Builds the folded form straight into UTF-8 bytes.
struct FoldedSink: PieceSink {
    var out: OutputBytes

    mutating func emit(_ piece: InputNormalizer.Piece) {
        if !out.isEmpty { out.append(0x20) }
        switch piece {
        case .typed(let bytes): Self.fold(bytes, into: &out)
        case .ascii(let bytes): out.append(padded: bytes)
        case .expansion(_, let folded): out.append(folded)
        case .syllable(let syllable): syllable.appendFolded(to: &out)
        }
    }

    /// Unaccents lower-case UTF-8 (marks dropped, đ to d). The result is never longer than
    /// `bytes`, so room is made once and the bytes written through a local index.
    static func fold(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout OutputBytes) {
        // Read once here: a static's every use checks it has been initialised.
        let bases = Unaccent.table
        out.append(atMost: bytes.count) { out in
            var n = 0
            var i = 0
            while i < bytes.count {
                let b0 = bytes[i]
                if b0 < 0x80 {
                    out[n] = b0
                    n += 1
                    i += 1
                    continue
                }
                let length = b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4
                let v: UInt32
                switch length {
                case 2: v = UInt32(b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
                case 3: v = UInt32(b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
                default: v = UInt32.max
                }
                if v < 0x80 {
                    out[n] = UInt8(v)
                    n += 1
                } else if Unaccent.isCombiningMark(v) {
                    // dropped
                } else if v <= Unaccent.tableEnd, bases[Int(v)] != 0 {
                    out[n] = bases[Int(v)]
                    n += 1
                } else {
                    for k in i..<min(i + length, bytes.count) {
                        out[n] = bytes[k]
                        n += 1
                    }
                }
                i += length
            }
            return n
        }
    }
}

struct RepairedSink: PieceSink {
    let expansions: [String]
    var out = ""

    mutating func emit(_ piece: InputNormalizer.Piece) {
        if !out.isEmpty { out.append(" ") }
        switch piece {
        case .typed(let bytes), .ascii(let bytes): out.append(String(decoding: bytes, as: UTF8.self))
        case .expansion(let index, _): out.append(expansions[index])
        case .syllable(let syllable): out.append(syllable.text)
        }
    }
}

/// What kinds of byte a word holds and whether a letter is held down, gathered while the
/// word is read so no second pass over it is needed.
struct WordShape {
    static let letter: UInt8 = 1  // a-z
    static let digit: UInt8 = 2  // 0-9
    static let other: UInt8 = 4  // any other ASCII (* and #)
    static let nonASCII: UInt8 = 8

    var kinds: UInt8 = 0
    /// Three or more of one letter in a row: "cuuuuu", "emmmm", "giupppp".
    var isStretched = false

    init() {}

    /// The shape of a finished word, its key read straight from `word`, which must be
    /// followed by readable memory up to 16 bytes from its start.
    @inline(__always)
    init(kinds: UInt8, word: UnsafePointer<UInt8>, count: Int) {
        self.kinds = kinds
        if let key = WordKey(padded: UnsafeBufferPointer(start: word, count: count)) {
            low = key.low
            high = key.high
        }
    }
    /// The word's first 16 bytes as `WordKey` packs them, gathered as they are read: loading
    /// them back from the buffer just written stalls on store forwarding.
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    @inline(__always)
    mutating func add(_ byte: UInt8, at index: Int) {
        let bits = UInt64(byte)
        if index < 8 {
            low |= bits &<< UInt64(truncatingIfNeeded: index &* 8)
        } else if index < 16 {
            high |= bits &<< UInt64(truncatingIfNeeded: (index &- 8) &* 8)
        }
    }

    /// The key of a word of `count` bytes whose bytes all went through `add`.
    @inline(__always)
    func key(count: Int) -> WordKey? {
        count <= 16 ? WordKey(low: low, high: high, count: UInt8(truncatingIfNeeded: count)) : nil
    }
}

/// Letters held down: "cuuuuu", "emmmm", "giupppp".
enum Stretch {
    /// Writes `word` into `out` with runs of three or more of one letter made two when
    /// `accept` takes that ("cuu", i.e. cứu), otherwise one; returns the length. A typed
    /// pair ("aa", "dd") is never touched.
    static func shorten(
        _ word: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, accept: (UnsafeBufferPointer<UInt8>) -> Bool
    ) -> Int {
        func collapse(to limit: Int) -> Int {
            var count = 0
            var i = 0
            while i < word.count {
                let byte = word[i]
                var j = i
                while j < word.count, word[j] == byte { j += 1 }
                let length = j - i
                let isLetter = byte >= 0x61 && byte <= 0x7A
                for _ in 0..<(length >= 3 && isLetter ? min(length, limit) : length) {
                    out[count] = byte
                    count += 1
                }
                i = j
            }
            return count
        }
        let two = collapse(to: 2)
        if accept(UnsafeBufferPointer(rebasing: out[0..<two])) { return two }
        return collapse(to: 1)
    }
}

extension VietnameseSyllable {
    /// For a lower-case ASCII letter; a bit per letter a-z is cheaper than six comparisons.
    @inline(__always)
    static func isVowelByte(_ b: UInt8) -> Bool {
        let vowels: UInt32 = 1 << 0 | 1 << 4 | 1 << 8 | 1 << 14 | 1 << 20 | 1 << 24  // a e i o u y
        let offset = b &- 0x61
        return offset < 26 && vowels >> offset & 1 != 0
    }

    /// How many bytes of `word` its initial consonant takes (ngh, ng, gh, gi, kh, nh, ph, th, tr, ch, qu, dd or one letter).
    static func initialLength(_ word: UnsafeBufferPointer<UInt8>) -> Int {
        guard let first = word.first else { return 0 }
        let second: UInt8 = word.count > 1 ? word[1] : 0
        let third: UInt8 = word.count > 2 ? word[2] : 0
        switch first {
        case UInt8(ascii: "n"):
            if second == UInt8(ascii: "g") { return third == UInt8(ascii: "h") ? 3 : 2 }
            return second == UInt8(ascii: "h") ? 2 : 1
        case UInt8(ascii: "g"):
            return second == UInt8(ascii: "h") || second == UInt8(ascii: "i") ? 2 : 1
        case UInt8(ascii: "k"), UInt8(ascii: "p"):
            return second == UInt8(ascii: "h") ? 2 : 1
        case UInt8(ascii: "t"):
            return second == UInt8(ascii: "h") || second == UInt8(ascii: "r") ? 2 : 1
        case UInt8(ascii: "c"):
            return second == UInt8(ascii: "h") ? 2 : 1
        case UInt8(ascii: "q"):
            return second == UInt8(ascii: "u") ? 2 : 0
        case UInt8(ascii: "d"):
            return second == UInt8(ascii: "d") ? 2 : 1
        case UInt8(ascii: "b"), UInt8(ascii: "h"), UInt8(ascii: "l"), UInt8(ascii: "m"), UInt8(ascii: "r"), UInt8(ascii: "s"),
            UInt8(ascii: "v"), UInt8(ascii: "x"):
            return 1
        default:
            return 0
        }
    }

    /// True for the finals a syllable may end in: c ch m n ng nh p t (or none).
    @inline(__always)
    static func isFinal(_ rest: UnsafeBufferPointer<UInt8>.SubSequence) -> Bool {
        switch rest.count {
        case 0: return true
        case 1:
            let b = rest.first!
            return b == UInt8(ascii: "c") || b == UInt8(ascii: "m") || b == UInt8(ascii: "n") || b == UInt8(ascii: "p")
                || b == UInt8(ascii: "t")
        case 2:
            let a = rest.first!
            let b = rest[rest.startIndex + 1]
            return (a == UInt8(ascii: "c") && b == UInt8(ascii: "h"))
                || (a == UInt8(ascii: "n") && (b == UInt8(ascii: "g") || b == UInt8(ascii: "h")))
        default: return false
        }
    }

    /// True when an unaccented lower-case ASCII word is already a Vietnamese syllable as
    /// written ("xin", "nguoi", "cuu"): such words are never "repaired".
    static func isPlain(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !word.isEmpty, word.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) else { return false }
        return isPlain(letters: word)
    }

    /// `isPlain` for a word already known to be non-empty and all a-z.
    static func isPlain(letters word: UnsafeBufferPointer<UInt8>) -> Bool {
        let initial = initialLength(word)
        if initial == 2, word[0] == 0x64, word[1] == 0x64 { return false }  // "dd" is Telex for đ
        var i = initial
        var nucleus = 0
        var previous: UInt8 = 0
        while i < word.endIndex, isVowelByte(word[i]) {
            // Unaccented, only ưu doubles a vowel ("cuu" = cứu); "oo" is Telex for ô far more
            // often than the loanword "xoong".
            if word[i] == previous, word[i] != 0x75 { return false }
            previous = word[i]
            nucleus += 1
            i += 1
        }
        let rest = word[i...]
        if nucleus == 0 {
            guard rest.isEmpty, initial == 2 else { return false }
            let second = word[1]
            return
                ((word.first == UInt8(ascii: "g") && second == UInt8(ascii: "i"))
                || (word.first == UInt8(ascii: "q") && second == UInt8(ascii: "u")))
        }
        guard nucleus <= 3 else { return false }
        return isFinal(rest)
    }

    /// The folded spelling (no marks, đ as d), straight into `out`.
    func appendFolded(to out: inout OutputBytes) {
        if initial == "dd" || initial == "đ" {
            out.append(0x64)
        } else {
            for byte in initial.utf8 { out.append(byte) }
        }
        for vowel in nucleus { out.append(UInt8(truncatingIfNeeded: vowel.base.value)) }
        for byte in final.utf8 { out.append(byte) }
    }
}
