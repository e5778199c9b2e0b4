import Foundation
import Testing

@testable import HotlineCore

/// The engine's mechanics on a small flow built here; the bundled flows' screens are tested
/// in HotlineServerTests, where the YAML is loaded.
@Suite("Conversation engine")
struct ConversationEngineTests {
    static func t(_ vi: String, _ en: String) -> LocalizedText { LocalizedText(["vi": vi, "en": en]) }

    static let flow = Flow(
        id: "test", start: "menu", help: "help",
        texts: [
            "retry_menu": t("Sai.", "Wrong."), "retry_text": t("Ngan qua.", "Too short."), "retry_number": t("So?", "Number?"),
            "cancelled": t("Da dung.", "Stopped."),
            "keywords_help": t("Bam so.", "Press a number."),
        ],
        nodes: [
            "menu": FlowNode(
                type: .menu, text: t("Menu", "Menu"),
                options: [
                    FlowOption(key: "1", label: t("Bao tin", "Report"), next: "danger"),
                    FlowOption(key: "2", label: t("English", "English"), next: "menu", actions: [.language("en")]),
                ]),
            "danger": FlowNode(
                type: .menu, text: t("Nguy hiem?", "Danger?"),
                options: [
                    FlowOption(key: "1", label: t("Co", "Yes"), value: "yes", next: "where", actions: [.priority(.p1), .escalate]),
                    FlowOption(key: "2", label: t("Khong", "No"), value: "no", next: "where"),
                ], field: "danger_now", actions: [.openCase, .priority(.p3)], onMiss: MissRule(next: "where", save: "unknown")),
            "where": FlowNode(type: .question, text: t("O dau?", "Where?"), field: "location", next: "done", minLength: 2, maxLength: 20),
            "done": FlowNode(
                type: .end, text: t("Ma so {reference}. Goi {hotline}.", "Ref {reference}. Call {hotline}."),
                actions: [.submitCase, .escalate]),
            "help": FlowNode(
                type: .menu, text: t("Goi 111", "Call 111"), options: [FlowOption(key: "1", label: t("Menu", "Menu"), next: "menu")],
                onMiss: MissRule(next: "done")),
        ])

    let engine = ConversationEngine(flow: Self.flow, defaultLanguage: "vi")
    let context = StepContext(now: Date(timeIntervalSince1970: 0), newCaseReference: "QN-ABC123", variables: ["hotline": "111"])

    /// Runs inputs from a fresh session and returns each screen.
    func walk(_ inputs: [String]) -> (screens: [String], last: Step) {
        var step = engine.step(nil, .start, context)
        var screens = [step.screen.text]
        for input in inputs {
            step = engine.step(step.state, .text(input), context)
            screens.append(step.screen.text)
        }
        return (screens, step)
    }

    @Test("a report walks to its confirmation with the reference, answers saved")
    func reportPath() {
        let (screens, last) = walk(["1", "2", "Ha Long"])
        #expect(screens == ["Menu\n1. Bao tin\n2. English", "Nguy hiem?\n1. Co\n2. Khong", "O dau?", "Ma so QN-ABC123. Goi 111."])
        #expect(last.state.answers == ["danger_now": "no", "location": "Ha Long"])
        #expect(last.state.report?.status == .submitted)
        #expect(last.state.report?.priority == .p3)
        #expect(last.screen.continues == false)
        #expect(last.effects.last == .endSession)
        #expect(last.effects.contains(.escalate(reference: "QN-ABC123", priority: .p3, reasons: ["P3: reached danger"])))
    }

