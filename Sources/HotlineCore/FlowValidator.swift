/// One thing wrong with a flow, located by its key path in the file
/// (`nodes.report_where.next`), so the config loader can name the line.
public struct FlowProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }
    public var path: [String]
    public var message: String
    public var severity: Severity

    public init(_ path: [String], _ message: String, severity: Severity = .error) {
        self.path = path
        self.message = message
        self.severity = severity
    }

    public var description: String { "\(path.joined(separator: ".")): \(message)" }
}

/// A USSD gateway a flow is shown through, for checking that every screen fits it.
public struct ScreenTarget: Sendable {
    public var gatewayID: String
    public var policy: EncodingPolicy
    public var limits: USSDLimits

    public init(gatewayID: String, policy: EncodingPolicy, limits: USSDLimits) {
        self.gatewayID = gatewayID
        self.policy = policy
        self.limits = limits
    }
}

public enum FlowValidator {
    /// Everything a hotline's staff could break in a flow: dangling transitions, unreachable
    /// nodes, missing translations, loops on error, screens too long for a USSD gateway.
    /// `variables` are the longest values screens may show (the case reference, the numbers).
    public static func validate(
        _ flow: Flow, languages: [String], targets: [ScreenTarget], variables: [String: String]
    ) -> [FlowProblem] {
        var problems: [FlowProblem] = []
        func requireNode(_ id: String, _ path: [String]) {
            if flow.nodes[id] == nil {
                problems.append(
                    FlowProblem(
                        path, "goes to node '\(id)', which does not exist; known nodes: \(flow.nodes.keys.sorted().joined(separator: ", "))"
                    ))
            }
        }
        func requireLanguages(_ text: LocalizedText, _ path: [String]) {
            for language in languages where (text.translations[language] ?? "").trimmingWhitespace().isEmpty {
                problems.append(FlowProblem(path, "has no '\(language)' text; every text needs \(languages.joined(separator: ", "))"))
            }
        }

        requireNode(flow.start, ["start"])
        requireNode(flow.help, ["help"])
        if let urgent = flow.urgent { requireNode(urgent, ["urgent"]) }
        if let resume = flow.resume { requireNode(resume, ["resume"]) }
        if let report = flow.report { requireNode(report, ["report"]) }
        for key in Flow.requiredTexts {
            if let text = flow.texts[key] {
                requireLanguages(text, ["texts", key])
            } else {
                problems.append(
                    FlowProblem(["texts"], "needs '\(key)', one of the texts the engine shows itself (\(Self.textPurposes[key] ?? ""))"))
            }
        }
        // Answers are read a word at a time: an entry of several words could never match.
        for (i, group) in flow.answerWords.same.enumerated() {
            for word in group where word.trimmingWhitespace().contains(" ") || word.trimmingWhitespace().isEmpty {
                problems.append(FlowProblem(["answer_words", "same", "\(i)"], "'\(word)' is not one word; each entry is a single word"))
            }
        }
        for word in flow.answerWords.fillers where word.trimmingWhitespace().contains(" ") || word.trimmingWhitespace().isEmpty {
            problems.append(FlowProblem(["answer_words", "fillers"], "'\(word)' is not one word; each entry is a single word"))
        }

        for (id, node) in flow.nodes.sorted(by: { $0.key < $1.key }) {
            let base = ["nodes", id]
            requireLanguages(node.text, base + ["text"])
            for (i, option) in node.options.enumerated() {
                requireLanguages(option.label, base + ["options", "\(i)", "label"])
                requireNode(option.next, base + ["options", "\(i)", "next"])
                if ConversationEngine.backWords.contains(option.key.folded) || ConversationEngine.menuWords.contains(option.key.folded) {
                    problems.append(
                        FlowProblem(
                            base + ["options", "\(i)", "key"], "'\(option.key)' is reserved: 0 goes back and 00 opens the main menu"))
                }
                checkActions(option.actions, base + ["options", "\(i)", "actions"], languages, &problems)
            }
            let keys = node.options.map(\.key.folded)
            if Set(keys).count != keys.count {
                problems.append(FlowProblem(base + ["options"], "two options share a key"))
            }
            if let next = node.next { requireNode(next, base + ["next"]) }
            if let miss = node.onMiss { requireNode(miss.next, base + ["on_miss", "next"]) }
            checkActions(node.actions, base + ["actions"], languages, &problems)
            switch node.type {
            case .menu where node.options.isEmpty:
                problems.append(FlowProblem(base + ["options"], "a menu needs at least one option"))
            case .question where (node.minLength ?? 0) > (node.maxLength ?? .max):
                problems.append(FlowProblem(base + ["max_length"], "max_length \(node.maxLength!) is below min_length \(node.minLength!)"))
            case .question where node.field == nil:
                problems.append(FlowProblem(base + ["field"], "a question needs a field to save its answer in"))
            case .question where node.next == nil, .message where node.next == nil:
                problems.append(FlowProblem(base + ["next"], "a \(node.type.rawValue) needs next: where the conversation goes after it"))
            case .end where !node.options.isEmpty:
                problems.append(FlowProblem(base + ["options"], "an end screen closes the session, so its options could never be chosen"))
            default:
                break
            }
        }
        if let help = flow.nodes[flow.help], help.type == .menu || help.type == .question, help.onMiss == nil {
            problems.append(
                FlowProblem(
                    ["nodes", flow.help, "on_miss"], "the help node needs on_miss, or a person who misses twice there would loop on it"))
        }

        let reachable = reachableNodes(flow)
        for id in flow.nodes.keys.sorted() where !reachable.contains(id) {
            problems.append(FlowProblem(["nodes", id], "cannot be reached from '\(flow.start)'", severity: .warning))
        }

        for target in targets {
            problems += screenProblems(flow, languages: languages, target: target, variables: variables)
        }
        problems += smsProblems(flow, languages: languages, variables: variables)
        return problems
    }

