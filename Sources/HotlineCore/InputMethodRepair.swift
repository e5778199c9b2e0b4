/// Repairs words typed with a Vietnamese input method that did not convert: Telex residue
/// ("xaam haji", "ddanhs") and VNI digits ("xa6m ha5i"). A word is only changed when the
/// repair yields a well-formed Vietnamese syllable and used at least one input-method key,
/// so ordinary unaccented words and most English words pass through untouched.
enum InputMethodRepair {
    // Switches rather than dictionaries: these run on every letter of a candidate word,
    // and hashing a scalar costs more than the comparisons.
    static func telexTone(_ key: Unicode.Scalar) -> VietnameseSyllable.Tone? {
        switch key {
        case "s": .acute
        case "f": .grave
        case "r": .hook
        case "x": .tilde
        case "j": .dot
        case "z": .level
        default: nil
        }
    }

    static func vniTone(_ key: Unicode.Scalar) -> VietnameseSyllable.Tone? {
        switch key {
        case "1": .acute
        case "2": .grave
        case "3": .hook
        case "4": .tilde
        case "5": .dot
        default: nil
        }
    }

    /// `numericType != nil`, answered without the Unicode tables for ASCII.
    @inline(__always)
    /// A-Z or a-z, without a Unicode property lookup (which costs more than the whole repair).
    static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        (0x41...0x5A).contains(scalar.value) || (0x61...0x7A).contains(scalar.value)
    }

    static func isNumeric(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? (0x30...0x39).contains(scalar.value) : scalar.properties.numericType != nil
    }

    /// The initial consonant `word` starts with, found by the byte matcher.
    static func initialString(of word: some Sequence<Unicode.Scalar>) -> String {
        // At most three bytes: a temporary buffer, not an array on the heap.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 3) { buffer in
            var count = 0
            for scalar in word.prefix(3) {
                buffer[count] = UInt8(truncatingIfNeeded: scalar.value)
                count += 1
            }
            let length = VietnameseSyllable.initialLength(UnsafeBufferPointer(rebasing: buffer[0..<count]))
            return String(decoding: buffer[0..<length], as: UTF8.self)
        }
    }

    /// The repaired word, or nil when `word` (lower-case ASCII letters and digits) is not input-method residue.
    static func repair(_ word: UnsafeBufferPointer<Unicode.Scalar>) -> VietnameseSyllable? {
        guard word.count >= 2, word.count <= 12 else { return nil }
        if word.contains(where: isNumeric) {
            return vni(word)
        }
        return telex(word)
    }

    static func telex(_ word: UnsafeBufferPointer<Unicode.Scalar>) -> VietnameseSyllable? {
        guard mayUseTelexKey(word) else { return nil }
        let initial = initialString(of: word)
        var start = initial.unicodeScalars.count
        var initialOut = initial
        // "gi" and "qu" lend their vowel to the nucleus when nothing else follows.
        if (initial == "gi" || initial == "qu"), !word[start...].contains(where: VietnameseSyllable.isVowel) {
            initialOut = String(initial.prefix(1))
            start -= 1
        }
        let rest = word[start...]
        var nucleus = Nucleus()
        var final = ""
        var tone = VietnameseSyllable.Tone.level
        var usedKey = initial == "dd"
        for scalar in rest {
            if let key = telexTone(scalar), !nucleus.isEmpty {
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
            } else if VietnameseSyllable.isVowel(scalar) {
                guard final.isEmpty else { return nil }
                if let last = nucleus.last, last.base == scalar, last.mark == .none, "aeo".unicodeScalars.contains(scalar) {
                    nucleus[nucleus.count - 1].mark = .circumflex  // aa → â
                    usedKey = true
                } else {
                    nucleus.append(.init(base: scalar, mark: .none))
                }
            } else if Self.isASCIILetter(scalar) {
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

    /// False when `telex` cannot find a key used in `word`: it holds no tone key and no w,
    /// doubles no a, e or o, and does not start with dd (a key between doubled vowels is a
    /// key too). Most English words are turned away here, before the strings of a syllable
    /// are built.
    @inline(__always)
    static func mayUseTelexKey(_ word: UnsafeBufferPointer<Unicode.Scalar>) -> Bool {
        var previous: UInt32 = 0
        for scalar in word {
            switch scalar {
            case "s", "f", "r", "x", "j", "z", "w": return true
            case "a", "e", "o": if scalar.value == previous { return true }
            case "d": if previous == 0x64, word.count >= 2, word[0] == "d", word[1] == "d" { return true }
            default: break
            }
            previous = scalar.value
        }
        return false
    }

    static func vni(_ word: UnsafeBufferPointer<Unicode.Scalar>) -> VietnameseSyllable? {
        let letters = word.lazy.filter { !isNumeric($0) }
        guard !letters.isEmpty, letters.allSatisfy(isASCIILetter) else { return nil }
        let initial = initialString(of: letters)
        var initialOut = initial
        var nucleus = Nucleus()
        var final = ""
        var tone = VietnameseSyllable.Tone.level
        var seen = 0
        for scalar in word {
            if isNumeric(scalar) {
                let digit = scalar
                switch digit {
                case "1", "2", "3", "4", "5": tone = vniTone(digit)!
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
            if VietnameseSyllable.isVowel(scalar) {
                guard final.isEmpty else { return nil }
                nucleus.append(.init(base: scalar, mark: .none))
            } else {
                guard !nucleus.isEmpty else { return nil }
                final.unicodeScalars.append(scalar)
            }
        }
        if (initial == "gi" || initial == "qu") && nucleus.isEmpty {
            initialOut = String(initial.prefix(1))
            nucleus = Nucleus(.init(base: initial.unicodeScalars.last!, mark: .none))
        }
        let syllable = VietnameseSyllable(initial: initialOut, nucleus: nucleus, final: final, tone: tone)
        return syllable.isWellFormed ? syllable : nil
    }
}
