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

    struct Expansion: Sendable {
        var repaired: String
        var folded: [UInt8]
    }

    private let teencode: [WordKey: Expansion]
    private let keep: Set<WordKey>
    private let filter: WordFilter
    private let swaps: [(from: [Unicode.Scalar], to: [Unicode.Scalar])]

    public init(rules: TextRules = .standard) {
        self.rules = rules
        var teencode: [WordKey: Expansion] = [:]
        for (word, meaning) in rules.teencode {
            guard let key = WordKey(word.lowercased().nfc) else { continue }
            let repaired = meaning.nfc
            teencode[key] = Expansion(repaired: repaired, folded: Array(repaired.lowercased().folded.utf8))
        }
        self.teencode = teencode
        keep = Set(rules.keep.compactMap { WordKey($0.lowercased().nfc) })
        filter = WordFilter(Array(teencode.keys) + Array(keep))
        swaps = rules.swaps.map { (Array($0.from.lowercased().unicodeScalars), Array($0.to.lowercased().unicodeScalars)) }
    }

    /// The text with every word repaired, lower case, marks kept, single spaces.
    public func repaired(_ text: String) -> String {
        var sink = RepairedSink()
        scan(text.nfc, into: &sink)
        return sink.out
    }

    /// The repaired text folded for matching: no marks, no punctuation, single spaces.
    /// (No NFC pass: folding drops combining marks, so decomposed input folds the same.)
    public func matchKey(_ text: String) -> String {
        var sink = FoldedSink()
        sink.out.reserveCapacity(text.utf8.count + 16)
        scan(text, into: &sink)
        return String(decoding: sink.out, as: UTF8.self)
    }

    enum Piece {
        /// Lower-case UTF-8 of the word as typed; valid only during `emit`.
        case typed(UnsafeBufferPointer<UInt8>)
        case expansion(Expansion)
        case syllable(VietnameseSyllable)
    }

    /// Longer words are passed through as typed: no rule applies to them.
    static let maxWordBytes = 64

    /// Splits `text` into words (runs of letters, digits and marks; `*` and `#` stand alone,
    /// as phone keys are answers) and hands each, repaired, to `sink`. Works on the UTF-8
    /// bytes with fixed word buffers: every inbound message passes through here.
    private func scan<Sink: PieceSink>(_ text: String, into sink: inout Sink) {
        var text = text
        text.makeContiguousUTF8()
        let isWord = ScalarTables.isWord
        let lowercase = ScalarTables.lowercase
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * Self.maxWordBytes) { buffers in
            // A struct, not captured locals: closures over vars would box them and pay a
            // dynamic exclusivity check on every byte.
            var word = WordBuffer(
                word: UnsafeMutableBufferPointer(rebasing: buffers[0..<Self.maxWordBytes]),
                scratch: UnsafeMutableBufferPointer(rebasing: buffers[Self.maxWordBytes...]))
            text.utf8.withContiguousStorageIfAvailable { bytes in
                var i = 0
                let end = bytes.count
                while i < end {
                    let b0 = bytes[i]
                    if b0 < 0x80 {
                        i += 1
                        switch b0 {
                        case 0x41...0x5A: word.append(b0 + 32)
                        case 0x61...0x7A, 0x30...0x39: word.append(b0)
                        case 0x2A, 0x23:  // * #
                            word.flush(self, &sink)
                            word.append(b0)
                            word.flush(self, &sink)
                        default: word.flush(self, &sink)
                        }
                        continue
                    }
                    let v: UInt32
                    if b0 < 0xE0 {
                        v = UInt32(b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
                        i += 2
                    } else if b0 < 0xF0 {
                        v = UInt32(b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
                        i += 3
                    } else {
                        v =
                            UInt32(b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6
                            | UInt32(bytes[i + 3] & 0x3F)
                        i += 4
                    }
                    if v < ScalarTables.end {
                        if isWord[Int(v)] == 1 {
                            word.append(scalar: lowercase[Int(v)])
                        } else {
                            word.flush(self, &sink)
                        }
                    } else if let scalar = Unicode.Scalar(v), scalar.properties.isAlphabetic {
                        word.append(scalar: v)
                    } else {
                        word.flush(self, &sink)
                    }
                }
            }
            word.flush(self, &sink)
        }
    }

    /// The word being read, in a fixed buffer.
    struct WordBuffer {
        let word: UnsafeMutableBufferPointer<UInt8>
        let scratch: UnsafeMutableBufferPointer<UInt8>
        var length = 0
        var overflow: [UInt8] = []  // only for a word longer than the buffer

        @inline(__always)
        mutating func append(_ byte: UInt8) {
            if length < word.count {
                word[length] = byte
                length += 1
            } else {
                if overflow.isEmpty { overflow = Array(word[0..<length]) }
                overflow.append(byte)
            }
        }

        mutating func append(scalar v: UInt32) {
            if v < 0x800 {
                append(UInt8(0xC0 | (v >> 6)))
                append(UInt8(0x80 | (v & 0x3F)))
            } else if v < 0x10000 {
                append(UInt8(0xE0 | (v >> 12)))
                append(UInt8(0x80 | ((v >> 6) & 0x3F)))
                append(UInt8(0x80 | (v & 0x3F)))
            } else {
                append(UInt8(0xF0 | (v >> 18)))
                append(UInt8(0x80 | ((v >> 12) & 0x3F)))
                append(UInt8(0x80 | ((v >> 6) & 0x3F)))
                append(UInt8(0x80 | (v & 0x3F)))
            }
        }

        mutating func flush<Sink: PieceSink>(_ normalizer: InputNormalizer, _ sink: inout Sink) {
            if !overflow.isEmpty {
                overflow.withUnsafeBufferPointer { sink.emit(.typed($0)) }
                overflow.removeAll()
            } else if length > 0 {
                normalizer.emitRepaired(UnsafeBufferPointer(rebasing: word[0..<length]), scratch: scratch, into: &sink)
            }
            length = 0
        }
    }

    func emitRepaired<Sink: PieceSink>(
        _ typed: UnsafeBufferPointer<UInt8>, scratch: UnsafeMutableBufferPointer<UInt8>, into sink: inout Sink
    ) {
        var word = typed
        if Stretch.hasRun(word) {
            let count = Stretch.shorten(word, into: scratch) { candidate in
                VietnameseSyllable.isPlain(candidate) || WordKey(candidate).map { teencode[$0] != nil } == true
            }
            word = UnsafeBufferPointer(rebasing: scratch[0..<count])
        }
        if let key = WordKey(word), filter.mayContain(key) {
            if keep.contains(key) { return sink.emit(.typed(word)) }
            if let expansion = teencode[key] { return sink.emit(.expansion(expansion)) }
        }
        var ascii = true
        var digits = true
        for b in word {
            if b >= 0x80 { ascii = false }
            if b < 0x30 || b > 0x39 { digits = false }
        }
        if !ascii || digits || VietnameseSyllable.isPlain(word) { return sink.emit(.typed(word)) }
        // The slow road, for the few words that are input-method residue or teencode swaps.
        let scalars = word.map { Unicode.Scalar($0) }
        if let syllable = InputMethodRepair.repair(scalars) { return sink.emit(.syllable(syllable)) }
        if let swapped = applySwaps(scalars) {
            switch swapped {
            case .bytes(let bytes): return bytes.withUnsafeBufferPointer { sink.emit(.typed($0)) }
            case .syllable(let syllable): return sink.emit(.syllable(syllable))
            }
        }
        sink.emit(.typed(word))
    }

    enum Swapped {
        case bytes([UInt8])
        case syllable(VietnameseSyllable)
    }

    /// Applies the letter swaps that occur in `word`, one at a time, and returns the first
    /// result that is a well-formed syllable.
    func applySwaps(_ word: [Unicode.Scalar]) -> Swapped? {
        var candidate = word
        for swap in swaps {
            guard let range = candidate.firstRange(of: swap.from) else { continue }
            candidate.replaceSubrange(range, with: swap.to)
            let bytes = candidate.map { UInt8(truncatingIfNeeded: $0.value) }
            if bytes.withUnsafeBufferPointer({ VietnameseSyllable.isPlain($0) }) { return .bytes(bytes) }
            if let syllable = InputMethodRepair.repair(candidate) { return .syllable(syllable) }
        }
        return nil
    }
}

protocol PieceSink {
    mutating func emit(_ piece: InputNormalizer.Piece)
}

/// Builds the folded form straight into UTF-8 bytes.
struct FoldedSink: PieceSink {
    var out: [UInt8] = []

    mutating func emit(_ piece: InputNormalizer.Piece) {
        if !out.isEmpty { out.append(0x20) }
        switch piece {
        case .typed(let bytes): Self.fold(bytes, into: &out)
        case .expansion(let expansion): out.append(contentsOf: expansion.folded)
        case .syllable(let syllable): syllable.appendFolded(to: &out)
        }
    }

    /// Unaccents lower-case UTF-8 (marks dropped, đ to d).
    static func fold(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        if bytes.allSatisfy({ $0 < 0x80 }) {
            out.append(contentsOf: bytes)
            return
        }
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i]
            let length = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4
            let v: UInt32
            switch length {
            case 1: v = UInt32(b0)
            case 2: v = UInt32(b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
            case 3: v = UInt32(b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
            default: v = UInt32.max
            }
            if v < 0x80 {
                out.append(UInt8(v))
            } else if Unaccent.isCombiningMark(v) {
                // dropped
            } else if let base = Unaccent.base(of: v) {
                out.append(base)
            } else {
                out.append(contentsOf: bytes[i..<min(i + length, bytes.count)])
            }
            i += length
        }
    }
}

struct RepairedSink: PieceSink {
    var out = ""

    mutating func emit(_ piece: InputNormalizer.Piece) {
        if !out.isEmpty { out.append(" ") }
        switch piece {
        case .typed(let bytes): out.append(String(decoding: bytes, as: UTF8.self))
        case .expansion(let expansion): out.append(expansion.repaired)
        case .syllable(let syllable): out.append(syllable.text)
        }
    }
}

/// Letters held down: "cuuuuu", "emmmm", "giupppp".
enum Stretch {
    static func hasRun(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
        var run = 1
        var previous: UInt8 = 0
        for byte in word {
            run = byte == previous ? run + 1 : 1
            if run >= 3, byte >= 0x61, byte <= 0x7A { return true }
            previous = byte
        }
        return false
    }

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
    @inline(__always)
    static func isVowelByte(_ b: UInt8) -> Bool {
        b == 0x61 || b == 0x65 || b == 0x69 || b == 0x6F || b == 0x75 || b == 0x79  // a e i o u y
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
    func appendFolded(to out: inout [UInt8]) {
        if initial == "dd" || initial == "đ" {
            out.append(0x64)
        } else {
            out.append(contentsOf: initial.utf8)
        }
        for vowel in nucleus { out.append(UInt8(truncatingIfNeeded: vowel.base.value)) }
        out.append(contentsOf: final.utf8)
    }
}
