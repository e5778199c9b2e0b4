import Foundation
import HotlineCore
import HotlineServer
import Testing

/// Every path of the bundled flows as a table of inputs and the screens they lead to, run in
/// both languages and on both channels (USSD screens rendered for the at-ussd gateway, SMS
/// as sent), through the same engine and renderers the service uses.
@Suite("The bundled flows, path by path")
struct FlowPathTableTests {
    static let config = try! bundledConfig.get()

    struct Path: Sendable, CustomTestStringConvertible {
        var name: String
        /// Answers after the language is chosen (the main menu is on screen).
        var inputs: [String]
        /// The start of each screen after each input, per language; nil skips a check.
        var vi: [String?]
        var en: [String?]
        var ends: Bool
        var check: @Sendable (Simulator) -> Bool
        var testDescription: String { name }
    }

    static let paths: [Path] = [
        Path(
            name: "report, child in danger, all answered", inputs: ["1", "2", "1", "1", "Ha Long", "7", "2", "3", "bo em danh"],
            vi: [
                "Ban bao tin cho ai?", "Chuyen gi xay ra?", "Bay gio co tre", "Chuyen xay ra o dau?", "Tre bao nhieu tuoi?",
                "Can bo co the lien lac", "Luc nao lien lac", "Ke ngan gon", "Cam on ban. Ma so: QN-",
            ],
            en: [
                "Who is this report about?", "What is happening?", "Is a child in danger", "Where is this happening?",
                "How old is the child?", "Is it safe for us", "When is it safe", "Tell us briefly", "Thank you. Your reference: QN-",
            ], ends: true,
            check: { $0.report?.priority == .p1 && $0.answers["contact"] == "call" && $0.answers["contact_time"] == "evening" }),
        Path(
            name: "report, skipping what is not known", inputs: ["1", "1", "4", "2", "Van Don", "#", "3", "#"],
            vi: [nil, nil, nil, nil, "Tre bao nhieu tuoi?", "Can bo co the", "Ke ngan gon", "Cam on ban."],
            en: [nil, nil, nil, nil, "How old is the child?", "Is it safe for us", "Tell us briefly", "Thank you."], ends: true,
            check: { $0.answers["age"] == "unknown" && $0.answers["area"] == "Vân Đồn" && $0.report?.status == .submitted }),
        Path(
            name: "report, wrong answers move forward", inputs: ["1", "x", "y", "9", "9"],
            vi: ["Ban bao tin cho ai?", "Chua dung, hay bam", "Chuyen gi xay ra?", "Chua dung", "Bay gio co tre"],
            en: ["Who is this report about?", "Not an option.", "What is happening?", "Not an option.", "Is a child in danger"],
            ends: false, check: { $0.answers["for_whom"] == "unknown" && $0.answers["category"] == "other" }),
        Path(
            name: "report, back and main menu", inputs: ["1", "1", "0", "0", "1", "00"],
            vi: ["Ban bao tin cho ai?", "Chuyen gi xay ra?", "Ban bao tin cho ai?", "Duong day bao ve", "Ban bao tin", "Duong day bao ve"],
            en: ["Who is this", "What is happening?", "Who is this", "Child protection line", "Who is this", "Child protection line"],
            ends: false, check: { $0.report != nil }),
        Path(
            name: "report, cancelled", inputs: ["1", "2", "HUY"], vi: [nil, nil, "Da dung."], en: [nil, nil, "Stopped."], ends: true,
            check: { $0.report?.status == .incomplete }),
        Path(
            name: "report, urgent words in the description", inputs: ["1", "1", "3", "2", "Ha Long", "12", "3", "cuu em, bo dang danh em"],
            vi: [nil, nil, nil, nil, nil, nil, "Ke ngan gon", "Goi ngay 111"],
            en: [nil, nil, nil, nil, nil, nil, "Tell us briefly", "Call 111"],
            ends: false, check: { $0.report?.priority == .p1 && $0.answers["category"] == "bullying" }),
        Path(
            name: "help now", inputs: ["3", "Cam Pha", "4"], vi: ["Goi ngay 111", "Chuyen gi dang xay ra?", "Da bao can bo 111."],
            en: ["Call 111 free now", "What is happening?", "111 staff have been told."], ends: true,
            check: { $0.report?.priority == .p1 && $0.answers["category"] == "self_harm" }),
        Path(
            name: "advice with a callback", inputs: ["2", "4", "1", "1", "1", "1"],
            vi: [
                "Ban muon hoi ve dieu gi?", "Co the thay doi", "Em co the hoi", "Em co muon noi chuyen", "Goi lai so nay",
                "Tu van vien se goi lai",
            ],
            en: [
                "What would you like advice on?", "Your body changing", "You can ask", "Would you like to talk", "Is it safe to call",
                "A counsellor will call",
            ],
            ends: true, check: { $0.answers["callback"] == "requested" && $0.report?.priority == .p3 }),
        Path(
            name: "advice without a safe callback", inputs: ["2", "6", "1", "1", "1", "2"],
            vi: [nil, "Moi tre em duoi 16", "Khong ai duoc danh", nil, nil, "Goi mien phi 18001769"],
            en: [nil, "Every child under 16", "Nobody may beat you", nil, nil, "Call 18001769"], ends: true, check: { $0.report == nil }),
        Path(
            name: "hotline numbers", inputs: ["4"], vi: ["Tong dai 111: bao ve tre em"], en: ["111: child protection"], ends: true,
            check: { $0.report == nil }),
        Path(
            name: "help screen after two wrong answers at the main menu", inputs: ["7", "8", "1"],
            vi: ["Chua dung", "Ban co the goi 111", "Duong day bao ve"],
            en: ["Not an option", "You can call 111", "Child protection line"],
            ends: false, check: { $0.report == nil }),
        Path(
            name: "a disclosure written at the main menu opens a P2 case, says it was received, and goes on to the report",
            inputs: ["em bi bo danh", "1", "1"],
            vi: [
                "Da nhan tin cua ban, ma so QN-", "Chuyen gi xay ra?", "Bay gio co tre",
            ],
            en: ["We have your message, reference QN-", "What is happening?", "Is a child in danger"], ends: false,
            check: {
                $0.report?.priority == .p2 && $0.answers["description"] == "em bi bo danh" && $0.answers["for_whom"] == "self"
            }),
        Path(
            name: "a sentence typed at a menu is kept in the description and the menu asked again; a later thanks does not replace it",
            inputs: ["1", "1", "1", "2", "Ha Long", "12", "1", "bo em say ruou la danh em va me", "3", "cam on"],
            vi: [
                nil, nil, nil, nil, nil, "Can bo co the lien lac", "Luc nao lien lac",
                "Da ghi lai loi ban. Bam so de tiep:\nLuc nao lien lac", "Ke ngan gon", "Cam on ban. Ma so",
            ],
            en: [
                nil, nil, nil, nil, nil, "Is it safe for us", "When is it safe",
                "We noted what you wrote. Press a number:\nWhen is it safe",
                "Tell us briefly", "Thank you.",
            ], ends: true,
            check: {
                $0.report?.priority == .p2 && $0.answers["contact_time"] == "evening"
                    && $0.answers["description"] == "bo em say ruou la danh em va me\ncam on"
            }),
        Path(
            name: "answers that name an option's meaning choose it",
            inputs: ["1", "cho em", "bi danh", "khong a", "Ha Long", "chau 12 tuoi", "co, nhan tin", "tối nay", "#"],
            vi: [
                "Ban bao tin cho ai?", "Chuyen gi xay ra?", "Bay gio co tre", "Chuyen xay ra o dau?", "Tre bao nhieu tuoi?",
                "Can bo co the", "Luc nao lien lac", "Ke ngan gon", "Cam on ban.",
            ],
            en: [
                "Who is this report about?", "What is happening?", "Is a child in danger", "Where is this happening?",
                "How old is the child?", "Is it safe for us", "When is it safe", "Tell us briefly", "Thank you.",
            ], ends: true,
            check: {
                $0.answers["for_whom"] == "self" && $0.answers["category"] == "physical" && $0.answers["danger_now"] == "no"
                    && $0.answers["age"] == "12" && $0.answers["contact"] == "sms" && $0.answers["contact_time"] == "evening"
                    && $0.answers["description"] == "unknown"
            }),
        Path(
            name: "yes and no in other words: uh is yes, ko is no contact", inputs: ["1", "2", "1", "uh", "Ha Long", "#", "ko", "#"],
            vi: [nil, nil, nil, "Chuyen xay ra o dau?", nil, "Can bo co the", "Ke ngan gon", "Cam on ban."],
            en: [nil, nil, nil, "Where is this happening?", nil, "Is it safe for us", "Tell us briefly", "Thank you."], ends: true,
            check: { $0.answers["danger_now"] == "yes" && $0.report?.priority == .p1 && $0.answers["contact"] == "none" }),
        Path(
            name: "an answer naming two options chooses neither and is kept; a word every option has stays a wrong answer",
            inputs: ["1", "1", "1", "2", "Ha Long", "12", "1", "sang hoac chieu", "buoi", "2", "#"],
            vi: [
                nil, nil, nil, nil, nil, nil, "Luc nao lien lac", "Da ghi lai loi ban.", "Chua dung, hay bam", "Ke ngan gon",
                "Cam on ban.",
            ],
            en: [
                nil, nil, nil, nil, nil, nil, "When is it safe", "We noted what you wrote.", "Not an option.", "Tell us briefly",
                "Thank you.",
            ],
            ends: true,
            check: { $0.answers["contact_time"] == "afternoon" && $0.answers["description"] == "sang hoac chieu" }),
        Path(
            name: "a routine sentence at the main menu is heard, never called a wrong answer, and opens no case",
            inputs: ["xin chao cac anh chi", "2"],
            vi: ["Cam on ban da viet. Bam so de chon:\nDuong day bao ve", "Ban muon hoi ve dieu gi?"],
            en: ["Thank you for writing. Press a number:\nChild protection line", "What would you like advice on?"], ends: false,
            check: { $0.report == nil }),
    ]

