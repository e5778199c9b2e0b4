import Foundation

/// Runs a flow one answer at a time: `step(state, input, context)` is pure, so every path is a
/// table of inputs and screens, and the shell persists what it returns in one transaction.
public struct ConversationEngine: Sendable {
    public let flow: Flow
    public let defaultLanguage: String
    /// Reads answers however they were typed ("khum" matches "Không").
    public let normalizer: InputNormalizer
    /// Judges what people write; nil only in tests of the mechanics.
    public let triage: Triage?
    /// The province's areas (districts), matched in location answers.
    public let areas: [String]
    private let areaKeys: [(key: [Substring], name: String)]
    private let cancelWords: Set<String>
    private let helpWords: Set<String>
    /// Each menu's options as words, for answers that name an option (see `Flow.AnswerWords`).
    let menuWords: [String: [OptionWords]]
    /// A word of an answer and the words it is read as (itself and its `same` group).
    private let sameWords: [String: Set<String>]
    private let fillerWords: Set<String>
    /// The most the notes field keeps: the `max_length` of the question that saves it.
    let notesMaxLength: Int?

    struct OptionWords: Sendable {
        /// Every word of the option: its key, its value, its label in each language.
        var words: Set<String>
        /// The words no other option of the menu has.
        var distinctive: Set<String>
    }

    /// Answers that work on every screen.
    static let backWords: Set<String> = ["0"]
    static let menuWords: Set<String> = ["00", "menu"]

    public init(
        flow: Flow, defaultLanguage: String, normalizer: InputNormalizer = InputNormalizer(), triage: Triage? = nil, areas: [String] = []
    ) {
        self.areas = areas
        areaKeys = areas.map { (normalizer.matchKey($0).split(separator: " "), $0) }
        self.flow = flow
        self.defaultLanguage = defaultLanguage
        self.normalizer = normalizer
        self.triage = triage
        cancelWords = Set(flow.keywords.cancel.map { normalizer.matchKey($0) })
        helpWords = Set(flow.keywords.help.map { $0 == "?" ? "?" : normalizer.matchKey($0) })
        func words(_ text: String) -> [String] { normalizer.matchKey(text).split(separator: " ").map(String.init) }
        var menus: [String: [OptionWords]] = [:]
        for (id, node) in flow.nodes where node.type == .menu {
            let all = node.options.map { option in
                Set(words(option.key) + (option.value.map(words) ?? []) + option.label.translations.values.flatMap(words))
            }
            menus[id] = all.enumerated().map { i, own in
                let others = all.enumerated().filter { $0.offset != i }.reduce(into: Set<String>()) { $0.formUnion($1.element) }
                return OptionWords(words: own, distinctive: own.subtracting(others))
            }
        }
        menuWords = menus
        var same: [String: Set<String>] = [:]
        for group in flow.answerWords.same {
            let keys = Set(group.flatMap(words))
            for key in keys { same[key, default: []].formUnion(keys) }
        }
        sameWords = same
        fillerWords = Set(flow.answerWords.fillers.flatMap(words))
        notesMaxLength = flow.nodes.values.first { $0.type == .question && $0.field == flow.notesField }?.maxLength
    }

    /// The option an answer names by its words ("toi nay" for "Buổi tối"): the one option
    /// with a word of the answer that no other option has, when every other word of the answer
    /// is that option's own or a filler. Nil when none, or more than one, is named.
    func option(named answer: String, in nodeID: String) -> Int? {
        guard let options = menuWords[nodeID] else { return nil }
        let readings = answer.split(separator: " ").map { word in sameWords[String(word)] ?? [String(word)] }
        guard !readings.isEmpty else { return nil }
        let named = options.indices.filter { i in readings.contains { !$0.isDisjoint(with: options[i].distinctive) } }
        guard named.count == 1, let chosen = named.first else { return nil }
        let own = options[chosen].words
        guard readings.allSatisfy({ !$0.isDisjoint(with: own) || !$0.isDisjoint(with: fillerWords) }) else { return nil }
        return chosen
    }

    func isCancel(_ key: String) -> Bool { cancelWords.contains(key) }

    /// The configured area a location answer names ("o ha long, bai chay" → "Hạ Long").
    func area(in answer: String) -> String? {
        let words = normalizer.matchKey(answer).split(separator: " ")
        return areaKeys.first { area in Triage.occurs(area.key, in: words) }?.name
    }
    func isHelp(_ key: String, raw: String) -> Bool { helpWords.contains(key) || helpWords.contains(raw) }

