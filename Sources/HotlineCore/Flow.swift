/// A conversation as data: nodes that show a screen and wait for one answer, which is exactly
/// one USSD hit or one SMS. Loaded from `gateway-config/flows/*.yaml`.
public struct Flow: Sendable, Codable, Equatable {
    public var id: String
    /// The node a new conversation starts on, and where `00` / `menu` return to.
    public var start: String
    /// The node shown after two wrong answers on a node that has no `on_miss` of its own.
    public var help: String
    /// Where a person goes when what they wrote is urgent (P1): the help-now path. What the
    /// report already holds is kept.
    public var urgent: String?
    /// The node that offers to continue an unfinished report when a person comes back.
    public var resume: String?
    /// Where a report that a sentence opened goes on (someone who wrote what happened, at a
    /// menu or as a first SMS, instead of choosing): the report's first question, shown with
    /// the `received` text. Without it the same screen is asked again with that text.
    public var report: String?
    /// The report's field that keeps what a person writes instead of choosing (a sentence at a
    /// menu or a number question), each added to what it holds; a question saving this field
    /// adds its answer too, and a skip never overwrites it.
    public var notesField: String
    /// How an answer that names an option instead of pressing its key is read.
    public var answerWords: AnswerWords
    /// Texts the engine itself shows: `retry_menu` (a choice not on the list), `retry_text`
    /// (an answer too short), `retry_number`, `cancelled` (after HUY/STOP), `keywords_help`
    /// (after HELP/GIUP), and for a sentence written where a choice was expected `received`
    /// (it opened a report), `noted` (it was added to the report) and `heard` (no report to
    /// add it to), each in every language.
    public var texts: [String: LocalizedText]
    /// Words that work on every screen.
    public var keywords: Keywords
    public var nodes: [String: FlowNode]

    public static let requiredTexts = [
        "retry_menu", "retry_text", "retry_number", "cancelled", "keywords_help", "received", "noted", "heard",
    ]

    /// Reading an answer that names an option ("tối nay" for "Buổi tối", "ko" for "Không"): it
    /// chooses the one option whose label holds a word no other option's label has, when its
    /// other words are that option's own or fillers. An answer naming two options chooses
    /// neither.
    public struct AnswerWords: Sendable, Codable, Equatable {
        /// Groups of words that mean the same in an answer (`[có, "yes", ừ, ok]`): a word of a
        /// group is read as every word of it.
        public var same: [[String]]
        /// Words that may stand beside an option's words without changing the choice
        /// ("nhé", "nay": "tối nay nhé").
        public var fillers: [String]

        public static let none = AnswerWords(same: [], fillers: [])

        public init(same: [[String]], fillers: [String]) {
            self.same = same
            self.fillers = fillers
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case same, fillers
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            same = try c.decodeIfPresent([[String]].self, forKey: .same) ?? []
            fillers = try c.decodeIfPresent([String].self, forKey: .fillers) ?? []
        }
    }

    public struct Keywords: Sendable, Codable, Equatable {
        /// End the conversation and say so.
        public var cancel: [String]
        /// Explain what can be typed, then show the same screen.
        public var help: [String]

        public static let standard = Keywords(cancel: ["huy", "hủy", "stop", "dung", "dừng"], help: ["help", "giup", "giúp", "?"])

        public init(cancel: [String], help: [String]) {
            self.cancel = cancel
            self.help = help
        }
    }

