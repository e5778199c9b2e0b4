/// Rules for judging urgency, loaded from `gateway-config/triage.yaml`.
public struct TriageRules: Sendable, Codable, Equatable {
    /// Phrases per category and level. Written as people write them (marks or not); they are
    /// compared on the reader's match keys, so teencode and Telex spellings match too.
    public var categories: [CategoryRule]
    /// Words that cancel a phrase when they stand just before it ("không bị đánh").
    public var negations: [String]
    /// Words that may stand between a negation and its phrase ("không *có ai* đánh").
    public var negationBridges: [String]
    /// Words that make a negation a condition, not a denial, when one stands in the two words
    /// before it: "dọa *nếu* không gửi ảnh" threatens; it does not say no photo was asked for.
    public var negationConditions: [String]
    /// Words saying it is happening now; with a P2 phrase they make it P1 ("bố *đang* đánh em").
    public var nowWords: [String]
    /// Words saying it is over ("hồi nhỏ", "năm ngoái"), for categories with `unless_past`.
    public var pastWords: [String]
    /// Words that may stand inside a phrase without breaking it: "không cho *em* ăn" meets
    /// "không cho ăn".
    public var fillers: [String]
    /// Menu answers that set a level on their own.
    public var answers: [AnswerRule]
    /// Cries for help ("cứu", "help", "sos"). A message that is only cries and `cry_companions`
    /// is P1; a cry anywhere says it is happening now, as `now_words` do.
    public var cries: [String]
    /// Words that are a cry only when the message is nothing else ("help!!!"); inside a
    /// sentence they are ordinary ("how can I help her").
    public var bareCries: [String]
    /// Words that may stand with a cry and leave it only a cry ("cứu *em với*", "*please* help").
    public var cryCompanions: [String]
    /// Words that suggest harm without saying what ("sợ", "đau", "máu"): with one, the learned
    /// model's bar for "needs review" is the lower `P2_or_higher_with_hint`.
    public var harmHints: [String]
    /// Frames that make a message a question or a story *about* a topic ("làm sao để", "trong
    /// phim", "how to"): with one and nothing saying it is happening now or a cry, the rules'
    /// level is at most P3. The learned model may still raise it.
    public var topicFrames: [String]
    /// Laughter ("haha", "lol"): a message written laughing may be a joke ("chị em sẽ giết em
    /// haha"), or a child playing down what happened. Either way a person should read it, so
    /// the rules' P1 becomes P2, never lower, and the reason says why. Not when a cry or a "now"
    /// word is in it: "bố đang cầm dao haha" stays P1.
    public var laughter: [String]
    /// Named word lists a phrase may use as `{name}`: "{adult} đang {hit}" stands for every
    /// adult of `adult` before "đang" and every verb of `hit`. This is how rules say who does
    /// what to whom without listing each sentence.
    public var concepts: [String: [String]]
    /// Rules over the whole message: when every group of `all` has a phrase somewhere in it
    /// (not negated), the case is at least `priority` in `category`. "{alone}" with "{days}"
    /// says a child is left alone for days however the sentence runs between them.
    public var combinations: [Combination]
    /// Words that make a harm phrase personal when one stands in the three words before it:
    /// a topic frame then caps the phrase at P2, not P3 ("em bị chú … làm sao để quên").
    public var personalWords: [String]
    /// Figures of speech that hold a phrase's words harmlessly ("mệt muốn chết", "chết cười"):
    /// the phrases inside them are set aside, and said so.
    public var figuresOfSpeech: [String]

    public struct CategoryRule: Sendable, Codable, Equatable {
        public var category: String
        public var p1: [String]
        public var p2: [String]
        public var p3: [String]
        /// The level a P2 phrase of this category takes when nothing says it is over: for
        /// sexual abuse, unsure between "ongoing" and "past" means the higher level.
        public var unlessPast: Priority?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case category
            case unlessPast = "unless_past"
            case p1 = "P1"
            case p2 = "P2"
            case p3 = "P3"
        }

