/// Repairs words typed with a Vietnamese input method that did not convert: Telex residue
/// ("xaam haji", "ddanhs") and VNI digits ("xa6m ha5i"). A word is only changed when the
/// repair yields a well-formed Vietnamese syllable and used at least one input-method key,
/// so ordinary unaccented words and most English words pass through untouched.
enum InputMethodRepair {
    static let telexTones: [Unicode.Scalar: VietnameseSyllable.Tone] = [
        "s": .acute, "f": .grave, "r": .hook, "x": .tilde, "j": .dot, "z": .level,
    ]
    static let vniTones: [Unicode.Scalar: VietnameseSyllable.Tone] = [
        "1": .acute, "2": .grave, "3": .hook, "4": .tilde, "5": .dot,
    ]

    /// The initial consonant `word` starts with, found by the byte matcher.
    static func initialString(of word: [Unicode.Scalar]) -> String {
        let bytes = word.prefix(3).map { UInt8(truncatingIfNeeded: $0.value) }
        let length = bytes.withUnsafeBufferPointer { VietnameseSyllable.initialLength($0) }
        return String(decoding: bytes.prefix(length), as: UTF8.self)
    }

    /// The repaired word, or nil when `word` (lower-case ASCII letters and digits) is not input-method residue.
    static func repair(_ word: [Unicode.Scalar]) -> VietnameseSyllable? {
        guard word.count >= 2, word.count <= 12 else { return nil }
        if word.contains(where: { $0.properties.numericType != nil }) {
            return vni(word)
        }
        return telex(word)
    }

    static func telex(_ word: [Unicode.Scalar]) -> VietnameseSyllable? {
        let initial = initialString(of: word)
        var rest = Array(word.dropFirst(initial.unicodeScalars.count))
        var initialOut = initial
        // "gi" and "qu" lend their vowel to the nucleus when nothing else follows.
        if (initial == "gi" || initial == "qu"), !rest.contains(where: { VietnameseSyllable.vowels.contains($0) }) {
            initialOut = String(initial.prefix(1))
            rest.insert(initial.unicodeScalars.last!, at: 0)
        }
        var nucleus: [VietnameseSyllable.Vowel] = []
        var final = ""
        var tone = VietnameseSyllable.Tone.level
        var usedKey = initial == "dd"
        for scalar in rest {
            if let key = telexTones[scalar], !nucleus.isEmpty {
                tone = key
                usedKey = true
            } else if scalar == "w" {
                usedKey = true
                if let last = nucleus.indices.last, final.isEmpty {
                    switch nucleus[last].base {
                    case "a": nucleus[last].mark = .breve
                    case "o":
                        nucleus[last].mark = .horn
                        if last > 0, nucleus[last - 1].base == "u" { nucleus[last - 1].mark = .horn }  // uow → ươ
                    case "u": nucleus[last].mark = .horn
                    default: return nil
                    }
                } else if nucleus.isEmpty {
                    nucleus.append(.init(base: "u", mark: .horn))  // a lone w is ư
                } else {
                    return nil
                }
            } else if VietnameseSyllable.vowels.contains(scalar) {
                guard final.isEmpty else { return nil }
                if let last = nucleus.last, last.base == scalar, last.mark == .none, "aeo".unicodeScalars.contains(scalar) {
                    nucleus[nucleus.count - 1].mark = .circumflex  // aa → â
                    usedKey = true
                } else {
                    nucleus.append(.init(base: scalar, mark: .none))
                }
            } else if scalar.isASCII, scalar.properties.isAlphabetic {
                guard !nucleus.isEmpty else { return nil }
                final.unicodeScalars.append(scalar)
            } else {
                return nil
            }
        }
        let syllable = VietnameseSyllable(initial: initialOut, nucleus: nucleus, final: final, tone: tone)
        guard usedKey, syllable.isWellFormed else { return nil }
        return syllable
    }

    static func vni(_ word: [Unicode.Scalar]) -> VietnameseSyllable? {
        let letters = word.filter { $0.properties.numericType == nil }
        guard !letters.isEmpty, letters.allSatisfy({ $0.isASCII && $0.properties.isAlphabetic }) else { return nil }
        let initial = initialString(of: letters)
        var initialOut = initial
        var nucleus: [VietnameseSyllable.Vowel] = []
        var final = ""
        var tone = VietnameseSyllable.Tone.level
        var seen = 0
        for scalar in word {
            if let digit = scalar.properties.numericType.map({ _ in scalar }) {
                switch digit {
                case "1", "2", "3", "4", "5": tone = vniTones[digit]!
                case "6":
                    guard let i = nucleus.lastIndex(where: { "aeo".unicodeScalars.contains($0.base) }) else { return nil }
                    nucleus[i].mark = .circumflex
                case "7":
                    guard let i = nucleus.lastIndex(where: { "ou".unicodeScalars.contains($0.base) }) else { return nil }
                    nucleus[i].mark = .horn
                    if i > 0, nucleus[i].base == "o", nucleus[i - 1].base == "u" { nucleus[i - 1].mark = .horn }
                case "8":
                    guard let i = nucleus.lastIndex(where: { $0.base == "a" }) else { return nil }
                    nucleus[i].mark = .breve
                case "9":
                    guard initialOut == "d" else { return nil }
                    initialOut = "đ"
                default: return nil
                }
                continue
            }
            seen += 1
            if seen <= initial.unicodeScalars.count { continue }
            if VietnameseSyllable.vowels.contains(scalar) {
                guard final.isEmpty else { return nil }
                nucleus.append(.init(base: scalar, mark: .none))
            } else {
                guard !nucleus.isEmpty else { return nil }
                final.unicodeScalars.append(scalar)
            }
        }
        if (initial == "gi" || initial == "qu") && nucleus.isEmpty {
            initialOut = String(initial.prefix(1))
            nucleus = [.init(base: initial.unicodeScalars.last!, mark: .none)]
        }
        let syllable = VietnameseSyllable(initial: initialOut, nucleus: nucleus, final: final, tone: tone)
        return syllable.isWellFormed ? syllable : nil
    }
}
