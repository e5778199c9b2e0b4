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
            "received": t("Da nhan {reference}.", "Received {reference}."), "noted": t("Da ghi.", "Noted."),
            "heard": t("Cam on.", "Thanks."),
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

    @Test("a sentence typed at a menu is read: urgent opens a P1 case, negated is heard with no case and no wrong-answer hint")
    func sentenceAtMenu() {
        let urgent = walk(["cuu em bo dang danh em"]).last!
        #expect(urgent.screen.text == "Goi 111 ngay. O dau?")
        #expect(urgent.effects.first == .openCase(reference: "QN-ABC123"))
        #expect(urgent.state.answers["description"] == "cuu em bo dang danh em")
        let negated = walk(["em khong bi danh"]).last!
        #expect(negated.screen.text == "Cam on.\nMenu\n1. Bao tin\n2. English")
        #expect(negated.state.report == nil)
        #expect(negated.state.misses == 0)
        #expect(negated.choseNothing)
    }
}

/// What people write instead of pressing a number: sentences are judged, kept in the report
/// and heard; an answer that names an option by its words chooses it.
@Suite("Sentences and answers in words")
struct SentenceAndMeaningTests {
    static func t(_ vi: String, _ en: String) -> LocalizedText { ConversationEngineTests.t(vi, en) }

    static var flow: Flow {
        var flow = KeywordAndUrgencyTests.flow
        flow.report = "danger"
        flow.answerWords = Flow.AnswerWords(same: [["có", "yes", "ok", "uh"], ["không", "no", "ko"]], fillers: ["nay", "nhé"])
        flow.nodes["where"]!.next = "age"
        flow.nodes["age"] = FlowNode(
            type: .question, text: t("Tuoi?", "Age?"), field: "age", next: "contact", number: 0...17, optional: true)
        flow.nodes["contact"] = FlowNode(
            type: .menu, text: t("Lien lac?", "Contact?"),
            options: [
                FlowOption(key: "1", label: t("Có, nhắn tin", "Yes, by SMS"), value: "sms", next: "when"),
                FlowOption(key: "2", label: t("Có, gọi điện", "Yes, call me"), value: "call", next: "when"),
                FlowOption(key: "3", label: t("Không liên lạc", "No contact"), value: "none", next: "what"),
            ], field: "contact", onMiss: MissRule(next: "what", save: "none"))
        flow.nodes["when"] = FlowNode(
            type: .menu, text: t("Luc nao?", "When?"),
            options: [
                FlowOption(key: "1", label: t("Buổi sáng", "Morning"), value: "morning", next: "what"),
                FlowOption(key: "2", label: t("Buổi chiều", "Afternoon"), value: "afternoon", next: "what"),
                FlowOption(key: "3", label: t("Buổi tối", "Evening"), value: "evening", next: "what"),
            ], field: "contact_time", onMiss: MissRule(next: "what", save: "unknown"))
        flow.nodes["what"] = FlowNode(
            type: .question, text: t("Ke lai:", "Tell us:"), field: "description", next: "done", minLength: 3, maxLength: 60,
            optional: true, onMiss: MissRule(next: "done", save: "unknown"))
        return flow
    }

    let engine = ConversationEngine(flow: Self.flow, defaultLanguage: "vi", triage: Triage(rules: KeywordAndUrgencyTests.rules))
    let context = StepContext(now: Date(timeIntervalSince1970: 0), newCaseReference: "QN-ABC123", variables: ["hotline": "111"])

    func walk(_ inputs: [String]) -> Step {
        var step = engine.step(nil, .start, context)
        for input in inputs { step = engine.step(step.state, .text(input), context) }
        return step
    }

    /// Up to the contact menu: a report, not in danger, in Ha Long, age skipped.
    let toContact = ["1", "2", "Ha Long", "#"]

    @Test("a disclosure at the first menu opens a P2 case, says it was received, and goes on to the report's questions")
    func disclosureOpensTheReport() {
        let step = walk(["em bi danh hoai"])
        #expect(step.screen.text == "Da nhan QN-ABC123.\nNguy hiem?\n1. Co\n2. Khong")
        #expect(step.state.nodeID == "danger")
        #expect(step.state.report?.priority == .p2)
        #expect(step.state.answers["description"] == "em bi danh hoai")
        #expect(step.state.answers["category"] == "physical")
        #expect(step.effects.first == .openCase(reference: "QN-ABC123"))
        #expect(!step.choseNothing)
    }

    @Test("a sentence at a menu of a report is kept in its notes and the menu asked again saying so, without counting a miss")
    func sentenceIsNotedAndMenuAskedAgain() {
        let step = walk(toContact + ["x", "bo em say ruou"])
        #expect(step.screen.text == "Da ghi.\nLien lac?\n1. Có, nhắn tin\n2. Có, gọi điện\n3. Không liên lạc")
        #expect(step.state.nodeID == "contact")
        #expect(step.state.misses == 1)
        #expect(step.state.answers["description"] == "bo em say ruou")
        // The next wrong answer is the second; the sentence was not one.
        #expect(engine.step(step.state, .text("y"), context).state.nodeID == "what")
    }

