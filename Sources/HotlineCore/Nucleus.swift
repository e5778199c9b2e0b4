/// The vowels of one syllable, held inline: a Vietnamese syllable has at most three, so
/// repairing a Telex or VNI word needs no array on the heap. A fourth vowel is not stored;
/// it marks the nucleus as one no syllable can have.
struct Nucleus: RandomAccessCollection, MutableCollection, Equatable {
    typealias Vowel = VietnameseSyllable.Vowel
    private static let empty = Vowel(base: "a", mark: .none)

    private var slots: (Vowel, Vowel, Vowel) = (empty, empty, empty)
    private(set) var stored = 0
    /// True once more vowels were appended than a syllable holds.
    private(set) var overflowed = false

    init() {}

    init(_ vowel: Vowel) {
        append(vowel)
    }

    var startIndex: Int { 0 }
    var endIndex: Int { stored }

    subscript(position: Int) -> Vowel {
        get {
            switch position {
            case 0: slots.0
            case 1: slots.1
            default: slots.2
            }
        }
        set {
            switch position {
            case 0: slots.0 = newValue
            case 1: slots.1 = newValue
            default: slots.2 = newValue
            }
        }
    }

    mutating func append(_ vowel: Vowel) {
        guard stored < 3 else {
            overflowed = true
            return
        }
        stored += 1
        self[stored - 1] = vowel
    }

    static func == (a: Nucleus, b: Nucleus) -> Bool {
        a.overflowed == b.overflowed && a.elementsEqual(b)
    }
}
