import Testing

@testable import HotlineCore

@Suite("Unaccented Vietnamese")
struct UnaccentTests {
    @Test(
        "every Vietnamese vowel with every mark loses it, and đ becomes d",
        arguments: [
            ("àáảãạăằắẳẵặâầấẩẫậ", "aaaaaaaaaaaaaaaaa"),
            ("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ", "AAAAAAAAAAAAAAAAA"),
            ("èéẻẽẹêềếểễệ", "eeeeeeeeeee"), ("ÈÉẺẼẸÊỀẾỂỄỆ", "EEEEEEEEEEE"),
            ("ìíỉĩị", "iiiii"), ("ÌÍỈĨỊ", "IIIII"),
            ("òóỏõọôồốổỗộơờớởỡợ", "ooooooooooooooooo"), ("ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ", "OOOOOOOOOOOOOOOOO"),
            ("ùúủũụưừứửữự", "uuuuuuuuuuu"), ("ÙÚỦŨỤƯỪỨỬỮỰ", "UUUUUUUUUUU"),
            ("ỳýỷỹỵ", "yyyyy"), ("ỲÝỶỸỴ", "YYYYY"),
            ("đĐ", "dD"),
            ("Đường dây nóng bảo vệ trẻ em", "Duong day nong bao ve tre em"),
            ("Quảng Ninh 18001769", "Quang Ninh 18001769"),
            ("co nguoi xam hai em", "co nguoi xam hai em"),
            ("To\u{0302}i bi\u{0323} đa\u{0301}nh", "Toi bi danh"),  // decomposed input
            ("em sợ 😢", "em so 😢"),  // what is not a letter stays
        ])
    func unaccents(_ pair: (String, String)) {
        #expect(pair.0.unaccented == pair.1)
    }

    @Test("unaccented Vietnamese fits GSM-7")
    func unaccentedIsGSM() {
        let text = "Cảm ơn bạn. Cán bộ bảo vệ trẻ em sẽ xử lý. Cần giúp ngay, gọi 111 miễn phí 24/7."
        #expect(SMSText.analyze(text).encoding == .ucs2)
        #expect(SMSText.analyze(text.unaccented).encoding == .gsm7)
    }

    @Test("gsm7Safe replaces what GSM-7 cannot carry")
    func gsm7Safe() {
        #expect("“Chào” – em…".gsm7Safe == "\"Chao\" - em...")
        #expect(SMSText.analyze("em sợ 😢 人".gsm7Safe).encoding == .gsm7)
    }

    @Test("folding makes typed answers comparable")
    func folding() {
        #expect("  Hạ   Long!! ".folded == "ha long")
        #expect("MENU".folded == "menu")
        #expect("1.".folded == "1")
        #expect("*#".folded == "*#")
    }
}