    static let textPurposes = [
        "retry_menu": "after an answer that is no option", "retry_text": "after an answer too short",
        "retry_number": "after an answer that is no number", "cancelled": "after HUY/STOP", "keywords_help": "after HELP/GIUP",
        "received": "after a sentence that opened a report", "noted": "after a sentence added to the report",
        "heard": "after a sentence with no report to add it to",
    ]

    /// Every hint a node's screen can carry, by the key of its text: what a wrong answer, HELP,
    /// or a sentence written there puts above it.
    static func hintKeys(_ id: String, _ node: FlowNode, flow: Flow) -> [String] {
        var keys = ["keywords_help"]
        switch node.type {
        case .menu: keys += ["retry_menu", "noted", "heard"]
        case .question where node.number != nil: keys += ["retry_number", "noted", "heard"]
        case .question: keys.append("retry_text")
        case .message, .end: break
        }
        // A report a sentence opened starts on flow.report under `received`; without one the
        // sentence's own screen (a menu or a number question) is asked again under it.
        if id == flow.report || (flow.report == nil && keys.contains("heard")) { keys.append("received") }
        return keys
    }

    private static func checkActions(_ actions: [FlowAction], _ path: [String], _ languages: [String], _ problems: inout [FlowProblem]) {
        for case .language(let language) in actions where !languages.contains(language) {
            problems.append(FlowProblem(path, "switches to '\(language)', which service.yaml does not list in languages"))
        }
    }

    static func reachableNodes(_ flow: Flow) -> Set<String> {
        var seen: Set<String> = []
        var queue = [flow.start, flow.help] + [flow.urgent, flow.resume, flow.report].compactMap { $0 }
        while let id = queue.popLast() {
            guard !seen.contains(id), let node = flow.nodes[id] else { continue }
            seen.insert(id)
            queue += node.options.map(\.next)
            if let next = node.next { queue.append(next) }
            if let miss = node.onMiss { queue.append(miss.next) }
        }
        return seen
    }

    /// Every SMS costs money and may be read by someone else holding the phone: a screen sent as
    /// an SMS over three parts is a warning (in the cheapest encoding that carries it).
    static func smsProblems(_ flow: Flow, languages: [String], variables: [String: String]) -> [FlowProblem] {
        var problems: [FlowProblem] = []
        for (id, node) in flow.nodes.sorted(by: { $0.key < $1.key }) {
            for language in languages {
                let text = node.screenText(language: language, fallback: language, variables: variables)
                let analysis = SMSText.analyze(text)
                if analysis.segments > 3 {
                    problems.append(
                        FlowProblem(
                            ["nodes", id, "text"],
                            "the '\(language)' screen takes \(analysis.segments) SMS parts (\(analysis.length) \(analysis.encoding.rawValue) units); keep SMS screens within 3",
                            severity: .warning))
                }
            }
        }
        return problems
    }

    /// Renders every node in every language as the engine would, with the longest hint it can
    /// carry in front (the longest form a screen takes), and reports any that the gateway
    /// would have to cut.
    static func screenProblems(_ flow: Flow, languages: [String], target: ScreenTarget, variables: [String: String]) -> [FlowProblem] {
        var problems: [FlowProblem] = []
        for (id, node) in flow.nodes.sorted(by: { $0.key < $1.key }) {
            for language in languages {
                let hints = hintKeys(id, node, flow: flow).compactMap { flow.texts[$0]?.text(language, fallback: language) }
                let hint = node.type == .end ? nil : hints.max(by: { $0.filling(variables).count < $1.filling(variables).count })
                let text = node.screenText(language: language, fallback: language, hint: hint, variables: variables)
                let rendered = target.policy.renderScreen(text, limits: target.limits)
                if rendered.truncated {
                    let full = SMSText.length(of: target.policy == .ucs2 ? text : text.gsm7Safe, in: rendered.encoding) ?? 0
                    problems.append(
                        FlowProblem(
                            ["nodes", id, "text"],
                            "the '\(language)' screen is \(full) \(rendered.encoding.rawValue) units on gateway '\(target.gatewayID)' (encoding \(target.policy.rawValue)), over its limit of \(target.limits.limit(for: rendered.encoding)); shorten the text or the option labels"
                        ))
                }
            }
        }
        return problems
    }
}
