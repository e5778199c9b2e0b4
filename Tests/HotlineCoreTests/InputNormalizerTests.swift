import Testing

@testable import HotlineCore

@Suite("Reading what people type")
struct InputNormalizerTests {
    let normalizer = InputNormalizer()

    @Test(
        "Telex residue is read as the words meant",
        arguments: [
            ("xaam haji", "xâm hại"), ("ddanhs", "đánh"), ("bij ddanhs", "bị đánh"), ("tooi sowj", "tôi sợ"),
            ("nguowif", "người"), ("cuwus em", "cứu em"), ("meej", "mệ"), ("ddi", "đi"), ("bos mej", "bó mẹ"),
            ("boos mej ddanhs em", "bố mẹ đánh em"), ("giups", "giúp"), ("hoaf", "hoà"),
        ])
    func telex(_ pair: (String, String)) {
        #expect(normalizer.repaired(pair.0) == pair.1)
    }

    @Test(
        "VNI digits are read as the words meant",
        arguments: [
            ("xa6m ha5i", "xâm hại"), ("d9a1nh", "đánh"), ("bi5 d9a1nh", "bị đánh"), ("to6i so75", "tôi sợ"),
            ("ngu7o72i", "người"), ("cu71u", "cứu"),
        ])
    func vni(_ pair: (String, String)) {
        #expect(normalizer.repaired(pair.0) == pair.1)
    }

    @Test(
        "teencode and letter swaps are expanded",
        arguments: [
            ("ko bit j", "không biết gì"), ("k dc", "không được"), ("khum", "không"), ("mk bi danh", "mình bi danh"),
            ("cx z", "cũng vậy"), ("xjn pkep", "xin phep"), ("zui", "vui"), ("fai", "phai"), ("ckj oi", "chị ơi"),
            ("bme e", "bố mẹ em"), ("đc ak", "được ạ"), ("hk sao", "không sao"),
        ])
    func teencode(_ pair: (String, String)) {
        #expect(normalizer.repaired(pair.0) == pair.1)
    }

    @Test(
        "stretched letters are shortened to the word",
        arguments: [("cuuuuu", "cuu"), ("cứuuuuu", "cứu"), ("emmmm", "em"), ("giupppp", "giup"), ("oiiiii", "ơi"), ("aaaaa", "a")])
    func stretched(_ pair: (String, String)) {
        #expect(normalizer.repaired(pair.0) == pair.1)
    }

    @Test(
        "words already right are left alone",
        arguments: [
            "toi bi danh", "co nguoi xam hai em", "report", "help", "stop", "sos", "zalo", "facebook", "xin chao", "nguoi", "0912345678",
            "111", "ha long", "cam pha", "uong bi", "hello", "please", "school", "ok",
        ])
    func untouched(_ text: String) {
        #expect(normalizer.repaired(text) == text)
    }

    @Test(
        "match keys fold case, marks, punctuation and spacing",
        arguments: [
            ("Bố  đánh   em!!!", "bo danh em"), ("BỐ ĐÁNH EM", "bo danh em"), ("bo danh em", "bo danh em"),
            ("boos ddanhs em", "bo danh em"), ("bo61 d9a1nh em", "bo danh em"), ("  Không.  ", "khong"), ("ko", "khong"),
            ("Khum", "khong"), ("1.", "1"), ("*#", "* #"), ("To\u{0302}i", "toi"), ("em sợ 😢", "em so"),
        ])
    func matchKeys(_ pair: (String, String)) {
        #expect(normalizer.matchKey(pair.0) == pair.1)
    }

    @Test(
        "words typed without spaces are read as their syllables, the likelier split first",
        arguments: [
            ("bốđangđánhmẹ", "bo dang danh me"), ("bốđangđánhem", "bo dang danh em"), ("emđangbịnhốt", "em dang bi nhot"),
            ("emmuonchet", "em muon chet"), ("bomedanhem", "bo me danh em"), ("Cứu em với, bốđánhem", "cuu em voi bo danh em"),
        ])
    func gluedWords(_ pair: (String, String)) {
        #expect(normalizer.matchKey(pair.0) == pair.1)
    }

    @Test(
        "English words and names are not split into syllables or repaired as Telex",
        arguments: [
            ("because", "because"), ("banana", "banana"), ("nothing", "nothing"), ("washington", "washington"),
            ("kitchen", "kitchen"), ("he took pills", "he took pills"), ("she is lost", "she is lost"),
        ])
    func englishKeptAsTyped(_ pair: (String, String)) {
        #expect(normalizer.matchKey(pair.0) == pair.1)
    }

    /// Plain ASCII words are read in one go where they lie; a word that ends at a non-ASCII
    /// byte takes the general byte loop. Ending every word with "…" sends all of them that
    /// way, so the two readers must agree word for word.
    @Test("ASCII words read in one go give the same keys as the general reader")
    func asciiFastPathAgrees() {
        var generator = SystemRandomNumberGenerator()
        let pieces = [
            "ko", "bit", "j", "Xaam", "haji", "giupppp", "EM", "cuuuuu", "bo61", "d9a1nh", "123", "*", "#", "ckj", "ns", "vs",
            "nguoi", "NHA", "dd", "oo", "a", "Hoanh", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "abcdefghijklmnopq", "x1y2", "ơi", "cứu", "", "!",
        ]
        for _ in 0..<2_000 {
            let words = (0..<Int.random(in: 1...12, using: &generator)).map { _ in
                pieces.randomElement(using: &generator)!
            }
            let separators = [" ", ",", "  ", ". "]
            var text = ""
            for word in words { text += word + separators.randomElement(using: &generator)! }
            let general = text.replacing(" ", with: "…").replacing(",", with: "…") + "…"
            #expect(normalizer.matchKey(text) == normalizer.matchKey(general), "\(text)")
            #expect(normalizer.repaired(text) == normalizer.repaired(general), "\(text)")
            #expect(normalizer.matchKey(text) == normalizer.matchKey(text + String(repeating: " ", count: 20)), "\(text)")
        }
    }

    @Test("a deployment extends the rules without losing the standard ones")
    func extend() {
        let extra = TextRules(teencode: ["cứu vs": "cứu với", "bđ": "bạo lực"], keep: ["vtv"])
        let extended = InputNormalizer(rules: .standard.extended(with: extra))
        #expect(extended.repaired("bđ ko") == "bạo lực không")
        #expect(extended.repaired("vtv") == "vtv")
    }
}