    public func step(_ state: ConversationState?, _ input: ConversationInput, _ context: StepContext) -> Step {
        let before = state
        var run = Run(engine: self, context: context)
        switch (state, input) {
        case (_, .startWithUnfinished(let unfinished)):
            run.state = ConversationState(flowID: flow.id, nodeID: flow.start, language: unfinished.language)
            if let resume = flow.resume {
                run.state.unfinished = unfinished
                run.enter(resume)
            } else {
                run.enter(flow.start)
            }
        case (nil, _), (_, .start):
            run.state = ConversationState(flowID: flow.id, nodeID: flow.start, language: defaultLanguage)
            if let kept = state?.report, !kept.status.isClosed { run.state.report = kept }
            run.enter(flow.start)
        case (let state?, .text(let raw)):
            run.state = state
            if state.finished {
                run.state = ConversationState(flowID: flow.id, nodeID: flow.start, language: state.language)
                run.enter(flow.start)
            } else {
                run.answer(raw)
            }
        }
        return run.finish(before: before)
    }

    /// The first SMS of a conversation, read as an answer to the first screen when it is one
    /// ("1", HELP, STOP, a sentence that tells something, which is judged and kept); otherwise
    /// (a greeting, a word that is no option) the first screen alone, with no wrong-answer hint
    /// for a screen the person has not seen yet. The effects of both steps, in order.
    public func firstMessage(_ text: String, unfinished: UnfinishedReport? = nil, _ context: StepContext) -> Step {
        let opening = step(nil, unfinished.map { .startWithUnfinished($0) } ?? .start, context)
        var answered = step(opening.state, .text(text), context)
        if answered.choseNothing && answered.effects.isEmpty { return opening }
        answered.effects = opening.effects + answered.effects
        return answered
    }

    func node(_ id: String) -> FlowNode {
        // The loader refuses a flow with a dangling transition, so this fallback only protects a
        // person from a state stored under an older flow: they land on the main menu.
        flow.nodes[id] ?? flow.nodes[flow.start]!
    }
}

extension CaseStatus {
    var isClosed: Bool { self != .open }
}

/// One step in progress: the state being changed, the effects gathered, the hint to show.
private struct Run {
    let engine: ConversationEngine
    let context: StepContext
    var state = ConversationState(flowID: "", nodeID: "", language: "")
    var effects: [StepEffect] = []
    var hint: String? = nil
    var cancelled = false
    var resumedNode: String? = nil
    /// The answer chose nothing and changed nothing: the same screen is asked again.
    var choseNothing = false

    init(engine: ConversationEngine, context: StepContext) {
        self.engine = engine
        self.context = context
    }

    var flow: Flow { engine.flow }

    mutating func answer(_ raw: String) {
        let text = String(raw.trimmingWhitespace())
        let folded = engine.normalizer.matchKey(text)
        if ConversationEngine.menuWords.contains(folded) {
            state.trail.append(state.nodeID)
            enter(flow.start)
            return
        }
        if ConversationEngine.backWords.contains(folded) {
            state.misses = 0
            state.nodeID = state.trail.popLast() ?? flow.start
            return
        }
        if engine.isCancel(folded) { return cancel() }
        if engine.isHelp(folded, raw: text) {
            hint = localized(flow.texts["keywords_help"])
            return
        }
        let node = engine.node(state.nodeID)
        // Several words that choose nothing are someone telling us something, never a wrong answer.
        let sentence = folded.contains(" ")
        switch node.type {
        case .menu:
            guard let option = match(folded, in: node) else {
                return sentence ? hear(text) : miss(node, retry: "retry_menu")
            }
            if let field = node.field { save(field, option.value ?? option.key) }
            apply(option.actions, because: node.field.map { "\($0) = \(option.value ?? option.key)" } ?? "chose \(option.key)")
            if let resumed = resumedNode {
                state.nodeID = resumed  // where they left off; its entry actions already ran then
                state.misses = 0
                return
            }
            move(to: option.next)
        case .question:
            if node.optional, text.isEmpty || text == "#" {
                if let field = node.field { saveUnlessNoted(field, "unknown") }
                return move(to: node.next ?? flow.start)
            }
            if let range = node.number {
                // "12", or a sentence holding one number in range ("chau 12 tuoi").
                let numbers = folded.split(separator: " ").compactMap { Int($0) }.filter(range.contains)
                guard let value = Int(folded) ?? (sentence && numbers.count == 1 ? numbers.first : nil), range.contains(value) else {
                    return sentence ? hear(text) : miss(node, retry: "retry_number")
                }
                if let field = node.field { save(field, String(value)) }
                if sentence, judge(text) { return }
                return move(to: node.next ?? flow.start)
            }
            guard text.count >= max(1, node.minLength ?? 1) else { return miss(node, retry: "retry_text") }
            if let field = node.field, field == flow.notesField {
                note(text)
            } else if let field = node.field {
                // A long answer is never refused (it may be the one that matters); the field keeps
                // its first max_length characters and the message log keeps it whole.
                save(field, node.maxLength.map { text.count > $0 ? String(text.prefix($0)) + "…" : text } ?? text)
            }
            if node.matchAreas, let area = engine.area(in: text) { save("area", area) }
            if judge(text) { return }
            move(to: node.next ?? flow.start)
        case .message:
            // "1 to go on" is what is expected; a sentence may be someone telling us something.
            if sentence, hearOnTheWay(text) { return }
            move(to: node.next ?? flow.start)
        case .end:
            if sentence, hearOnTheWay(text) { return }
            move(to: flow.start)
        }
    }