        public init(category: String, p1: [String] = [], p2: [String] = [], p3: [String] = [], unlessPast: Priority? = nil) {
            self.category = category
            self.unlessPast = unlessPast
            self.p1 = p1
            self.p2 = p2
            self.p3 = p3
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            category = try c.decode(String.self, forKey: .category)
            p1 = try c.decodeIfPresent([String].self, forKey: .p1) ?? []
            p2 = try c.decodeIfPresent([String].self, forKey: .p2) ?? []
            p3 = try c.decodeIfPresent([String].self, forKey: .p3) ?? []
            unlessPast = try c.decodeIfPresent(Priority.self, forKey: .unlessPast)
        }
    }

    /// `when` every listed answer has the given value (a value list means any of them; a
    /// field ending in `_under` compares a number), the case is at least `priority`.
    public struct AnswerRule: Sendable, Codable, Equatable {
        public var when: [String: [String]]
        public var priority: Priority

        enum CodingKeys: String, CodingKey, CaseIterable {
            case when, priority
        }

        public init(when: [String: [String]], priority: Priority) {
            self.when = when
            self.priority = priority
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            priority = try c.decode(Priority.self, forKey: .priority)
            // Each condition may be one value or a list of values.
            let raw = try c.nestedContainer(keyedBy: AnyCodingKey.self, forKey: .when)
            var when: [String: [String]] = [:]
            for key in raw.allKeys {
                if let list = try? raw.decode([String].self, forKey: key) {
                    when[key.stringValue] = list
                } else {
                    when[key.stringValue] = [try raw.decode(String.self, forKey: key)]
                }
            }
            self.when = when
        }
    }

    public struct Combination: Sendable, Codable, Equatable {
        public var category: String
        public var priority: Priority
        /// Each entry is a phrase or a list of phrases; every entry must be met.
        public var all: [[String]]

        enum CodingKeys: String, CodingKey, CaseIterable { case category, priority, all }

        public init(category: String, priority: Priority, all: [[String]]) {
            self.category = category
            self.priority = priority
            self.all = all
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            category = try c.decode(String.self, forKey: .category)
            priority = try c.decode(Priority.self, forKey: .priority)
            var list = try c.nestedUnkeyedContainer(forKey: .all)
            var all: [[String]] = []
            while !list.isAtEnd {
                if let many = try? list.decode([String].self) { all.append(many) } else { all.append([try list.decode(String.self)]) }
            }
            self.all = all
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case categories, negations, answers, combinations
        case negationBridges = "negation_bridges"
        case negationConditions = "negation_conditions"
        case laughter
        case nowWords = "now_words"
        case pastWords = "past_words"
        case fillers, cries, concepts
        case cryCompanions = "cry_companions"
        case bareCries = "bare_cries"
        case personalWords = "personal_words"
        case harmHints = "harm_hints"
        case topicFrames = "topic_frames"
        case figuresOfSpeech = "figures_of_speech"
    }

    public init(
        categories: [CategoryRule], negations: [String], negationBridges: [String], nowWords: [String], pastWords: [String] = [],
        fillers: [String] = [], answers: [AnswerRule], cries: [String] = [], cryCompanions: [String] = [], harmHints: [String] = [],
        topicFrames: [String] = [], figuresOfSpeech: [String] = [], concepts: [String: [String]] = [:], combinations: [Combination] = []
    ) {
        self.combinations = combinations
        self.concepts = concepts
        self.cries = cries
        self.bareCries = []
        self.personalWords = []
        self.cryCompanions = cryCompanions
        self.harmHints = harmHints
        self.topicFrames = topicFrames
        self.figuresOfSpeech = figuresOfSpeech
        self.pastWords = pastWords
        self.fillers = fillers
        self.categories = categories
        self.negations = negations
        self.negationBridges = negationBridges
        self.negationConditions = []
        self.laughter = []
        self.nowWords = nowWords
        self.answers = answers
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        categories = try c.decode([CategoryRule].self, forKey: .categories)
        negations = try c.decodeIfPresent([String].self, forKey: .negations) ?? []
        negationBridges = try c.decodeIfPresent([String].self, forKey: .negationBridges) ?? []
        negationConditions = try c.decodeIfPresent([String].self, forKey: .negationConditions) ?? []
        laughter = try c.decodeIfPresent([String].self, forKey: .laughter) ?? []
        nowWords = try c.decodeIfPresent([String].self, forKey: .nowWords) ?? []
        pastWords = try c.decodeIfPresent([String].self, forKey: .pastWords) ?? []
        fillers = try c.decodeIfPresent([String].self, forKey: .fillers) ?? []
        answers = try c.decodeIfPresent([AnswerRule].self, forKey: .answers) ?? []
        cries = try c.decodeIfPresent([String].self, forKey: .cries) ?? []
        cryCompanions = try c.decodeIfPresent([String].self, forKey: .cryCompanions) ?? []
        bareCries = try c.decodeIfPresent([String].self, forKey: .bareCries) ?? []
        personalWords = try c.decodeIfPresent([String].self, forKey: .personalWords) ?? []
        harmHints = try c.decodeIfPresent([String].self, forKey: .harmHints) ?? []
        topicFrames = try c.decodeIfPresent([String].self, forKey: .topicFrames) ?? []
        figuresOfSpeech = try c.decodeIfPresent([String].self, forKey: .figuresOfSpeech) ?? []
        concepts = try c.decodeIfPresent([String: [String]].self, forKey: .concepts) ?? [:]
        combinations = try c.decodeIfPresent([Combination].self, forKey: .combinations) ?? []
    }
}

extension TriageRules {
    /// The most phrases one written phrase may stand for; past it the phrase is refused, since
    /// a slip such as "{verb} {verb} {verb}" would otherwise grow the rules a thousandfold.
    public static let expansionLimit = 20_000

    public enum ExpansionProblem: Error, Equatable, CustomStringConvertible {
        case unknownConcept(String)
        case tooMany(Int)
        public var description: String {
            switch self {
            case .unknownConcept(let name): "{\(name)} is not a list under `concepts`"
            case .tooMany(let n): "stands for \(n) phrases, more than \(TriageRules.expansionLimit); split it or use fewer {concepts}"
            }
        }
    }

    /// Every phrase a written phrase stands for, its `{concept}` slots filled in every way.
    public func expand(_ phrase: String) -> Result<[String], ExpansionProblem> {
        guard phrase.contains("{") else { return .success([phrase]) }
        var results = [""]
        var rest = Substring(phrase)
        while let open = rest.firstIndex(of: "{") {
            let literal = rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            guard let values = concepts[name] else { return .failure(.unknownConcept(name)) }
            let count = results.count * values.count
            if count > Self.expansionLimit { return .failure(.tooMany(count)) }
            results = results.flatMap { prefix in values.map { prefix + literal + $0 } }
            rest = rest[rest.index(after: close)...]
        }
        return .success(results.map { $0 + rest })
    }
}