    static let runs: [(Path, String, Simulator.Channel)] = paths.flatMap { path in
        ["vi", "en"].flatMap { language in Simulator.Channel.allCases.map { (path, language, $0) } }
    }

    @Test("each path, in each language, on each channel", arguments: runs)
    func path(_ run: (Path, String, Simulator.Channel)) {
        let (path, language, channel) = run
        var simulator = Simulator(config: Self.config, channel: channel)
        var screen = channel == .ussd ? simulator.start() : simulator.send("alo")
        if language == "en" {
            _ = simulator.send("5")
            screen = simulator.send("2")
        }
        #expect(screen.text.hasPrefix(language == "vi" ? "Duong day bao ve tre em" : "Child protection line"))
        let expected = language == "vi" ? path.vi : path.en
        for (i, input) in path.inputs.enumerated() {
            screen = simulator.send(input)
            if channel == .ussd { #expect(screen.length <= screen.limit!, "screen over the USSD limit after \(input)") }
            if let prefix = expected[i] {
                #expect(screen.text.hasPrefix(prefix), "after '\(input)': \(screen.text)")
            }
            // Someone who writes a sentence is never told it is not an option.
            if input.contains(" ") { #expect(!screen.text.hasPrefix(language == "vi" ? "Chua dung" : "Not an option"), "\(input)") }
        }
        #expect(screen.continues == !path.ends)
        #expect(path.check(simulator), "\(simulator.answers) \(String(describing: simulator.report))")
    }

    /// The first thing a person writes: by SMS it is the first message (no screen seen yet),
    /// by USSD the first answer after dialling.
    struct First: Sendable, CustomTestStringConvertible {
        var text: String
        var sms: String
        var ussd: String
        var check: @Sendable (Simulator) -> Bool
        var testDescription: String { text }
    }

    static let menu = "Duong day bao ve tre em. Ban can gi?\n1. Bao tin"

    static let firsts: [First] = [
        First(
            text: "em bi bo danh", sms: "Da nhan tin cua ban, ma so QN-", ussd: "Da nhan tin cua ban, ma so QN-",
            check: { $0.report?.priority == .p2 && $0.report?.status == .open && $0.answers["description"] == "em bi bo danh" }),
        First(text: "chao ban", sms: menu, ussd: "Cam on ban da viet. Bam so de chon:\n" + menu, check: { $0.report == nil }),
        First(text: "chao", sms: menu, ussd: "Chua dung, hay bam mot so ben duoi.\n" + menu, check: { $0.report == nil }),
        First(
            text: "cuu em bo dang danh em", sms: "Goi ngay 111 mien phi", ussd: "Goi ngay 111 mien phi",
            check: { $0.report?.priority == .p1 && $0.answers["description"] == "cuu em bo dang danh em" }),
        First(text: "1", sms: "Ban bao tin cho ai?", ussd: "Ban bao tin cho ai?", check: { $0.report != nil }),
    ]

    static let firstRuns: [(First, Simulator.Channel)] = firsts.flatMap { first in Simulator.Channel.allCases.map { (first, $0) } }

    @Test("the first thing written: a disclosure is received and goes on to the report, a greeting gets the menu", arguments: firstRuns)
    func first(_ run: (First, Simulator.Channel)) {
        let (first, channel) = run
        var simulator = Simulator(config: Self.config, channel: channel)
        if channel == .ussd { _ = simulator.start() }
        let screen = simulator.send(first.text)
        #expect(screen.text.hasPrefix(channel == .sms ? first.sms : first.ussd), "\(screen.text)")
        if channel == .ussd { #expect(screen.length <= screen.limit!) }
        #expect(first.check(simulator), "\(simulator.answers) \(String(describing: simulator.report))")
    }
}