    /// A sentence written where a choice or a number was expected: judged (urgent words take
    /// the person to help now, as anywhere), kept in the report, and the same screen asked again
    /// saying it was heard. One that opens the report (a disclosure) goes on to the report's
    /// questions, saying it was received and what happens next.
    mutating func hear(_ text: String) {
        let hadReport = state.report != nil
        let moved = judge(text)
        if state.report != nil { note(text) }
        if moved { return }
        if !hadReport, state.report != nil {
            hint = localized(flow.texts["received"])
            if let report = flow.report, !state.urgentPath { move(to: report) }
            return
        }
        hint = localized(flow.texts[hadReport ? "noted" : "heard"])
        choseNothing = !hadReport
    }

    /// A sentence where any answer moves on (a text to read): judged and kept like one at a
    /// menu. Returns true when it moved the person (help now, or the report it opened).
    mutating func hearOnTheWay(_ text: String) -> Bool {
        let hadReport = state.report != nil
        if judge(text) {
            note(text)
            return true
        }
        guard state.report != nil else { return false }
        note(text)
        guard !hadReport, let report = flow.report else { return false }
        hint = localized(flow.texts["received"])
        move(to: report)
        return true
    }

    /// Adds what the person wrote to the report's notes field, after what it holds: a later
    /// "cảm ơn" never replaces a disclosure. The field keeps at most the notes question's
    /// `max_length`, its earliest words first; the message log keeps everything whole.
    mutating func note(_ text: String) {
        let field = flow.notesField
        let held = state.answers[field].flatMap { $0 == "unknown" ? nil : $0 }
        if let held, held.split(separator: "\n").contains(Substring(text)) { return }
        var notes = held.map { $0 + "\n" + text } ?? text
        if let limit = engine.notesMaxLength, notes.count > limit {
            guard (held?.count ?? 0) < limit else { return }
            notes = String(notes.prefix(limit)) + "…"
        }
        save(field, notes)
    }

    /// A skipped or missed question's stand-in value: never over notes already kept.
    mutating func saveUnlessNoted(_ field: String, _ value: String) {
        if field == flow.notesField, state.answers[field] != nil { return }
        save(field, value)
    }

    /// An option by its key, its saved value or its label in any language.
    /// Judges free text: raises the case (opening one when the text is P2 or above) with the
    /// triage's reasons, and for P1 escalates and takes the person to the help-now path.
    /// Returns true when it moved the person.
    mutating func judge(_ text: String) -> Bool {
        guard let triage = engine.triage else { return false }
        // The text alone: levels that come from menu answers are the flow's own actions.
        let decision = triage.judge(text: text)
        guard decision.priority != .none else { return false }
        if state.report == nil {
            guard decision.priority >= .p2 else { return false }
            apply([.openCase], because: "triage")
        }
        let category: String? = decision.category
        if state.answers["category"] == nil, let category, !category.isEmpty { save("category", category) }
        var report = state.report!
        if decision.priority >= report.priority {
            report.priority = decision.priority
            report.reasons += decision.reasons.filter { !$0.hasPrefix("set aside") }.map { "\($0) in what was written" }
        }
        state.report = report
        guard decision.priority == .p1 else { return false }
        apply([.escalate], because: "triage")
        guard let urgent = flow.urgent, !state.urgentPath else { return false }
        move(to: urgent)
        return true
    }

    /// HUY/STOP: the conversation ends and says so; what the report holds is kept, marked
    /// incomplete, and still escalated when its priority calls for it.
    mutating func cancel() {
        if var report = state.report, report.status == .open {
            report.status = .incomplete
            state.report = report
            if report.priority >= .p2 { apply([.escalate], because: "cancelled") }
        }
        state.finished = true
        cancelled = true
        effects.append(.endSession)
    }

    /// The option an answer chooses: by its key, its saved value, its whole label in any
    /// language, or the words that name it alone ("toi nay" for "Buổi tối").
    func match(_ answer: String, in node: FlowNode) -> FlowOption? {
        let options = node.options
        if let byKey = options.first(where: { $0.key.folded == answer }) { return byKey }
        guard !answer.isEmpty else { return nil }
        let normalizer = engine.normalizer
        let whole = options.first { option in
            option.value.map { normalizer.matchKey($0) == answer } == true
                || option.label.translations.values.contains { normalizer.matchKey($0) == answer }
        }
        if let whole { return whole }
        return engine.option(named: answer, in: state.nodeID).map { options[$0] }
    }

