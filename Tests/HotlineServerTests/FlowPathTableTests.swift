import Foundation
import HotlineCore
import HotlineServer
import Testing

/// Every path of the bundled flows as a table of inputs and the screens they lead to, run in
/// both languages and on both channels (USSD screens rendered for the at-ussd gateway, SMS
/// as sent), through the same engine and renderers the service uses.
@Suite("The bundled flows, path by path")
struct FlowPathTableTests {
    static let config = try! ConfigLoader.load(directory: bundledConfigDirectory)

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
        }
        #expect(screen.continues == !path.ends)
        #expect(path.check(simulator), "\(simulator.answers) \(String(describing: simulator.report))")
    }
}
