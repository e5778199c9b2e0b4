/// The parts of one written Vietnamese syllable, used to rebuild a word typed with a broken
/// input method ("xaam" → "xâm", "ha5i" → "hại") and to check that a repair made a real syllable.
struct VietnameseSyllable: Equatable {
    enum Tone: UInt32 {
        case level = 0
        case acute = 0x0301  // sắc
        case grave = 0x0300  // huyền
        case hook = 0x0309  // hỏi
        case tilde = 0x0303  // ngã
        case dot = 0x0323  // nặng
    }

    enum Mark: UInt32 {
        case none = 0
        case circumflex = 0x0302  // â ê ô
        case breve = 0x0306  // ă
        case horn = 0x031B  // ơ ư
    }

    struct Vowel: Equatable {
        var base: Unicode.Scalar
        var mark: Mark
    }

    var initial: String
    var nucleus: Nucleus
    var final: String
    var tone: Tone

    static func isVowel(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a", "e", "i", "o", "u", "y": true
        default: false
        }
    }

    /// True when nucleus and final make a syllable Vietnamese can write.
    var isWellFormed: Bool {
        guard !nucleus.isEmpty, !nucleus.overflowed else { return false }
        switch final {
        case "", "c", "ch", "m", "n", "ng", "nh", "p", "t": return true
        default: return false
        }
    }

    /// The syllable in NFC, tone placed as modern Vietnamese spelling places it.
    var text: String {
        var scalars = String.UnicodeScalarView()
        for s in (initial == "dd" ? "đ" : initial).unicodeScalars { scalars.append(s) }
        let toneAt = tonePosition
        for (i, vowel) in nucleus.enumerated() {
            scalars.append(vowel.base)
            if vowel.mark != .none { scalars.append(Unicode.Scalar(vowel.mark.rawValue)!) }
            if i == toneAt, tone != .level { scalars.append(Unicode.Scalar(tone.rawValue)!) }
        }
        for s in final.unicodeScalars { scalars.append(s) }
        return String(scalars).nfc
    }

    /// Where the tone mark goes: on a marked vowel (ơ of ươ, else the last marked), else on
    /// the second vowel of a pair followed by a final or of oa/oe/uy, else on the first of a
    /// pair, the middle of three.
    var tonePosition: Int {
        if let horned = nucleus.lastIndex(where: { $0.mark != .none }) {
            if nucleus.count >= 2, nucleus[nucleus.count - 1].base == "o", nucleus[nucleus.count - 1].mark == .horn {
                return nucleus.count - 1
            }
            return horned
        }
        switch nucleus.count {
        case 1: return 0
        case 2:
            let (first, second) = (nucleus[0].base, nucleus[1].base)
            let tight = (first == "o" && (second == "a" || second == "e")) || (first == "u" && second == "y")  // oa, oe, uy
            return !final.isEmpty || tight ? 1 : 0
        default: return 1
        }
    }
}
