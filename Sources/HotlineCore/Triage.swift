/// Rules for judging urgency, loaded from `gateway-config/triage.yaml`.
public struct TriageRules: Sendable, Codable, Equatable {
    /// Phrases per category and level. Written as people write them (marks or not); they are
    /// compared on the reader's match keys, so teencode and Telex spellings match too.
    public var categories: [CategoryRule]
    /// Words that cancel a phrase when they stand just before it ("không bị đánh").
    public var negations: [String]
    /// Words that may stand between a negation and its phrase ("không *có ai* đánh").
    public var negationBridges: [String]
    /// Words saying it is happening now; with a P2 phrase they make it P1 ("bố *đang* đánh em").
    public var nowWords: [String]
    /// Words saying it is over ("hồi nhỏ", "năm ngoái"), for categories with `unless_past`.
    public var pastWords: [String]
    /// Words that may stand inside a phrase without breaking it: "không cho *em* ăn" meets
    /// "không cho ăn".
    public var fillers: [String]
    /// Menu answers that set a level on their own.
    public var answers: [AnswerRule]

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

    enum CodingKeys: String, CodingKey, CaseIterable {
        case categories, negations, answers
        case negationBridges = "negation_bridges"
        case nowWords = "now_words"
        case pastWords = "past_words"
        case fillers
    }

    public init(
        categories: [CategoryRule], negations: [String], negationBridges: [String], nowWords: [String], pastWords: [String] = [],
        fillers: [String] = [], answers: [AnswerRule]
    ) {
        self.pastWords = pastWords
        self.fillers = fillers
        self.categories = categories
        self.negations = negations
        self.negationBridges = negationBridges
        self.nowWords = nowWords
        self.answers = answers
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        categories = try c.decode([CategoryRule].self, forKey: .categories)
        negations = try c.decodeIfPresent([String].self, forKey: .negations) ?? []
        negationBridges = try c.decodeIfPresent([String].self, forKey: .negationBridges) ?? []
        nowWords = try c.decodeIfPresent([String].self, forKey: .nowWords) ?? []
        pastWords = try c.decodeIfPresent([String].self, forKey: .pastWords) ?? []
        fillers = try c.decodeIfPresent([String].self, forKey: .fillers) ?? []
        answers = try c.decodeIfPresent([AnswerRule].self, forKey: .answers) ?? []
    }
}

/// A judgement of urgency with its reasons, in words an operator can check.
public struct TriageDecision: Sendable, Equatable, Codable {
    public var priority: Priority
    public var category: String?
    public var reasons: [String]

    public init(priority: Priority, category: String?, reasons: [String]) {
        self.priority = priority
        self.category = category
        self.reasons = reasons
    }
}

/// Judges a message (and the answers given so far) against the rules. The higher level wins
/// whenever two are possible; a negated phrase is set aside and said so; "I'm fine" never
/// lowers anything (children understate).
public struct Triage: Sendable {
    public let rules: TriageRules
    public let normalizer: InputNormalizer

    struct Phrase {
        var words: [Substring]
        var text: String
        var category: String
        var level: Priority
        var unlessPast: Priority?
    }

    private let phrasesByFirstWord: [Substring: [Phrase]]
    private let negations: Set<String>
    private let bridges: Set<String>
    private let nowWords: [[Substring]]
    private let pastWords: [[Substring]]
    private let fillers: Set<Substring>

    public init(rules: TriageRules, normalizer: InputNormalizer = InputNormalizer()) {
        self.rules = rules
        self.normalizer = normalizer
        var index: [Substring: [Phrase]] = [:]
        for rule in rules.categories {
            for (level, phrases) in [(Priority.p1, rule.p1), (.p2, rule.p2), (.p3, rule.p3)] {
                for phrase in phrases {
                    let key = normalizer.matchKey(phrase)
                    let words = key.split(separator: " ")
                    guard let first = words.first else { continue }
                    index[first, default: []].append(
                        Phrase(words: words, text: key, category: rule.category, level: level, unlessPast: rule.unlessPast))
                }
            }
        }
        // Longer phrases first, so "dang danh" is reported before "danh" at the same place.
        phrasesByFirstWord = index.mapValues { $0.sorted { $0.words.count > $1.words.count } }
        negations = Set(rules.negations.map { normalizer.matchKey($0) })
        bridges = Set(rules.negationBridges.map { normalizer.matchKey($0) })
        nowWords = rules.nowWords.map { normalizer.matchKey($0).split(separator: " ") }
        pastWords = rules.pastWords.map { normalizer.matchKey($0).split(separator: " ") }
        fillers = Set(rules.fillers.map { Substring(normalizer.matchKey($0)) })
    }

