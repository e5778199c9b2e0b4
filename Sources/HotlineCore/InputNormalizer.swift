/// Turns what a person typed into forms the service can match, however it was typed:
/// teencode expanded, Telex and VNI residue repaired, stretched letters shortened, case,
/// marks, punctuation and spacing folded.
///
/// `repaired` keeps the marks ("ko bit j" → "không biết gì") for people to read;
/// `matchKey` folds them away ("khong biet gi") for comparing with menu labels and phrases.
public struct InputNormalizer: Sendable {
    public let rules: TextRules
    private let teencode: [String: String]
    private let keep: Set<String>
    private let swaps: [(from: [Unicode.Scalar], to: [Unicode.Scalar])]

    public init(rules: TextRules = .standard) {
        self.rules = rules
        teencode = Dictionary(rules.teencode.map { ($0.key.lowercased().nfc, $0.value.nfc) }, uniquingKeysWith: { _, new in new })
        keep = Set(rules.keep.map { $0.lowercased() })
        swaps = rules.swaps.map { (Array($0.from.lowercased().unicodeScalars), Array($0.to.lowercased().unicodeScalars)) }
    }

    /// The text with every word repaired, lower case, marks kept, single spaces.
    public func repaired(_ text: String) -> String {
        var out = ""
        forEachWord(in: text) { word in
            if !out.isEmpty { out.append(" ") }
            out.append(word)
        }
        return out
    }

    /// The repaired text folded for matching: no marks, no punctuation, single spaces.
    public func matchKey(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        forEachWord(in: text) { word in
            if !out.isEmpty { out.append(" ") }
            for scalar in word.unicodeScalars {
                let v = scalar.value
                if v < 0x80 {
                    out.append(scalar)
                } else if Unaccent.isCombiningMark(v) {
                    continue
                } else if let base = Unaccent.base(of: v) {
                    out.append(Unicode.Scalar(base))
                } else {
                    out.append(scalar)
                }
            }
        }
        return String(out)
    }

    /// Calls `body` with each word, repaired. Words are runs of letters, digits and marks;
    /// `*` and `#` count as words of their own (phone keys are answers).
    private func forEachWord(in text: String, _ body: (String) -> Void) {
        var word: [Unicode.Scalar] = []
        word.reserveCapacity(16)
        func flush() {
            guard !word.isEmpty else { return }
            body(repairWord(word))
            word.removeAll(keepingCapacity: true)
        }
        for scalar in text.nfc.unicodeScalars {
            let v = scalar.value
            if v < 0x80 {
                switch v {
                case 0x41...0x5A: word.append(Unicode.Scalar(v + 32)!)
                case 0x61...0x7A, 0x30...0x39: word.append(scalar)
                case 0x2A, 0x23:  // * #
                    flush()
                    body(String(scalar))
                default: flush()
                }
            } else if Unaccent.isCombiningMark(v) || scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                for lower in scalar.properties.lowercaseMapping.unicodeScalars { word.append(lower) }
            } else {
                flush()
            }
        }
        flush()
    }

    func repairWord(_ raw: [Unicode.Scalar]) -> String {
        let word = shortenStretched(raw)
        let text = String(String.UnicodeScalarView(word))
        if keep.contains(text) { return text }
        if let expansion = teencode[text] { return expansion }
        guard word.allSatisfy(\.isASCII) else { return text }
        if word.allSatisfy({ $0.properties.numericType != nil }) { return text }
        if VietnameseSyllable.isPlain(word) { return text }
        if let repaired = InputMethodRepair.repair(word) { return repaired }
        if let swapped = applySwaps(word) { return swapped }
        return text
    }

    /// Runs of three or more of one letter ("cuuuuu", "emmmm") become two when that spells a
    /// syllable ("cuu", i.e. cứu), otherwise one.
    func shortenStretched(_ word: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var hasRun = false
        var i = 0
        while i + 2 < word.count {
            if word[i] == word[i + 1] && word[i] == word[i + 2] && word[i].properties.numericType == nil {
                hasRun = true
                break
            }
            i += 1
        }
        guard hasRun else { return word }
        func collapse(keeping limit: Int) -> [Unicode.Scalar] {
            var out: [Unicode.Scalar] = []
            var run = 0
            for (i, s) in word.enumerated() {
                run = i > 0 && word[i - 1] == s ? run + 1 : 1
                // Only runs of three or more are shortened; a typed pair ("aa", "dd") is kept.
                let runLength = word[i...].prefix { $0 == s }.count + run - 1
                if runLength >= 3 && run > limit { continue }
                out.append(s)
            }
            return out
        }
        let two = collapse(keeping: 2)
        if VietnameseSyllable.isPlain(two) || teencode[String(String.UnicodeScalarView(two))] != nil { return two }
        return collapse(keeping: 1)
    }

    /// Applies the letter swaps that occur in `word`, one at a time, and returns the first
    /// result that is a well-formed syllable.
    func applySwaps(_ word: [Unicode.Scalar]) -> String? {
        var candidate = word
        for swap in swaps {
            guard let range = candidate.firstRange(of: swap.from) else { continue }
            var next = candidate
            next.replaceSubrange(range, with: swap.to)
            if VietnameseSyllable.isPlain(next) { return String(String.UnicodeScalarView(next)) }
            if let repaired = InputMethodRepair.repair(next) { return repaired }
            candidate = next
        }
        return nil
    }
}

extension VietnameseSyllable {
    /// True when an unaccented ASCII word is already a Vietnamese syllable as written
    /// ("xin", "nguoi", "cuu"): such words are never "repaired".
    static func isPlain(_ word: [Unicode.Scalar]) -> Bool {
        guard !word.isEmpty, word.allSatisfy({ $0.isASCII && $0.properties.isAlphabetic }) else { return false }
        let initial = VietnameseSyllable.initial(of: word)
        if initial == "dd" { return false }
        var rest = word.dropFirst(initial.unicodeScalars.count)
        var nucleus: [Unicode.Scalar] = []
        while let first = rest.first, vowels.contains(first) {
            nucleus.append(first)
            rest = rest.dropFirst()
        }
        if nucleus.isEmpty, initial == "gi" || initial == "qu" { return rest.isEmpty }
        guard (1...3).contains(nucleus.count) else { return false }
        let final = String(String.UnicodeScalarView(rest))
        for i in 1..<max(1, nucleus.count) where nucleus[i] == nucleus[i - 1] {
            // Unaccented, only ưu doubles a vowel ("cuu" = cứu); "oo" is Telex for ô far more
            // often than the loanword "xoong".
            if nucleus[i] != "u" { return false }
        }
        return finals.contains(final)
    }
}