    public init(
        id: String, start: String, help: String, urgent: String? = nil, report: String? = nil, notesField: String = "description",
        answerWords: AnswerWords = .none, texts: [String: LocalizedText], keywords: Keywords = .standard, nodes: [String: FlowNode]
    ) {
        self.id = id
        self.start = start
        self.help = help
        self.urgent = urgent
        self.report = report
        self.notesField = notesField
        self.answerWords = answerWords
        self.texts = texts
        self.keywords = keywords
        self.nodes = nodes
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, start, help, urgent, resume, report, texts, keywords, nodes
        case notesField = "notes_field"
        case answerWords = "answer_words"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        start = try c.decode(String.self, forKey: .start)
        help = try c.decode(String.self, forKey: .help)
        urgent = try c.decodeIfPresent(String.self, forKey: .urgent)
        resume = try c.decodeIfPresent(String.self, forKey: .resume)
        report = try c.decodeIfPresent(String.self, forKey: .report)
        notesField = try c.decodeIfPresent(String.self, forKey: .notesField) ?? "description"
        answerWords = try c.decodeIfPresent(AnswerWords.self, forKey: .answerWords) ?? .none
        texts = try c.decode([String: LocalizedText].self, forKey: .texts)
        keywords = try c.decodeIfPresent(Keywords.self, forKey: .keywords) ?? .standard
        nodes = try c.decode([String: FlowNode].self, forKey: .nodes)
    }
}

public struct FlowNode: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Numbered options; the answer is a key or an option's label.
        case menu
        /// A free answer saved under `field`: at least `min_length` characters, at most
        /// `max_length` kept in the field; or a number within `number`.
        case question
        /// A text to read; any answer moves on to `next`.
        case message
        /// The last screen: the session ends.
        case end
    }

    public var type: Kind
    public var text: LocalizedText
    public var options: [FlowOption]
    /// Where the answer is saved in the case (`category`, `location`...).
    public var field: String?
    public var next: String?
    public var minLength: Int?
    /// The most a free answer keeps in its field (the whole text stays in the message log).
    public var maxLength: Int?
    /// For a number question (a child's age): the accepted range.
    public var number: ClosedRange<Int>?
    /// A question the person may skip by sending `#` or nothing; `unknown` is saved.
    public var optional: Bool
    /// Match the answer against the service's areas and save the one named under `area`.
    public var matchAreas: Bool
    /// Done when the node is entered.
    public var actions: [FlowAction]
    /// What happens after the second wrong answer here, instead of the flow's help node.
    public var onMiss: MissRule?

    public init(
        type: Kind, text: LocalizedText, options: [FlowOption] = [], field: String? = nil, next: String? = nil,
        minLength: Int? = nil, maxLength: Int? = nil, number: ClosedRange<Int>? = nil, optional: Bool = false, matchAreas: Bool = false,
        actions: [FlowAction] = [], onMiss: MissRule? = nil
    ) {
        self.maxLength = maxLength
        self.number = number
        self.optional = optional
        self.matchAreas = matchAreas
        self.type = type
        self.text = text
        self.options = options
        self.field = field
        self.next = next
        self.minLength = minLength
        self.actions = actions
        self.onMiss = onMiss
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, text, options, field, next, actions
        case minLength = "min_length"
        case maxLength = "max_length"
        case onMiss = "on_miss"
        case number, optional
        case matchAreas = "match_areas"
    }

    struct NumberRange: Decodable {
        var min: Int
        var max: Int
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(Kind.self, forKey: .type)
        text = try c.decode(LocalizedText.self, forKey: .text)
        options = try c.decodeIfPresent([FlowOption].self, forKey: .options) ?? []
        field = try c.decodeIfPresent(String.self, forKey: .field)
        next = try c.decodeIfPresent(String.self, forKey: .next)
        minLength = try c.decodeIfPresent(Int.self, forKey: .minLength)
        maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength)
        if let range = try c.decodeIfPresent(NumberRange.self, forKey: .number) {
            guard range.min <= range.max else {
                throw DecodingError.dataCorruptedError(
                    forKey: .number, in: c, debugDescription: "number: min \(range.min) is above max \(range.max)")
            }
            number = range.min...range.max
        } else {
            number = nil
        }
        optional = try c.decodeIfPresent(Bool.self, forKey: .optional) ?? false
        matchAreas = try c.decodeIfPresent(Bool.self, forKey: .matchAreas) ?? false
        actions = try c.decodeIfPresent([FlowAction].self, forKey: .actions) ?? []
        onMiss = try c.decodeIfPresent(MissRule.self, forKey: .onMiss)
    }
}