    mutating func miss(_ node: FlowNode, retry: String) {
        state.misses += 1
        guard state.misses >= 2 else {
            hint = localized(flow.texts[retry])
            choseNothing = true
            return
        }
        // Never a third time round the same error: move forward, or offer help.
        if let rule = node.onMiss {
            if let field = node.field, let value = rule.save { saveUnlessNoted(field, value) }
            move(to: rule.next)
        } else {
            move(to: flow.help)
        }
    }

    mutating func move(to id: String) {
        state.trail.append(state.nodeID)
        if state.trail.count > 32 { state.trail.removeFirst(state.trail.count - 32) }
        enter(id)
    }

    mutating func enter(_ id: String) {
        state.nodeID = id
        state.misses = 0
        if id == flow.urgent { state.urgentPath = true }
        let node = engine.node(id)
        apply(node.actions, because: "reached \(id)")
        if node.type == .end {
            state.finished = true
            effects.append(.endSession)
        }
    }

    mutating func save(_ field: String, _ value: String) {
        state.answers[field] = value
    }

    mutating func apply(_ actions: [FlowAction], because reason: String) {
        for action in actions {
            switch action {
            case .openCase:
                if state.report == nil {
                    state.report = CaseDraft(reference: context.newCaseReference)
                    effects.append(.openCase(reference: context.newCaseReference))
                }
            case .priority(let level):
                guard var report = state.report, level >= report.priority else { continue }
                report.priority = level
                report.reasons.append("\(level.rawValue): \(reason)")
                state.report = report
            case .category(let category):
                // A category the person already gave is theirs: kept on the way to help-now.
                if state.answers["category"] == nil { save("category", category) }
            case .escalate:
                guard var report = state.report else { continue }
                if report.escalatedAt.map({ $0 < report.priority }) ?? true {
                    report.escalatedAt = report.priority
                    state.report = report
                    effects.append(.escalate(reference: report.reference, priority: report.priority, reasons: report.reasons))
                }
            case .submitCase:
                state.report?.status = .submitted
            case .language(let language):
                state.language = language
            case .requestCallback:
                // A new case starts routine; an existing one keeps its level.
                if state.report == nil { apply([.openCase, .priority(.p3)], because: reason) }
                save("callback", "requested")
                apply([.escalate], because: reason)
            case .resumePrevious:
                guard let unfinished = state.unfinished else { continue }
                state.unfinished = nil
                state.answers = unfinished.answers
                state.trail = unfinished.trail
                state.language = unfinished.language
                var report = unfinished.report
                report.status = .open
                state.report = report
                resumedNode = unfinished.nodeID
            case .discardPrevious:
                guard let unfinished = state.unfinished else { continue }
                state.unfinished = nil
                var report = unfinished.report
                report.status = .incomplete
                effects.append(
                    .saveCase(
                        CaseSnapshot(
                            draft: report, category: unfinished.answers["category"], answers: unfinished.answers,
                            language: unfinished.language)))
                if report.priority >= .p2, report.escalatedAt.map({ $0 < report.priority }) ?? true {
                    effects.append(.escalate(reference: report.reference, priority: report.priority, reasons: report.reasons))
                }
            }
        }
    }

    func localized(_ text: LocalizedText?) -> String {
        text?.text(state.language, fallback: engine.defaultLanguage) ?? ""
    }

    func render() -> Screen {
        var variables = context.variables
        variables["reference"] = state.report?.reference ?? ""
        if cancelled {
            return Screen(text: localized(flow.texts["cancelled"]).filling(variables), continues: false)
        }
        let node = engine.node(state.nodeID)
        let text = node.screenText(language: state.language, fallback: engine.defaultLanguage, hint: hint, variables: variables)
        return Screen(text: text, continues: node.type != .end)
    }

    /// Effects in the order the shell applies them: open, save, escalate (which reads the saved
    /// case), then end the session.
    mutating func finish(before: ConversationState?) -> Step {
        var ordered = effects.filter { if case .openCase = $0 { true } else { false } }
        // Cases closed on the way (an unfinished report set aside) come before this one's.
        ordered += effects.filter { if case .saveCase = $0 { true } else { false } }
        if let report = state.report,
            report != before?.report || state.answers != before?.answers || state.language != before?.language
        {
            ordered.append(
                .saveCase(
                    CaseSnapshot(draft: report, category: state.answers["category"], answers: state.answers, language: state.language)))
        }
        ordered += effects.filter { if case .escalate = $0 { true } else { false } }
        if effects.contains(.endSession) { ordered.append(.endSession) }
        return Step(screen: render(), state: state, effects: ordered, choseNothing: choseNothing)
    }
}