    /// Judges free text, with the answers given so far (`category`, `danger_now`, `age`...).
    public func judge(text: String, answers: [String: String] = [:]) -> TriageDecision {
        let words = normalizer.matchKey(text).split(separator: " ")
        var best = TriageDecision(priority: .none, category: nil, reasons: [])
        func consider(_ level: Priority, _ category: String?, _ reason: String) {
            if level > best.priority {
                best.priority = level
                best.category = category ?? best.category
            } else if best.category == nil {
                best.category = category
            }
            best.reasons.append("\(level.rawValue): \(reason)")
        }

        // Phrases first; "now" and "past" words only count outside them, so the "dang" of
        // "doa dang anh" (dọa đăng ảnh) does not read as "đang" (now).
        var found: [(phrase: Phrase, span: Range<Int>)] = []
        for start in words.indices {
            guard let candidates = phrasesByFirstWord[words[start]] else { continue }
            for phrase in candidates {
                guard let end = match(phrase.words, in: words, at: start) else { continue }
                let span = start..<end
                // A shorter phrase inside one already counted adds nothing.
                if found.contains(where: { $0.span.contains(span.lowerBound) && $0.span.upperBound >= span.upperBound }) { continue }
                if let negation = negation(before: start, in: words) {
                    best.reasons.append("set aside: '\(negation) … \(phrase.text)' is negated")
                    continue
                }
                found.append((phrase, span))
            }
        }
        let outside = words.indices.filter { i in !found.contains { $0.span.contains(i) } }.map { words[$0] }
        let isNow = nowWords.contains { Self.occurs($0, in: outside) }
        let isPast = pastWords.contains { Self.occurs($0, in: outside) }
        for (phrase, _) in found {
            if phrase.level == .p2 && isNow {
                consider(.p1, phrase.category, "'\(phrase.text)' (\(phrase.category)) is happening now")
            } else if phrase.level == .p2, let raised = phrase.unlessPast, !isPast {
                consider(raised, phrase.category, "'\(phrase.text)' (\(phrase.category)), nothing says it is over: the higher level")
            } else {
                consider(phrase.level, phrase.category, "'\(phrase.text)' (\(phrase.category))")
            }
        }
        for rule in rules.answers where Self.holds(rule, answers) {
            let described = rule.when.keys.sorted().map { "\($0) = \(answers[$0] ?? answers[String($0.dropLast(6))] ?? "?")" }
            consider(rule.priority, answers["category"], "answer \(described.joined(separator: ", "))")
        }
        if best.category == nil, let category = answers["category"] { best.category = category }
        return best
    }

    /// Where `phrase` ends if it starts at `start`, allowing one filler word between its words.
    func match(_ phrase: [Substring], in words: [Substring], at start: Int) -> Int? {
        var i = start
        for (offset, word) in phrase.enumerated() {
            if i < words.count, words[i] == word {
                i += 1
                continue
            }
            guard offset > 0, i + 1 < words.count, fillers.contains(words[i]), words[i + 1] == word else { return nil }
            i += 2
        }
        return i
    }

    static func matches(_ phrase: [Substring], in words: [Substring], at start: Int) -> Bool {
        guard start + phrase.count <= words.count else { return false }
        for (offset, word) in phrase.enumerated() where words[start + offset] != word { return false }
        return true
    }

    static func occurs(_ phrase: [Substring], in words: [Substring]) -> Bool {
        guard !phrase.isEmpty else { return false }
        return words.indices.contains { matches(phrase, in: words, at: $0) }
    }

    /// The negation governing a phrase at `start`: the word before it, or before a short run
    /// of bridge words ("không có ai đánh").
    func negation(before start: Int, in words: [Substring]) -> String? {
        var i = start - 1
        var bridged = 0
        while i >= 0 {
            let word = String(words[i])
            if negations.contains(word) { return word }
            if i >= 1, negations.contains("\(words[i - 1]) \(word)") { return "\(words[i - 1]) \(word)" }
            guard bridges.contains(word), bridged < 3 else { return nil }
            bridged += 1
            i -= 1
        }
        return nil
    }

    static func holds(_ rule: TriageRules.AnswerRule, _ answers: [String: String]) -> Bool {
        guard !rule.when.isEmpty else { return false }
        for (field, values) in rule.when {
            if field.hasSuffix("_under") {
                let name = String(field.dropLast(6))
                guard let given = answers[name].flatMap({ Int($0) }), let limit = values.first.flatMap({ Int($0) }), given < limit else {
                    return false
                }
            } else {
                guard let given = answers[field], values.contains(given) else { return false }
            }
        }
        return true
    }
}
