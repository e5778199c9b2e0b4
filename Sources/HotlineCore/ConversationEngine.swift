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
        switch node.type {
        case .menu:
            guard let option = match(folded, in: node.options) else {
                // Someone who writes a sentence instead of a number may be telling us something.
                if folded.contains(" "), judge(text) { return }
                return miss(node, retry: "retry_menu")
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
                if let field = node.field { save(field, "unknown") }
                return move(to: node.next ?? flow.start)
            }
            if let range = node.number {
                guard let value = Int(folded), range.contains(value) else { return miss(node, retry: "retry_number") }
                if let field = node.field { save(field, String(value)) }
                return move(to: node.next ?? flow.start)
            }
            guard text.count >= max(1, node.minLength ?? 1) else { return miss(node, retry: "retry_text") }
            // A long answer is never refused (it may be the one that matters); the field keeps
            // its first max_length characters and the message log keeps it whole.
            let kept = node.maxLength.map { text.count > $0 ? String(text.prefix($0)) + "…" : text } ?? text
            if let field = node.field { save(field, kept) }
            if node.matchAreas, let area = engine.area(in: text) { save("area", area) }
            if judge(text) { return }
            move(to: node.next ?? flow.start)
        case .message:
            // "1 to go on" is what is expected; a sentence may be someone telling us something.
            if folded.contains(" "), judge(text) { return }
            move(to: node.next ?? flow.start)
        case .end:
            if folded.contains(" "), judge(text) { return }
            move(to: flow.start)
        }
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
        if state.answers["category"] == nil, let category = decision.category { save("category", category) }
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

    func match(_ answer: String, in options: [FlowOption]) -> FlowOption? {
        if let byKey = options.first(where: { $0.key.folded == answer }) { return byKey }
        guard !answer.isEmpty else { return nil }
        let normalizer = engine.normalizer
        return options.first { option in
            option.value.map { normalizer.matchKey($0) == answer } == true
                || option.label.translations.values.contains { normalizer.matchKey($0) == answer }
        }
    }

    mutating func miss(_ node: FlowNode, retry: String) {
        state.misses += 1
        guard state.misses >= 2 else {
            hint = localized(flow.texts[retry])
            return
        }
        // Never a third time round the same error: move forward, or offer help.
        if let rule = node.onMiss {
            if let field = node.field, let value = rule.save { save(field, value) }
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
        return Step(screen: render(), state: state, effects: ordered)
    }
}