    @Test("a child in danger now is escalated as P1 at that answer, and only once")
    func dangerEscalatesOnce() {
        var step = engine.step(nil, .start, context)
        step = engine.step(step.state, .text("1"), context)
        #expect(step.effects == [.openCase(reference: "QN-ABC123"), .saveCase(snapshot(step.state))])
        step = engine.step(step.state, .text("1"), context)
        #expect(step.state.report?.priority == .p1)
        #expect(step.state.report?.reasons == ["P3: reached danger", "P1: danger_now = yes"])
        #expect(
            step.effects.contains(
                .escalate(reference: "QN-ABC123", priority: .p1, reasons: ["P3: reached danger", "P1: danger_now = yes"])))
        step = engine.step(step.state, .text("Ha Long"), context)
        // The confirmation asks to escalate again, but P1 was already sent.
        #expect(!step.effects.contains { if case .escalate = $0 { true } else { false } })
    }

    func snapshot(_ state: ConversationState) -> CaseSnapshot {
        CaseSnapshot(draft: state.report!, category: state.answers["category"], answers: state.answers, language: state.language)
    }

    @Test("a wrong answer repeats the screen with a hint; a second moves the person on")
    func twoMissesMoveOn() {
        let (screens, last) = walk(["1", "9", "maybe"])
        #expect(screens[2] == "Sai.\nNguy hiem?\n1. Co\n2. Khong")
        #expect(screens[3] == "O dau?")
        #expect(last.state.answers["danger_now"] == "unknown")
    }

    @Test("two misses on a node without on_miss open the help screen, whose own misses end politely")
    func helpNeverLoops() {
        let (screens, last) = walk(["x", "y", "z", "w"])
        #expect(screens[1] == "Sai.\nMenu\n1. Bao tin\n2. English")
        #expect(screens[2] == "Goi 111\n1. Menu")
        #expect(screens[4].hasPrefix("Ma so"))
        #expect(last.state.finished)
    }

    @Test("0 goes back, 00 and menu return to the main menu, answers by label work")
    func navigation() {
        var (screens, _) = walk(["1", "0"])
        #expect(screens.last == "Menu\n1. Bao tin\n2. English")
        (screens, _) = walk(["1", "00"])
        #expect(screens.last == "Menu\n1. Bao tin\n2. English")
        (screens, _) = walk(["BAO TIN", "menu"])
        #expect(screens[1] == "Nguy hiem?\n1. Co\n2. Khong")
        #expect(screens[2] == "Menu\n1. Bao tin\n2. English")
        (screens, _) = walk(["1", "Không"])
        #expect(screens.last == "O dau?")
        // However it is typed: teencode, Telex residue, stretched letters, the saved value.
        for typed in ["khum", "ko", "khoong", "KHONGGGG", "no"] {
            let (screens, last) = walk(["1", typed])
            #expect(screens.last == "O dau?", "\(typed)")
            #expect(last.state.answers["danger_now"] == "no", "\(typed)")
        }
    }

    @Test("a question refuses an answer shorter than its minimum and keeps at most its maximum")
    func questionBounds() {
        let (screens, _) = walk(["1", "2", "x"])
        #expect(screens.last == "Ngan qua.\nO dau?")
        let (_, last) = walk(["1", "2", "xa Hoanh Bo, huyen Ha Long, tinh Quang Ninh"])
        #expect(last.state.answers["location"] == "xa Hoanh Bo, huyen H…")
    }

    @Test("choosing a language changes every later screen")
    func language() {
        let (screens, last) = walk(["2", "1"])
        #expect(screens[1] == "Menu\n1. Report\n2. English")
        #expect(screens[2] == "Danger?\n1. Yes\n2. No")
        #expect(last.state.language == "en")
    }

    @Test("input after the end starts a new conversation")
    func afterEnd() {
        let (_, last) = walk(["1", "2", "Ha Long"])
        let next = engine.step(last.state, .text("hello"), context)
        #expect(next.screen.text == "Menu\n1. Bao tin\n2. English")
        #expect(next.state.report == nil)
    }

    @Test("any sequence of inputs ends on a screen, never a crash or a loop")
    func randomWalks() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = ["1", "2", "3", "0", "00", "", "menu", "x", "Ha Long", "*", "🙂", "  "]
        for _ in 0..<500 {
            var step = engine.step(nil, .start, context)
            for _ in 0..<12 {
                step = engine.step(step.state, .text(alphabet.randomElement(using: &generator)!), context)
                #expect(!step.screen.text.isEmpty)
                #expect(step.state.misses < 2)
            }
        }
    }
}

@Suite("Keywords and urgent words on every screen")
struct KeywordAndUrgencyTests {
    static let rules = TriageRules(
        categories: [.init(category: "physical", p1: ["dang danh"], p2: ["bi danh"])], negations: ["khong"], negationBridges: ["bi"],
        nowWords: ["cuu"], answers: [])

    static var flow: Flow {
        var flow = ConversationEngineTests.flow
        flow.urgent = "help_now"
        flow.nodes["help_now"] = FlowNode(
            type: .question, text: ConversationEngineTests.t("Goi 111 ngay. O dau?", "Call 111. Where?"), field: "location",
            next: "done", actions: [.openCase, .category("danger_now"), .priority(.p1), .escalate])
        return flow
    }

    let engine = ConversationEngine(flow: Self.flow, defaultLanguage: "vi", triage: Triage(rules: Self.rules))
    let context = StepContext(now: Date(timeIntervalSince1970: 0), newCaseReference: "QN-ABC123", variables: ["hotline": "111"])

    func walk(_ inputs: [String]) -> [Step] {
        var step = engine.step(nil, .start, context)
        var steps = [step]
        for input in inputs {
            step = engine.step(step.state, .text(input), context)
            steps.append(step)
        }
        return steps
    }

    @Test("HUY ends the conversation and says so; a started report is kept as incomplete")
    func cancel() {
        let steps = walk(["1", "HUY"])
        let last = steps.last!
        #expect(last.screen == Screen(text: "Da dung.", continues: false))
        #expect(last.state.report?.status == .incomplete)
        #expect(last.effects.last == .endSession)
        #expect(walk(["stop"]).last!.screen.continues == false)
    }

    @Test("HELP explains and shows the same screen, without counting a miss")
    func help() {
        let steps = walk(["1", "giúp"])
        #expect(steps.last!.screen.text == "Bam so.\nNguy hiem?\n1. Co\n2. Khong")
        #expect(steps.last!.state.misses == 0)
    }

    @Test("urgent words in a free answer take the person to help-now, keeping the report")
    func urgentAnswer() {
        let steps = walk(["1", "2", "bo dang danh em"])
        let last = steps.last!
        #expect(last.screen.text == "Goi 111 ngay. O dau?")
        #expect(last.state.report?.priority == .p1)
        #expect(last.state.answers["danger_now"] == "no")
        #expect(last.state.answers["location"] == "bo dang danh em")
        #expect(last.effects.contains { if case .escalate(_, .p1, _) = $0 { true } else { false } })
        #expect(last.state.report?.reasons.contains { $0.contains("dang danh") } == true)
        // Once on the help-now path, more urgent words do not jump again.
        let again = engine.step(last.state, .text("cuu em, bo dang danh"), context)
        #expect(again.screen.text.hasPrefix("Ma so QN-ABC123"))
    }

    @Test("a sentence typed at a menu is read: urgent opens a P1 case, negated is a plain miss")
    func sentenceAtMenu() {
        let urgent = walk(["cuu em bo dang danh em"]).last!
        #expect(urgent.screen.text == "Goi 111 ngay. O dau?")
        #expect(urgent.effects.first == .openCase(reference: "QN-ABC123"))
        let negated = walk(["em khong bi danh"]).last!
        #expect(negated.screen.text.hasPrefix("Sai."))
        #expect(negated.state.report == nil)
    }
}
