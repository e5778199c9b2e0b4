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

    @Test("a deployment extends the rules without losing the standard ones")
    func extend() {
        let extra = TextRules(teencode: ["cứu vs": "cứu với", "bđ": "bạo lực"], keep: ["vtv"])
        let extended = InputNormalizer(rules: .standard.extended(with: extra))
        #expect(extended.repaired("bđ ko") == "bạo lực không")
        #expect(extended.repaired("vtv") == "vtv")
    }
}