    @Test("notes are added to, never replaced: a later thanks is appended, a skip or a second miss keeps them")
    func notesAreAppended() {
        let noted = walk(toContact + ["bo em say ruou la danh em", "3"])
        #expect(noted.state.nodeID == "what")
        #expect(noted.state.answers["description"] == "bo em say ruou la danh em")
        let thanked = engine.step(noted.state, .text("cam on"), context)
        #expect(thanked.state.answers["description"] == "bo em say ruou la danh em\ncam on")
        #expect(engine.step(noted.state, .text("#"), context).state.answers["description"] == "bo em say ruou la danh em")
        let missed = engine.step(engine.step(noted.state, .text("a"), context).state, .text("b"), context)
        #expect(missed.state.nodeID == "done")
        #expect(missed.state.answers["description"] == "bo em say ruou la danh em")
        // The field keeps at most the question's max_length, the earliest words first.
        let long = engine.step(noted.state, .text(String(repeating: "rat lau ", count: 20)), context)
        #expect(long.state.answers["description"]?.hasPrefix("bo em say ruou la danh em\nrat lau") == true)
        #expect(long.state.answers["description"]?.count == 61)
    }

    @Test("an answer that names one option by a word only it has chooses it, fillers and same-meaning words allowed")
    func answerByMeaning() {
        let toWhen = toContact + ["1"]
        #expect(walk(toWhen + ["tối nay"]).state.answers["contact_time"] == "evening")
        #expect(walk(toWhen + ["chieu nhé"]).state.answers["contact_time"] == "afternoon")
        #expect(walk(toWhen + ["3 nhé"]).state.answers["contact_time"] == "evening")
        #expect(walk(toContact + ["ko"]).state.answers["contact"] == "none")
        #expect(walk(toContact + ["co, nhan tin"]).state.answers["contact"] == "sms")
        #expect(walk(toContact + ["yes call me"]).state.answers["contact"] == "call")
        #expect(walk(["1", "uh"]).state.answers["danger_now"] == "yes")
    }

    @Test("an answer naming two options, or a word every option has, chooses none")
    func ambiguityChoosesNothing() {
        let toWhen = toContact + ["1"]
        // Two options named: several words, so a sentence, heard.
        let both = walk(toWhen + ["sang hoac chieu"])
        #expect(both.state.nodeID == "when")
        #expect(both.state.answers["contact_time"] == nil)
        #expect(both.screen.text.hasPrefix("Da ghi.\n"))
        // "buoi" is in every label, "ok" means "có", which two options share: one word, a wrong answer.
        #expect(walk(toWhen + ["buoi"]).screen.text.hasPrefix("Sai.\nLuc nao?"))
        #expect(walk(toContact + ["ok"]).screen.text.hasPrefix("Sai.\nLien lac?"))
        // A word that is neither the option's nor a filler: not an answer, a sentence.
        #expect(walk(toWhen + ["toi khong biet"]).state.answers["contact_time"] == nil)
    }

    @Test("a sentence at a number question: one number in range is the answer, otherwise it is heard and the question asked again")
    func sentenceAtNumberQuestion() {
        let toAge = ["1", "2", "Ha Long"]
        let answered = walk(toAge + ["chau 12 tuoi"])
        #expect(answered.state.answers["age"] == "12")
        #expect(answered.state.nodeID == "contact")
        let heard = walk(toAge + ["chau hoc lop bay"])
        #expect(heard.state.nodeID == "age")
        #expect(heard.screen.text == "Da ghi.\nTuoi?")
        #expect(walk(toAge + ["muoi"]).screen.text == "So?\nTuoi?")
    }

    @Test("urgent words in a sentence at any menu still go to help now, and are kept in the notes")
    func urgentSentenceAtMenu() {
        let step = walk(toContact + ["cuu em, bo dang danh em"])
        #expect(step.screen.text == "Goi 111 ngay. O dau?")
        #expect(step.state.report?.priority == .p1)
        #expect(step.state.answers["description"] == "cuu em, bo dang danh em")
        #expect(step.effects.contains { if case .escalate(_, .p1, _) = $0 { true } else { false } })
    }

    @Test("a first SMS: a greeting gets the first screen alone, a disclosure is read, a word that is no option is no wrong answer")
    func firstMessage() {
        let menu = "Menu\n1. Bao tin\n2. English"
        for greeting in ["chao ban nhe", "alo", "x"] {
            let step = engine.firstMessage(greeting, context)
            #expect(step.screen.text == menu, "\(greeting)")
            #expect(step.effects.isEmpty, "\(greeting)")
        }
        let disclosure = engine.firstMessage("em bi danh", context)
        #expect(disclosure.screen.text.hasPrefix("Da nhan QN-ABC123.\nNguy hiem?"))
        #expect(disclosure.effects.first == .openCase(reference: "QN-ABC123"))
        #expect(disclosure.state.report?.priority == .p2)
        #expect(engine.firstMessage("1", context).screen.text.hasPrefix("Nguy hiem?"))
        #expect(engine.firstMessage("cuu em bo dang danh em", context).screen.text == "Goi 111 ngay. O dau?")
    }
}