public struct FlowOption: Sendable, Codable, Equatable {
    /// What the person presses (`1`, `2`...).
    public var key: String
    public var label: LocalizedText
    /// Saved under the node's `field` when chosen; defaults to the key.
    public var value: String?
    public var next: String
    public var actions: [FlowAction]

    public init(key: String, label: LocalizedText, value: String? = nil, next: String, actions: [FlowAction] = []) {
        self.key = key
        self.label = label
        self.value = value
        self.next = next
        self.actions = actions
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case key, label, value, next, actions
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decode(String.self, forKey: .key)
        label = try c.decode(LocalizedText.self, forKey: .label)
        value = try c.decodeIfPresent(String.self, forKey: .value)
        next = try c.decode(String.self, forKey: .next)
        actions = try c.decodeIfPresent([FlowAction].self, forKey: .actions) ?? []
    }
}

/// Where a person goes after a second wrong answer: forward, with a value saved, never round
/// the same error again.
public struct MissRule: Sendable, Codable, Equatable {
    public var next: String
    public var save: String?

    public init(next: String, save: String? = nil) {
        self.next = next
        self.save = save
    }
}

/// What entering a node or choosing an option does to the case and the session.
public enum FlowAction: Sendable, Equatable, Codable {
    /// Opens the case (once) with a fresh reference.
    case openCase
    /// Raises the case's priority (never lowers it).
    case priority(Priority)
    /// Sets the case's category without asking, unless the person already gave one.
    case category(String)
    /// Hands the case to the escalation channels at its current priority.
    case escalate
    /// Marks the report complete.
    case submitCase
    /// Continues the unfinished report offered at the start, where the person left it.
    case resumePrevious
    /// Starts afresh; the unfinished report stays on file as incomplete (escalated when P2+).
    case discardPrevious
    /// Switches the conversation's language.
    case language(String)
    /// Asks a counsellor to call back: opens the case (routine unless already higher), notes
    /// the request and hands it to the operators.
    case requestCallback

    private enum Key: String, CodingKey, CaseIterable {
        case priority, category, language
    }

    public init(from decoder: any Decoder) throws {
        if let word = try? decoder.singleValueContainer().decode(String.self) {
            switch word {
            case "open_case": self = .openCase
            case "escalate": self = .escalate
            case "submit_case": self = .submitCase
            case "resume_previous": self = .resumePrevious
            case "discard_previous": self = .discardPrevious
            case "request_callback": self = .requestCallback
            default:
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: decoder.codingPath,
                        debugDescription:
                            "unknown action '\(word)'; expected open_case, escalate, submit_case, resume_previous, discard_previous, request_callback, or a mapping priority:/category:/language:"
                    ))
            }
            return
        }
        try decoder.rejectUnknownKeys(Key.self)
        let c = try decoder.container(keyedBy: Key.self)
        if let p = try c.decodeIfPresent(Priority.self, forKey: .priority) {
            self = .priority(p)
        } else if let cat = try c.decodeIfPresent(String.self, forKey: .category) {
            self = .category(cat)
        } else if let lang = try c.decodeIfPresent(String.self, forKey: .language) {
            self = .language(lang)
        } else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "an action mapping needs priority:, category: or language:"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .openCase: var c = encoder.singleValueContainer(); try c.encode("open_case")
        case .escalate: var c = encoder.singleValueContainer(); try c.encode("escalate")
        case .submitCase: var c = encoder.singleValueContainer(); try c.encode("submit_case")
        case .resumePrevious: var c = encoder.singleValueContainer(); try c.encode("resume_previous")
        case .discardPrevious: var c = encoder.singleValueContainer(); try c.encode("discard_previous")
        case .requestCallback: var c = encoder.singleValueContainer(); try c.encode("request_callback")
        case .priority(let p): var c = encoder.container(keyedBy: Key.self); try c.encode(p, forKey: .priority)
        case .category(let s): var c = encoder.container(keyedBy: Key.self); try c.encode(s, forKey: .category)
        case .language(let s): var c = encoder.container(keyedBy: Key.self); try c.encode(s, forKey: .language)
        }
    }
}
